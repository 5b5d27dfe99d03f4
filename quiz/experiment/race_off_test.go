//go:build !race

package experiment

// raceDetector is true when the tests run under -race.
const raceDetector = false
