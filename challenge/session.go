package challenge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/archex/archex/engine"
	"github.com/archex/archex/headless"
)

// Options configure a session.
type Options struct {
	// Scale multiplies the challenge's times (see Challenge.Scaled): the
	// tests' short form. 0 or 1: as written.
	Scale float64
	// StopEarly ends the run as soon as the goal cannot be met any more
	// (a count over its bound): the verdict is then final and failed.
	StopEarly bool
}

// Phase is where a session stands.
type Phase int

// Phases of a session.
const (
	Ready     Phase = iota // built: levers can be turned; no traffic yet
	Warmup                 // traffic runs; the window has not opened
	Measuring              // the window is open
	Finished               // the run is over: the verdict is final
)

var phaseNames = [...]string{"ready", "warming up", "measuring", "done"}

func (p Phase) String() string { return phaseNames[p] }

// Session is one attempt at a challenge, on an engine of its own: a fresh
// system is the honest way to start a challenge again.
type Session struct {
	ch   *Challenge
	opts Options
	eng  *engine.Engine
	base engine.Levers // the levers as the learner found them
	rest []engine.Fault

	mu      sync.Mutex
	began   time.Time // Go
	ended   bool
	verdict Verdict
	runErr  error
	cancel  context.CancelFunc
	done    chan struct{}
	turned  []string // the lever commands turned, in order
}

// settleFor bounds the wait for the start levers (replicas joining).
const settleFor = 10 * time.Second

// Keys builds the API keys the users send with, one request after
// another: the four demo keys in turn; with a noisy client, its key takes
// its share of a cycle of 60 (smooth weighted round-robin, so it is spread
// out, not in bursts), the three others the rest.
func (t Traffic) Keys() []string {
	if t.Noisy <= 0 {
		return engine.DemoKeys
	}
	const cycle = 60
	noisy := int(float64(cycle)*t.Noisy/(t.Rate+t.Noisy) + 0.5)
	noisy = min(max(noisy, 1), cycle-3)
	weights := map[string]int{NoisyKey: noisy}
	others := engine.DemoKeys[1:]
	for i, k := range others {
		weights[k] = (cycle - noisy) / len(others)
		if i < (cycle-noisy)%len(others) {
			weights[k]++
		}
	}
	order := append([]string{NoisyKey}, others...)
	current := map[string]int{}
	out := make([]string, 0, cycle)
	for range cycle {
		best := ""
		for _, k := range order {
			current[k] += weights[k]
			if best == "" || current[k] > current[best] {
				best = k
			}
		}
		current[best] -= cycle
		out = append(out, best)
	}
	return out
}

// New builds the system for a challenge, turns the levers to where the
// challenge starts them and applies the faults due at the start, with no
// traffic yet: the learner sees the situation and may turn levers before
// Go.
func New(c *Challenge, opts Options) (*Session, error) {
	c = c.Scaled(opts.Scale)
	t := c.Traffic
	eng, err := engine.New(engine.Options{Card: c.Card, Seed: c.Seed, Rate: t.Rate + t.Noisy, Pattern: t.Pattern,
		ReadRatio: t.Reads, Zipf: t.Zipf, Keys: t.Keys()})
	if err != nil {
		return nil, err
	}
	s := &Session{ch: c, opts: opts, eng: eng, done: make(chan struct{})}
	fail := func(err error) (*Session, error) {
		eng.Close()
		return nil, fmt.Errorf("challenge %d (%s): %w", c.Number, c.ID, err)
	}
	for _, f := range c.Start {
		if err := eng.Apply(f); err != nil {
			return fail(fmt.Errorf("start %q: %w", f.Text, err))
		}
	}
	for _, f := range c.Faults {
		if f.At > 0 || f.Action == "rate" || f.Action == "pattern" {
			s.rest = append(s.rest, f) // the traffic's own on its schedule
			continue
		}
		if err := eng.Apply(f); err != nil {
			return fail(fmt.Errorf("fault %q: %w", f.Text, err))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), settleFor)
	defer cancel()
	if err := eng.WaitScaled(ctx); err != nil {
		return fail(err)
	}
	s.base = eng.Levers()
	return s, nil
}

// Challenge is the challenge as this session runs it (scaled).
func (s *Session) Challenge() *Challenge { return s.ch }

// Engine is the running system.
func (s *Session) Engine() *engine.Engine { return s.eng }

// Base are the levers as the learner found them.
func (s *Session) Base() engine.Levers { return s.base }

// Spent is what the levers turned so far cost.
func (s *Session) Spent() int { return Cost(s.base, s.eng.Levers()) }

// Turned lists the lever commands turned so far, in order.
func (s *Session) Turned() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.turned...)
}

// ErrNotAllowed is the error of a lever the challenge does not allow.
var ErrNotAllowed = errors.New("not allowed in this challenge")

// ErrOverBudget is the error of a lever that would cost more than the
// budget.
var ErrOverBudget = errors.New("over budget")

