// Package tui is the dashboard: the card's diagram alive in the terminal,
// requests animated hop by hop, live figures, chaos from the keyboard, a
// trace inspector, an event log, the card itself and the quiz. It only
// draws: everything it shows it pulls from a System (the engine) on frame
// ticks, and everything it does it asks the System to do.
package tui

import (
	"context"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/components/traffic"
	"github.com/archex/archex/engine"
)

// System is what the dashboard needs of the running system.
// *engine.Engine is one; tests use a fake. Several dashboards may watch
// one System.
type System interface {
	Card() *card.Card
	Snapshot() *engine.Snapshot
	TracesSince(cursor uint64, max int) ([]engine.Trace, uint64)
	Trace(id trace.ID) (engine.Trace, bool)
	Notices(cursor uint64) ([]engine.Notice, uint64)
	Send(ctx context.Context, req engine.Request, waitAsync bool) (engine.Trace, error)

	Kill(target string) error
	Revive(target string) error
	Slow(target string, d time.Duration) error
	FailRate(target string, f float64) error
	Heal(target string) error
	CrashWorker() error
	SetBreaker(on bool)
	SetSingleflight(on bool)
	SetShedding(on bool)
	SetAlgorithm(a loadbalancer.Algorithm) error
	SetRate(r float64)
	SetPattern(p traffic.Pattern)
	SetPaused(p bool)
	// Turn turns a lever (engine.ParseLever): the [ and ] keys.
	Turn(f engine.Fault) error

	// Apply carries out a scripted fault (--fault, a lesson's line).
	Apply(f engine.Fault) error
	// Reset puts the system back to its start (the r key, a lesson's
	// loop); Settings and Restore let a quiz experiment put back what it
	// changed.
	Reset() error
	Settings() engine.Settings
	Restore(s engine.Settings) error
}

var _ System = (*engine.Engine)(nil)
