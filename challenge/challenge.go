// Package challenge is archex's hands-on exercises: each challenge puts the
// live system in a broken situation (a card, traffic, a schedule of faults,
// the levers as the learner finds them), names the levers the learner may
// turn and a budget for them, and states a goal as conditions on the
// system's own measurements over a window of seconds. The learner turns
// levers; the system runs; the measurements grade it. Hints unlock one by
// one; an explanation follows a pass.
//
// Challenges are data: a path of them in a YAML file (path.yaml is the
// one archex ships, embedded), read strictly with file:line errors as
// cards are. Goal evaluation is pure (Goal.Evaluate over recorded
// seconds); a Session runs one challenge on a fresh engine, headless or
// under the dashboard. Nothing here imports a UI package.
package challenge

import (
	"math"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/traffic"
	"github.com/archex/archex/engine"
)

// Path is an ordered list of challenges, easy to hard.
type Path struct {
	Name       string // names the path in the progress file ("archex")
	File       string // where it was read from
	Challenges []*Challenge
}

// Challenge is one exercise.
type Challenge struct {
	Number int // its place on the path, from 1
	ID     string
	Title  string
	Story  string // the situation, as the learner is told it
	Card   *card.Card
	Seed   uint64

	Traffic Traffic
	// Start are the levers as the learner finds them, set before the
	// traffic starts: the budget counts from here.
	Start []engine.Fault
	// Faults are the schedule: chaos and traffic changes at their times.
	Faults []engine.Fault
	// Levers are the levers the learner may turn, by name (engine.LeverNames).
	Levers []string
	Budget int
	Goal   Goal
	Hints  []string
	// Explanation is shown after a pass: why the fix works.
	Explanation string
	// Solution is a reference solution: lever commands that pass within
	// the budget (the tests prove it). Not shown to the learner.
	Solution []engine.Fault
}

// Traffic is what the users send.
type Traffic struct {
	Rate    float64 // requests per second of the well-behaved clients
	Pattern traffic.Pattern
	Reads   float64 // share of reads (default 0.9)
	Zipf    float64 // skew of product popularity (default 1.3)
	// Noisy is the requests per second of one more client (API key
	// NoisyKey) on top of Rate; 0: none.
	Noisy float64
}

// NoisyKey is the API key of a challenge's noisy client.
const NoisyKey = "demo-key-1"

// Goal is what passing takes: every condition met over the window.
type Goal struct {
	// Warmup is how long the system runs before the window opens: time
	// for the learner's levers to take effect (and the cache to warm).
	Warmup, Window time.Duration
	Conditions     []Condition
}

// Total is how long a run of the challenge lasts: the warmup and the
// window.
func (g Goal) Total() time.Duration { return g.Warmup + g.Window }

// secondsOf is a whole number of seconds.
func secondsOf(d time.Duration) int { return int(d / time.Second) }

// Allows reports whether lever name may be turned.
func (c *Challenge) Allows(name string) bool {
	for _, l := range c.Levers {
		if l == name {
			return true
		}
	}
	return false
}

// Scaled is the challenge with its times multiplied by f (0 < f ≤ 1): the
// warmup and the window to whole seconds (at least one each), the faults in
// proportion within the warmup or the window they fall in (a fault at the
// window's opening stays there). The short form of the tests runs scaled;
// rates stay, so a scaled run asks the same of the system for less long.
func (c *Challenge) Scaled(f float64) *Challenge {
	if f >= 1 || f <= 0 {
		return c
	}
	out := *c
	round := func(d time.Duration, least time.Duration) time.Duration {
		return max(time.Duration(math.Round(float64(d)*f/float64(time.Second)))*time.Second, least)
	}
	out.Goal.Warmup = round(c.Goal.Warmup, min(c.Goal.Warmup, time.Second))
	out.Goal.Window = round(c.Goal.Window, time.Second)
	total := out.Goal.Total()
	out.Faults = nil
	for _, fl := range c.Faults {
		var at float64
		if w := c.Goal.Warmup; fl.At < w {
			at = float64(fl.At) * float64(out.Goal.Warmup) / float64(w)
		} else {
			at = float64(out.Goal.Warmup) + float64(fl.At-w)*float64(out.Goal.Window)/float64(c.Goal.Window)
		}
		fl.At = min(time.Duration(at).Round(100*time.Millisecond), total-100*time.Millisecond)
		out.Faults = append(out.Faults, fl)
	}
	return &out
}
