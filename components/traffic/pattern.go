package traffic

import (
	"fmt"
	"math"
	"time"
)

// Pattern varies the arrival rate over time, from the moment it is chosen.
type Pattern string

// The patterns. Each is a rate over time; the arrivals are a Poisson process
// that follows it (see Schedule).
const (
	// Steady is the rate, constant.
	Steady Pattern = "steady"
	// Ramp starts at a tenth of the rate and climbs in a straight line to
	// the rate over RampPeriod, then holds it.
	Ramp Pattern = "ramp"
	// Spike is the rate with bursts of SpikeFactor times it, SpikeLength
	// long, the first SpikeStart in and one every SpikeEvery.
	Spike Pattern = "spike"
	// Wave swings the rate by half of it either way, a sine with a period
	// of WavePeriod that starts at the rate and rises first.
	Wave Pattern = "wave"
)

// The patterns' shapes.
const (
	RampPeriod  = 30 * time.Second
	RampFrom    = 0.1 // share of the rate a ramp starts at
	SpikeFactor = 4
	SpikeStart  = 5 * time.Second
	SpikeLength = 3 * time.Second
	SpikeEvery  = 20 * time.Second
	WavePeriod  = 30 * time.Second
	WaveDepth   = 0.5
)

// MaxRate is the most requests per second the user may be asked for, at any
// moment of any pattern. It is what this generator sends on time on a
// 2-core machine while the system it runs in serves them (measured: see
// the README); a higher rate would not be the rate the numbers claim.
// Rates above it are refused by the front ends and clamped here.
const MaxRate = 5000

// minRate is the smallest rate that is not zero: slower than one request in
// about 17 minutes, there is nothing to schedule.
const minRate = 1e-3

// Patterns lists every pattern in the order a user cycles through them.
var Patterns = []Pattern{Steady, Ramp, Spike, Wave}

// ParsePattern reads a pattern name.
func ParsePattern(s string) (Pattern, error) {
	for _, p := range Patterns {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown traffic pattern %q: use steady, ramp, spike or wave", s)
}

// Describe says in a few words what the pattern does, for help texts.
func (p Pattern) Describe() string {
	switch p {
	case Ramp:
		return fmt.Sprintf("from %g%% of the rate up to the rate over %v, then the rate", RampFrom*100, RampPeriod)
	case Spike:
		return fmt.Sprintf("the rate, with %dx bursts of %v, the first %v in, then every %v", SpikeFactor, SpikeLength, SpikeStart, SpikeEvery)
	case Wave:
		return fmt.Sprintf("the rate ±%g%%, a sine with a %v period", WaveDepth*100, WavePeriod)
	default:
		return "the rate, constant"
	}
}

// RateAt is the arrival rate a pattern asks for, elapsed into it, for a set
// rate. It never exceeds MaxRate.
func (p Pattern) RateAt(rate float64, elapsed time.Duration) float64 {
	rate = clampRate(rate)
	t := max(elapsed, 0)
	var r float64
	switch p {
	case Ramp:
		r = rate * (RampFrom + (1-RampFrom)*math.Min(1, t.Seconds()/RampPeriod.Seconds()))
	case Spike:
		if t >= SpikeStart && (t-SpikeStart)%SpikeEvery < SpikeLength {
			r = rate * SpikeFactor
		} else {
			r = rate
		}
	case Wave:
		r = rate * (1 + WaveDepth*math.Sin(2*math.Pi*t.Seconds()/WavePeriod.Seconds()))
	default:
		r = rate
	}
	return min(r, MaxRate)
}

// Peak is the highest rate the pattern asks for at a set rate (before
// MaxRate).
func (p Pattern) Peak(rate float64) float64 {
	switch p {
	case Spike:
		return rate * SpikeFactor
	case Wave:
		return rate * (1 + WaveDepth)
	default:
		return rate
	}
}

// CheckRate reports whether a set rate is one the user can be asked for
// with pattern p: a finite number from 0 whose peak is at most MaxRate. The
// error says what to do.
func CheckRate(rate float64, p Pattern) error {
	switch {
	case math.IsNaN(rate) || math.IsInf(rate, 0):
		return fmt.Errorf("rate %v is not a number of requests per second: give one from 0 to %d", rate, MaxRate)
	case rate < 0:
		return fmt.Errorf("rate %v: give requests per second, from 0 to %d", rate, MaxRate)
	case rate > MaxRate:
		return fmt.Errorf("rate %v is above the %d requests per second archex can send on time: give at most %d", rate, MaxRate, MaxRate)
	case p.Peak(rate) > MaxRate:
		return fmt.Errorf("rate %v with the %s pattern peaks at %v requests per second, above the %d archex can send on time: give at most %v", rate, p, p.Peak(rate), MaxRate, math.Floor(MaxRate/p.Peak(1)))
	}
	return nil
}

// clampRate makes any rate one the generator can follow: NaN and anything
// below minRate is 0, anything above MaxRate is MaxRate.
func clampRate(r float64) float64 {
	switch {
	case math.IsNaN(r) || r < minRate:
		return 0
	case r > MaxRate:
		return MaxRate
	}
	return r
}
