//go:build race

package narrate

// raceDetector is true when the tests run under -race.
const raceDetector = true
