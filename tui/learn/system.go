package learn

import (
	"errors"
	"time"

	"github.com/archex/archex/challenge"

	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/components/traffic"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/tui"
)

// system is the dashboard's System during a challenge: the attempt's
// engine, with every lever going through the attempt (which checks the
// challenge allows it and the budget covers it) and no chaos or traffic
// changes (the challenge sets those; the dashboard's keys for them are
// disabled, this refuses them all the same).
type system struct {
	*engine.Engine
	attempt Attempt
	now     func() time.Time
	frozen  bool // tests: the clock of the header is the attempt's
}

var _ tui.System = (*system)(nil)

var errChallenge = errors.New("not during a challenge: the challenge sets the faults and the traffic")

// snapshotter is an attempt that gives the snapshots itself (tests: a
// frozen system).
type snapshotter interface{ Snapshot() *engine.Snapshot }

func (s *system) Snapshot() *engine.Snapshot {
	snap := s.Engine.Snapshot()
	if sn, ok := s.attempt.(snapshotter); ok {
		snap = sn.Snapshot()
	}
	if !s.frozen || snap == nil {
		return snap
	}
	c := *snap
	c.At = s.now()
	c.Elapsed, _ = s.attempt.Clock(c.At)
	c.Requests.Started = s.attempt.Phase(c.At) != challenge.Ready
	return &c
}

func (s *system) Turn(f engine.Fault) error { return s.attempt.Turn(f) }

func (s *system) switchTo(action string, on bool) {
	word := "off"
	if on {
		word = "on"
	}
	if f, err := engine.ParseLever(action + " " + word); err == nil {
		_ = s.attempt.Turn(f) // switches are free; the keys of those not allowed are disabled
	}
}

func (s *system) SetBreaker(on bool)      { s.switchTo("breaker", on) }
func (s *system) SetSingleflight(on bool) { s.switchTo("singleflight", on) }
func (s *system) SetShedding(on bool)     { s.switchTo("shedding", on) }

func (s *system) SetAlgorithm(a loadbalancer.Algorithm) error {
	f, err := engine.ParseLever("algorithm " + string(a))
	if err != nil {
		return err
	}
	return s.attempt.Turn(f)
}

func (s *system) Kill(string) error                { return errChallenge }
func (s *system) Revive(string) error              { return errChallenge }
func (s *system) Slow(string, time.Duration) error { return errChallenge }
func (s *system) FailRate(string, float64) error   { return errChallenge }
func (s *system) Heal(string) error                { return errChallenge }
func (s *system) CrashWorker() error               { return errChallenge }
func (s *system) SetRate(float64)                  {}
func (s *system) SetPattern(traffic.Pattern)       {}
func (s *system) SetPaused(bool)                   {}
