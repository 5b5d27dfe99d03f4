//go:build !race

package challenge

const raceDetector = false
