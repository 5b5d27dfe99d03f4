// Package model is the time model: every component's unit of work has a
// modeled latency (base plus jitter), applied as a real wait inside the
// component's capacity limit, so that queueing under load is real. Work on
// loopback takes microseconds; without the model the cache would look no
// faster than the database. Faults (added latency, a fraction of failed calls)
// live here too, so every component takes them the same way.
//
// The model works in milliseconds: on an idle Linux process a Go timer
// cannot fire sooner than about 1.1 ms (measured: 50 µs, 200 µs and 1 ms
// timers all fired after 1.08–1.12 ms), so a modeled 200 µs would really
// cost a millisecond. Components whose real work is that cheap (the load
// balancer, the gateway, the queue) model none by default.
package model

import (
	"context"
	"errors"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Latency is a modeled latency: Base plus a uniform jitter in [-Jitter, +Jitter].
type Latency struct {
	Base, Jitter time.Duration
}

// ErrInjected is the error of a call failed on purpose by chaos.
var ErrInjected = errors.New("injected failure (chaos)")

// ErrDown is returned by a component that has been killed.
var ErrDown = errors.New("down")

// Faults are the chaos a component is under besides being killed: added
// latency and a fraction of calls that fail. Safe for concurrent use.
type Faults struct {
	slow atomic.Int64  // added latency, nanoseconds
	fail atomic.Uint64 // fraction of calls that fail, as float64 bits
}

// SetSlow adds d to every unit of work (0 removes it).
func (f *Faults) SetSlow(d time.Duration) { f.slow.Store(int64(max(d, 0))) }

// Slow is the added latency.
func (f *Faults) Slow() time.Duration { return time.Duration(f.slow.Load()) }

// SetFailRate makes a fraction p (0..1) of calls fail.
func (f *Faults) SetFailRate(p float64) {
	p = math.Max(0, math.Min(1, p))
	f.fail.Store(math.Float64bits(p))
}

// FailRate is the fraction of calls that fail.
func (f *Faults) FailRate() float64 { return math.Float64frombits(f.fail.Load()) }

// Heal removes the added latency and the failures.
func (f *Faults) Heal() { f.SetSlow(0); f.SetFailRate(0) }

// Rand is a seeded, concurrency-safe source of randomness.
type Rand struct {
	mu sync.Mutex
	r  *rand.Rand
}

// NewRand returns a source seeded from seed and a name, so that each
// component gets its own reproducible stream.
func NewRand(seed uint64, name string) *Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return &Rand{r: rand.New(rand.NewPCG(seed, h.Sum64()))}
}

// Float64 returns a number in [0, 1).
func (r *Rand) Float64() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.Float64()
}

// ExpFloat64 returns an exponentially distributed number with mean 1.
func (r *Rand) ExpFloat64() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.ExpFloat64()
}

// Uint64 returns a random number.
func (r *Rand) Uint64() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.Uint64()
}

// With runs fn with the underlying generator, under the lock.
func (r *Rand) With(fn func(*rand.Rand)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(r.r)
}

// Station is a component's unit of service: a capacity limit (how many units
// of work run at once; 0 means unlimited), a modeled latency and faults.
type Station struct {
	latency Latency
	slots   chan struct{}
	faults  *Faults
	rng     *Rand

	busy    atomic.Int64
	waiting atomic.Int64
}

// NewStation returns a station. faults may be shared with the component.
func NewStation(capacity int, latency Latency, faults *Faults, rng *Rand) *Station {
	s := &Station{latency: latency, faults: faults, rng: rng}
	if capacity > 0 {
		s.slots = make(chan struct{}, capacity)
	}
	if s.faults == nil {
		s.faults = &Faults{}
	}
	return s
}

// Latency is the station's modeled latency.
func (s *Station) Latency() Latency { return s.latency }

// Capacity is how many units of work run at once (0: unlimited).
func (s *Station) Capacity() int { return cap(s.slots) }

// Busy is how many units of work are in progress.
func (s *Station) Busy() int { return int(s.busy.Load()) }

// Waiting is how many units of work wait for a free slot.
func (s *Station) Waiting() int { return int(s.waiting.Load()) }

// Serve takes a slot (waiting for one if all are busy), waits the modeled
// latency plus any added latency, fails the call if chaos says so, then runs
// work while still holding the slot. It returns ctx's error if ctx ends first.
func (s *Station) Serve(ctx context.Context, work func() error) error {
	return s.ServeWithin(ctx, 0, work)
}

// ErrLate is the error of a call whose modeled answer would come after the
// caller's bound: the caller stopped waiting at the bound.
var ErrLate = errors.New("no answer within the bound")

// ServeWithin is Serve for a caller that waits at most limit for the answer
// (0: no bound). When the slot's wait and the modeled latency would pass the
// limit, it waits out the limit and returns ErrLate without doing the work.
// The modeled part is judged on the model, not on the clock, so that a busy
// machine's scheduling delays are not taken for the component's slowness.
func (s *Station) ServeWithin(ctx context.Context, limit time.Duration, work func() error) error {
	start := time.Now()
	if s.slots != nil {
		s.waiting.Add(1)
		select {
		case s.slots <- struct{}{}:
			s.waiting.Add(-1)
		case <-ctx.Done():
			s.waiting.Add(-1)
			return ctx.Err()
		}
		defer func() { <-s.slots }()
	}
	s.busy.Add(1)
	defer s.busy.Add(-1)
	d := s.Draw()
	if left := limit - time.Since(start); limit > 0 && d > left {
		if err := Sleep(ctx, max(left, 0)); err != nil {
			return err
		}
		return ErrLate
	}
	if err := s.wait(ctx, d); err != nil {
		return err
	}
	if work == nil {
		return nil
	}
	return work()
}

// Wait waits the modeled latency plus any added latency, and fails the call
// if chaos says so. Components with their own capacity limit (the database's
// connection pool) call it while holding their own slot.
func (s *Station) Wait(ctx context.Context) error { return s.wait(ctx, s.Draw()) }

func (s *Station) wait(ctx context.Context, d time.Duration) error {
	if d > 0 {
		if err := Sleep(ctx, d); err != nil {
			return err
		}
	}
	if p := s.faults.FailRate(); p > 0 && s.rng.Float64() < p {
		return ErrInjected
	}
	return nil
}

// Draw returns one modeled latency: base plus jitter plus added latency.
func (s *Station) Draw() time.Duration {
	d := s.latency.Base
	if j := s.latency.Jitter; j > 0 {
		d += time.Duration((s.rng.Float64()*2 - 1) * float64(j))
	}
	return max(d, 0) + s.faults.Slow()
}

// Sleep waits d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
