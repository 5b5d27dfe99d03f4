package traffic

import (
	"time"

	"github.com/archex/archex/components/model"
)

// Schedule is the user's arrival times, drawn from a seed and nothing else:
// an open-loop Poisson process whose rate follows the pattern, with the
// changes (rate, pattern, pause, end) at the times they are given. It is
// pure: no clock, no goroutine. The same seed and the same changes at the
// same times give the same arrivals, however late whoever sends them is.
//
// A pattern's varying rate is followed by thinning (Lewis and Shedler,
// 1979): candidates arrive at the pattern's peak rate, and each is kept
// with the probability rate(t)/peak. Both draws come from the seed. A
// change discards the candidate drawn after it and draws afresh from the
// change: exponential gaps have no memory, so the process stays Poisson.
//
// Times are since the schedule's zero. A Schedule is not safe for
// concurrent use.
type Schedule struct {
	rng *model.Rand
	now settings // as of pos
	pos time.Duration
	// next is the next arrival, drawn but not taken, when hasNext.
	next    time.Duration
	hasNext bool
	taken   time.Duration // the last arrival taken
	plan    []change      // changes after pos, in time order
	past    []change      // the last changes applied, for settingsAt
}

// settings are what decides the rate at a moment.
type settings struct {
	rate      float64
	pattern   Pattern
	patternAt time.Duration // when the pattern started
	paused    bool          // by the user
	held      bool          // the generator is stopped
	ended     bool
	endAt     time.Duration
}

func (s settings) off() bool { return s.paused || s.held || s.ended }

func (s settings) rateAt(t time.Duration) float64 {
	if s.off() {
		return 0
	}
	return s.pattern.RateAt(s.rate, t-s.patternAt)
}

// peak is the rate candidates are drawn at: the highest the settings ask
// for.
func (s settings) peak() float64 {
	if s.off() {
		return 0
	}
	return clampRate(s.pattern.Peak(s.rate))
}

// change is one change of the settings, from at on.
type change struct {
	at    time.Duration
	apply func(*settings, time.Duration)
	// the settings once applied (in past)
	after settings
}

// keepPast bounds the changes kept for settingsAt.
const keepPast = 16

// NewSchedule starts a schedule at rate and pattern p; seed and stream
// name the random numbers it draws.
func NewSchedule(seed uint64, stream string, rate float64, p Pattern) *Schedule {
	if p == "" {
		p = Steady
	}
	s := &Schedule{rng: model.NewRand(seed, stream), now: settings{rate: clampRate(rate), pattern: p}}
	s.past = []change{{after: s.now}}
	return s
}

// SetRate changes the set rate from at on.
func (s *Schedule) SetRate(at time.Duration, rate float64) {
	rate = clampRate(rate)
	s.change(at, func(st *settings, _ time.Duration) { st.rate = rate })
}

// SetPattern switches the pattern from at on; it starts from its
// beginning there.
func (s *Schedule) SetPattern(at time.Duration, p Pattern) {
	s.change(at, func(st *settings, at time.Duration) { st.pattern, st.patternAt = p, at })
}

// SetPaused pauses or resumes the arrivals from at on.
func (s *Schedule) SetPaused(at time.Duration, paused bool) {
	s.change(at, func(st *settings, _ time.Duration) { st.paused = paused })
}

// End ends the arrivals at at: none at or after it.
func (s *Schedule) End(at time.Duration) {
	s.change(at, func(st *settings, at time.Duration) { st.ended, st.endAt = true, at })
}

// hold stops (true) or restarts the arrivals from at on, apart from the
// user's pause.
func (s *Schedule) hold(at time.Duration, held bool) {
	s.change(at, func(st *settings, _ time.Duration) { st.held = held })
}

// ended reports whether the schedule has reached its end, and when that is.
func (s *Schedule) ended() (time.Duration, bool) { return s.now.endAt, s.now.ended }

// Taken is the time of the last arrival taken.
func (s *Schedule) Taken() time.Duration { return s.taken }

// change records a change from at on. A change cannot reach back before the
// last arrival taken; at a time past it, it replaces what was drawn for
// after it.
func (s *Schedule) change(at time.Duration, apply func(*settings, time.Duration)) {
	at = max(at, s.taken)
	if s.hasNext && s.next >= at {
		s.hasNext = false
	}
	if !s.hasNext && s.pos > at {
		// Drawing may have run ahead through planned changes (when nothing
		// arrives until one): put those back and draw again from at.
		for len(s.past) > 1 && s.past[len(s.past)-1].at > at {
			last := s.past[len(s.past)-1]
			s.past = s.past[:len(s.past)-1]
			s.plan = append([]change{{at: last.at, apply: last.apply}}, s.plan...)
		}
		s.now = s.past[len(s.past)-1].after
		s.pos = at
	}
	i := len(s.plan)
	for i > 0 && s.plan[i-1].at > at {
		i--
	}
	s.plan = append(s.plan, change{})
	copy(s.plan[i+1:], s.plan[i:])
	s.plan[i] = change{at: at, apply: apply}
}

// Next returns the next arrival without taking it, and false when none
// will come until a change (paused, rate 0, ended).
func (s *Schedule) Next() (time.Duration, bool) {
	for !s.hasNext {
		peak := s.now.peak()
		var cand time.Duration
		if peak > 0 {
			cand = s.pos + time.Duration(s.rng.ExpFloat64()/peak*float64(time.Second))
		}
		if len(s.plan) > 0 && (peak == 0 || s.plan[0].at <= cand) {
			s.apply()
			continue
		}
		if peak == 0 {
			return 0, false
		}
		s.pos = cand
		if s.rng.Float64()*peak < s.now.rateAt(cand) {
			s.next, s.hasNext = cand, true
		}
	}
	return s.next, true
}

// apply carries out the first planned change.
func (s *Schedule) apply() {
	c := s.plan[0]
	s.plan = s.plan[1:]
	s.pos = c.at
	c.apply(&s.now, c.at)
	c.after = s.now
	s.past = append(s.past, c)
	if len(s.past) > keepPast {
		s.past = append(s.past[:0], s.past[len(s.past)-keepPast:]...)
	}
}

// Take takes the next arrival (see Next).
func (s *Schedule) Take() (time.Duration, bool) {
	at, ok := s.Next()
	if ok {
		s.hasNext = false
		s.taken = at
	}
	return at, ok
}

// settingsAt are the settings in force at t: the last change at or before
// t, of those applied and those planned.
func (s *Schedule) settingsAt(t time.Duration) settings {
	st := s.past[0].after
	for _, c := range s.past {
		if c.at <= t {
			st = c.after
		}
	}
	for _, c := range s.plan {
		if c.at <= t {
			c.apply(&st, c.at)
		}
	}
	return st
}

// RateAt is the rate the schedule asks for at t.
func (s *Schedule) RateAt(t time.Duration) float64 { return s.settingsAt(t).rateAt(t) }
