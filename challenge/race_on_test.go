//go:build race

package challenge

// raceDetector is true when the tests run under -race: the proofs of the
// challenges measure the system, which the detector slows several times.
const raceDetector = true
