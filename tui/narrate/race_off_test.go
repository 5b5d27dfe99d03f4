//go:build !race

package narrate

const raceDetector = false
