package experiment

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/archex/archex/components/traffic"
	"github.com/archex/archex/engine"
)

// An experiment predicts from a baseline, so the baseline must be the
// system as it runs, not as it starts: a fresh system's cache is empty and
// fills over its first seconds (its hit ratio climbing from 0 to ~87 % at
// 200 requests/s), a revived component is catching up, a killed worker
// leaves a backlog. A baseline taken then made killing a replica look like
// a speed-up ("median response 8.0 ms before, 4.6 ms after"). So every
// baseline is the first few whole seconds in which the system holds steady.

// Steadiness, over the seconds of a window.
const (
	// hitSpread is how far the cache's hit ratio may move within the
	// window: at 200 requests/s a second's ratio has ~180 lookups, a
	// standard error of about 0.025.
	hitSpread = 0.08
	// hitRise is how much it may rise from the window's first second to its
	// last: more is a cache still filling.
	hitRise = 0.04
	// failures is the share of requests that may fail in a steady second;
	// unhealthy the share that fails on a machine too busy to measure on.
	failures  = 0.01
	unhealthy = 0.05
	// steadyLimit is how long to wait for a steady window, in seconds;
	// after it the last seconds are measured as they are, and that is said.
	steadyLimit = 12
)

// steady waits for n whole seconds in a row that hold steady (see
// isSteady), starting with the next second to begin, and returns them.
func (r *run) steady(n int, what string) (Phase, error) {
	r.say("waiting for a steady state, then measuring " + what + "...")
	from, err := r.now()
	if err != nil {
		return Phase{}, err
	}
	from++ // the second in progress began before the call
	var secs []engine.Second
	for i := 0; i < max(steadyLimit, n); i++ {
		got, err := r.seconds(from+i, 1)
		if err != nil {
			return Phase{}, err
		}
		secs = append(secs, got[0])
		if len(secs) >= n && isSteady(secs[len(secs)-n:]) {
			return summarize(secs[len(secs)-n:]), nil
		}
	}
	last := summarize(secs[len(secs)-n:])
	if last.FailRatio() >= unhealthy {
		// Every component is up, yet requests fail: the machine cannot
		// carry the traffic, and a prediction from it would be about the
		// machine.
		return last, fmt.Errorf("%w: not steady within %d s, and with every component up %s in the last %d s", ErrBusy, len(secs), failedOf(last), n)
	}
	r.say(fmt.Sprintf("not steady within %d s: measuring the last %d s as they are", len(secs), n))
	return last, nil
}

// steadyBaseline is the baseline of most experiments: 3 steady seconds.
func steadyBaseline(r *run, m *Measurement) (err error) {
	m.Before, err = r.steady(3, "3 s of the baseline")
	return err
}

// isSteady reports whether the seconds are a steady state: requests are
// answered and almost none fail, the cache's hit ratio neither moves much
// nor climbs (a cache still filling), and the users' median wait is about
// the same in each (within twice, and 2 ms: a machine busy with other work
// moves it that much from second to second).
func isSteady(secs []engine.Second) bool {
	var hits []float64
	lo, hi := math.Inf(1), 0.0
	for _, s := range secs {
		if s.OK+s.Failed == 0 || float64(s.Failed) > failures*float64(s.OK+s.Failed) {
			return false
		}
		if s.HitRatio != nil {
			hits = append(hits, *s.HitRatio)
		}
		lo, hi = math.Min(lo, s.P50), math.Max(hi, s.P50)
	}
	const eps = 1e-9 // 0.90 - 0.82 is a hair over 0.08
	if len(hits) > 1 && (slices.Max(hits)-slices.Min(hits) > hitSpread+eps || hits[len(hits)-1]-hits[0] > hitRise+eps) {
		return false
	}
	return hi <= 2*lo+2
}

// prepare checks that the lab has what the experiment needs and makes it
// healthy (see start); Run puts the lab's settings back afterwards.
func (r *run) prepare(e *Experiment) error {
	s, err := r.fresh()
	if err != nil {
		return err
	}
	for _, n := range e.Needs {
		if err := check(s, n); err != nil {
			return err
		}
	}
	found := r.lab.Settings()
	want := e.start(found)
	if changes := found.Changes(want); len(changes) > 0 {
		r.say("so that it starts from a healthy system with steady traffic: " + strings.Join(changes, ", "))
		if err := r.lab.Restore(want); err != nil {
			return fmt.Errorf("could not make the system healthy: %w", err)
		}
	}
	return r.waitForBacklog(s)
}

// start are the settings experiment e starts from, given the lab's (see
// healthy), with what its script sets besides.
func (e *Experiment) start(found engine.Settings) engine.Settings {
	s := healthy(found)
	if e.setup != nil {
		e.setup(&s)
	}
	return s
}

// healthy are the settings an experiment starts from, given the lab's: every
// component up and healed, the breaker and singleflight on, load shedding
// off, the traffic running, steady, at MinRate or more (DefaultRate when it
// was less). The load balancer's algorithm and the levers of capacity
// (replicas, pool ...) stay as they are: the experiments measure the
// capacity they find.
func healthy(s engine.Settings) engine.Settings {
	h := engine.Settings{Levers: s.Levers, Rate: s.Rate, Pattern: traffic.Steady}
	h.Breaker, h.Singleflight, h.Shedding = true, true, false
	if h.Rate < MinRate {
		h.Rate = DefaultRate
	}
	for _, p := range s.Parts {
		h.Parts = append(h.Parts, engine.PartSettings{Alias: p.Alias})
	}
	return h
}

// backlog is the queue depth from which the worker counts as busy catching
// up: draining a backlog takes the database and the processor, which would
// show in a baseline.
const backlog = 50

// waitForBacklog waits, up to 10 s, for a backlog in the queue to drain
// (one a previous experiment left, say).
func (r *run) waitForBacklog(s *engine.Snapshot) error {
	q, ok := statusOf(s, "queue")
	if !ok || q.Depth <= backlog {
		return nil
	}
	r.say(fmt.Sprintf("waiting for the queue's backlog of %s events to drain first...", count(q.Depth)))
	_, err := r.drain(0, 0, 10*time.Second)
	return err
}
