package experiment

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/engine"
)

// run is one experiment running: the lab, where to report, and what to undo.
type run struct {
	ctx  context.Context
	lab  Lab
	say  func(string)
	undo []undoStep
}

// undoStep puts back one thing the experiment changed; key lets a step be
// done early (a revive in the script) and dropped from the list.
type undoStep struct {
	key  string
	what string
	fn   func() error
}

func (r *run) pushUndo(key, what string, fn func() error) {
	r.undo = append(r.undo, undoStep{key: key, what: what, fn: fn})
}

// done drops the undo step with key: the script put it back itself.
func (r *run) done(key string) {
	for i := len(r.undo) - 1; i >= 0; i-- {
		if r.undo[i].key == key {
			r.undo = append(r.undo[:i], r.undo[i+1:]...)
			return
		}
	}
}

// undoAll puts back, last first, whatever the experiment changed and has not
// put back yet.
func (r *run) undoAll() error {
	var errs []error
	for i := len(r.undo) - 1; i >= 0; i-- {
		u := r.undo[i]
		r.say(u.what)
		if err := u.fn(); err != nil {
			errs = append(errs, err)
		}
	}
	r.undo = nil
	return errors.Join(errs...)
}

// kill kills target and remembers to revive it.
func (r *run) kill(target, name string) error {
	r.say("killing " + name + "...")
	if err := r.lab.Kill(target); err != nil {
		return err
	}
	r.pushUndo("kill "+target, "reviving "+name, func() error { return r.lab.Revive(target) })
	return nil
}

// revive brings target back within the script.
func (r *run) revive(target, name string) error {
	r.say("reviving " + name + "...")
	r.done("kill " + target)
	return r.lab.Revive(target)
}

// outage kills target (name says it in words), measures the n whole
// seconds after the second of the kill (half of which was before it), and
// revives it (back says what comes back).
func (r *run) outage(target, name string, n int, back string) (Phase, error) {
	at, err := r.now()
	if err != nil {
		return Phase{}, err
	}
	if err := r.kill(target, name); err != nil {
		return Phase{}, err
	}
	p, err := r.phase(at+1, n, "with "+name+" down")
	if err != nil {
		return p, err
	}
	return p, r.revive(target, back)
}

// snapshot is the lab's latest snapshot, or an error when it has none.
func (r *run) snapshot() (*engine.Snapshot, error) {
	s := r.lab.Snapshot()
	if s == nil {
		return nil, errors.New("the system is not running")
	}
	return s, nil
}

// fresh waits for a snapshot taken after it was called (the engine takes one
// ten times a second), so that a change made just before, such as a
// component the dashboard's user has just killed, is in it.
func (r *run) fresh() (*engine.Snapshot, error) {
	start := time.Now()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		s, err := r.snapshot()
		if err != nil {
			return nil, err
		}
		if !s.At.Before(start) {
			return s, nil
		}
		if time.Since(start) > 3*time.Second {
			return nil, errors.New("the system stopped taking snapshots: is it still running?")
		}
		select {
		case <-r.ctx.Done():
			return nil, r.ctx.Err()
		case <-tick.C:
		}
	}
}

// inProgress is the index (Second.T) of the second in progress: every second
// before it is complete.
func inProgress(s *engine.Snapshot) int {
	if s.Last.Components == nil && len(s.History) == 0 {
		return 0 // no second has closed yet
	}
	return s.Last.T + 1
}

// now is the second in progress.
func (r *run) now() (int, error) {
	s, err := r.snapshot()
	if err != nil {
		return 0, err
	}
	return inProgress(s), nil
}

// seconds waits until the n seconds from second from have closed and
// returns them. It fails when ctx ends or when the lab stops closing
// seconds.
func (r *run) seconds(from, n int) ([]engine.Second, error) {
	s, err := r.snapshot()
	if err != nil {
		return nil, err
	}
	wait := time.Duration(max(0, from+n-inProgress(s))+3) * time.Second
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if s = r.lab.Snapshot(); s != nil && inProgress(s) >= from+n {
			// The snapshot is shared with other readers: read it, never
			// append to its slices.
			var out []engine.Second
			for _, sec := range s.History {
				if sec.T >= from && sec.T < from+n {
					out = append(out, sec)
				}
			}
			if s.Last.T >= from && s.Last.T < from+n {
				out = append(out, s.Last)
			}
			if len(out) != n {
				return nil, fmt.Errorf("the system kept %d of the %d seconds measured", len(out), n)
			}
			return out, nil
		}
		select {
		case <-r.ctx.Done():
			return nil, r.ctx.Err()
		case <-deadline.C:
			return nil, fmt.Errorf("the system stopped counting seconds (none closed for %v): is it still running?", wait)
		case <-tick.C:
		}
	}
}

// phase measures n whole seconds from second from.
func (r *run) phase(from, n int, what string) (Phase, error) {
	if what != "" {
		r.say(fmt.Sprintf("measuring %d s %s...", n, what))
	}
	secs, err := r.seconds(from, n)
	if err != nil {
		return Phase{}, err
	}
	return summarize(secs), nil
}

// check reports whether the system has a component the experiment needs:
// "cache", or "service-2" for the second replica of the service.
func check(s *engine.Snapshot, need string) error {
	for _, c := range s.Components {
		if c.Alias == need {
			return nil
		}
	}
	if svc, n, ok := strings.Cut(need, "-"); ok {
		k, err := strconv.Atoi(n)
		for _, c := range s.Components {
			if c.Alias == svc && c.Kind == card.KindService && err == nil && c.Replicas >= k {
				return nil
			}
		}
	}
	title := "this system"
	if s.Card != nil {
		title = fmt.Sprintf("the card %q", s.Card.Title)
	}
	return fmt.Errorf("the experiment needs a %s, and %s has none", need, title)
}

// statusOf returns the status of the component with the given chaos name.
func statusOf(s *engine.Snapshot, alias string) (engine.Status, bool) {
	for _, c := range s.Components {
		if c.Alias == alias {
			return c, true
		}
	}
	return engine.Status{}, false
}