// TurnText reads a lever command ("scale service 4") and turns it.
func (s *Session) TurnText(cmd string) error {
	f, err := engine.ParseLever(cmd)
	if err != nil {
		return err
	}
	return s.Turn(f)
}

// Turn turns a lever, if the challenge allows it and the budget covers
// what the levers would then cost. A run that is over takes no lever.
func (s *Session) Turn(f engine.Fault) error {
	name, err := s.eng.Lever(f)
	if err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("%q is not a lever", f.Text)
	}
	if !s.ch.Allows(name) {
		return fmt.Errorf("%s: %w (levers: %s)", name, ErrNotAllowed, strings.Join(s.ch.Levers, ", "))
	}
	if s.Phase(time.Now()) == Finished {
		return errors.New("the run is over: restart to try again")
	}
	if cost := Cost(s.base, s.after(f)); cost > s.ch.Budget {
		return fmt.Errorf("%s: %w: that would cost %d of a budget of %s (%s)", f.Text, ErrOverBudget, cost, Credits(s.ch.Budget), CostsText())
	}
	if err := s.eng.Apply(f); err != nil {
		return err
	}
	s.mu.Lock()
	s.turned = append(s.turned, f.Text)
	s.mu.Unlock()
	return nil
}

// after is the levers once f is turned (for its cost).
func (s *Session) after(f engine.Fault) engine.Levers {
	l := s.eng.Levers()
	var n int
	fmt.Sscan(f.Value, &n)
	switch name, _ := s.eng.Lever(f); name {
	case "scale service":
		l.Replicas = n
	case "scale worker":
		l.Workers = n
	case "pool":
		l.Pool = n
	}
	return l
}

// CostsText sums the costs up in a line.
func CostsText() string {
	var parts []string
	for _, c := range Costs {
		unit := map[string]string{"scale service": "replica", "scale worker": "worker consumer", "pool": "pool connection"}[c.Lever]
		parts = append(parts, fmt.Sprintf("1 %s = %d", unit, c.Per))
	}
	return strings.Join(parts, ", ") + "; settings and switches are free"
}

// Go starts the traffic and the clock: the faults come at their times, the
// window opens after the warmup, and the run ends with it. It returns at
// once; Wait waits for the verdict.
func (s *Session) Go() {
	s.mu.Lock()
	if !s.began.IsZero() {
		s.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.began = time.Now()
	s.mu.Unlock()
	goal := s.ch.Goal
	run := headless.Run{Duration: goal.Total(), Faults: s.rest, OnSecond: func(engine.Second) {
		if s.opts.StopEarly && s.Verdict().Failed {
			cancel()
		}
	}}
	go func() {
		defer close(s.done)
		_, err := run.Execute(ctx, s.eng)
		// The run sends no more: the system says so (paused), rather than
		// go on showing the rate it ran at as if it still sent it.
		s.eng.SetPaused(true)
		if errors.Is(err, context.Canceled) {
			err = nil // stopped early or closed: the verdict says which
		}
		v := goal.Evaluate(s.eng.History(), NoisyKey, true)
		s.mu.Lock()
		s.ended, s.verdict, s.runErr = true, v, err
		s.mu.Unlock()
	}()
}

// Verdict is the goal measured over what has run so far; final once Finished.
func (s *Session) Verdict() Verdict {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return s.verdict
	}
	if s.began.IsZero() {
		// Nothing has run: nothing is measured, not even a count of 0.
		v := s.ch.Goal.Evaluate(nil, NoisyKey, false)
		for i := range v.Readings {
			v.Readings[i] = Reading{Condition: v.Readings[i].Condition}
		}
		return v
	}
	return s.ch.Goal.Evaluate(s.eng.History(), NoisyKey, false)
}

// Phase is where the session stands at now.
func (s *Session) Phase(now time.Time) Phase {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.ended:
		return Finished
	case s.began.IsZero():
		return Ready
	case now.Sub(s.began) < s.ch.Goal.Warmup:
		return Warmup
	}
	return Measuring
}

// Clock says how far the run is: the time since Go, and the time left
// until the window opens (warming up) or closes (measuring).
func (s *Session) Clock(now time.Time) (elapsed, left time.Duration) {
	s.mu.Lock()
	began := s.began
	s.mu.Unlock()
	if began.IsZero() {
		return 0, s.ch.Goal.Warmup
	}
	elapsed = now.Sub(began)
	g := s.ch.Goal
	switch {
	case elapsed < g.Warmup:
		return elapsed, g.Warmup - elapsed
	case elapsed < g.Total():
		return elapsed, g.Total() - elapsed
	}
	return elapsed, 0
}

// Wait waits for the run to end (or ctx) and returns the final verdict
// and the run's error, if any.
func (s *Session) Wait(ctx context.Context) (Verdict, error) {
	select {
	case <-s.done:
	case <-ctx.Done():
		return Verdict{}, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.verdict, s.runErr
}

// Close stops the run and the system.
func (s *Session) Close() {
	s.mu.Lock()
	cancel, began := s.cancel, s.began
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if !began.IsZero() {
		<-s.done
	}
	s.eng.Close()
}
