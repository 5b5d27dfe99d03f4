package service

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/trace"
)

// Load shedding. When more statements arrive than the database's pool can
// run, they wait for a connection; past the pool's capacity that line only
// grows, and database/sql hands a freed connection to a random waiter, so
// while the average wait creeps up to the deadline, some requests wait far
// longer than others and fail at it, having waited half a second each.
//
// With shedding on, the service keeps its own line for the database, first
// come first served, and lets only as many statements at once into the
// database as it has connections (a concurrency limit, as Netflix's
// concurrency-limits and Envoy's adaptive concurrency filter keep). A request
// that needs a new statement is refused at once (503, Retry-After: 1) when
// its wait, behind the line in front of it, would be longer than the target:
//
//	(waiting + 1) × statement time / connections > target
//
// The statement time is measured (from taking a place at the database to
// giving it back), so a slowed database sheds sooner. The line stays about
// the target long: the connections never go idle (the throughput is the
// pool's) and the requests let in are answered in time. Requests that join a
// query already in flight (singleflight) need no statement and are never
// shed. A queue-delay target is CoDel's idea; a short, ordered line is what
// keeps the delay of everyone let in near it.

// DefaultShedTarget is the longest line a request is let into: a tenth of
// the service's deadline. At the default database (3 connections, 8 ms a
// statement) a request is let in behind at most 17 others.
const DefaultShedTarget = 50 * time.Millisecond

// Pooled is a database with a connection pool: shedding sizes its line by
// the pool and starts from the modeled statement time. *database.Database
// is one.
type Pooled interface {
	Name() string
	Stats() database.Stats
	Latency() model.Latency
}

// shedder is the service's line for the database while shedding is on.
type shedder struct {
	on     atomic.Bool
	db     string
	store  Pooled
	target time.Duration
	// slots are the places at the database, one per connection; replaced
	// by a line of the new size when the pool is resized (see places).
	slots   atomic.Pointer[chan struct{}]
	waiting atomic.Int64 // requests in line for a place
	// held is how long a statement keeps its place, an exponentially
	// weighted average of those measured, in nanoseconds.
	held atomic.Int64
	shed atomic.Int64
}

// newShedder returns the line for store, or nil when store reports no pool
// (nothing to shed for).
func newShedder(store Store, target time.Duration) *shedder {
	b, ok := store.(Pooled)
	if !ok || b.Stats().Pool <= 0 {
		return nil
	}
	sh := &shedder{db: b.Name(), store: b, target: target}
	slots := make(chan struct{}, b.Stats().Pool)
	sh.slots.Store(&slots)
	sh.held.Store(int64(max(b.Latency().Base, time.Millisecond)))
	return sh
}

// shedError is a request refused because the line for the database is too
// long.
type shedError struct {
	waiting, pool int
	wait, target  time.Duration
	db            string
}

func (e shedError) Error() string { return "shed: " + e.why() + "; try again in 1 s" }

// why is the line that was too long, in words.
func (e shedError) why() string {
	return fmt.Sprintf("%d statements wait for the %s's %d connections (about %v, over the %v target)",
		e.waiting, e.db, e.pool, e.wait.Round(time.Millisecond), e.target)
}

// isShed reports whether err is a request refused by load shedding.
func isShed(err error) bool { return errors.As(err, new(shedError)) }

// enter takes a place at the database for one statement, waiting in line
// for it, or refuses (shedding on and the line too long). done gives the
// place back; it is a no-op when shedding is off.
func (sh *shedder) enter(ctx context.Context) (done func(), err error) {
	if sh == nil || !sh.on.Load() {
		return func() {}, nil
	}
	slots := sh.places()
	select {
	case slots <- struct{}{}: // a place free: no line
		return sh.leave(slots, time.Now()), nil
	default:
	}
	pool := cap(slots)
	waiting := int(sh.waiting.Load())
	if wait := time.Duration(int64(waiting+1) * sh.held.Load() / int64(pool)); wait > sh.target {
		sh.shed.Add(1)
		return nil, shedError{waiting: waiting, pool: pool, wait: wait, target: sh.target, db: sh.db}
	}
	sh.waiting.Add(1)
	defer sh.waiting.Add(-1)
	select {
	case slots <- struct{}{}:
		return sh.leave(slots, time.Now()), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// places is the line for the database's pool as it is now. When the pool
// has been resized, a line of the new size replaces the old one: statements
// holding a place in the old line give it back there, so for a moment the
// two together may let in more than the new pool (the database's own pool
// still holds them to its size).
func (sh *shedder) places() chan struct{} {
	cur := sh.slots.Load()
	slots := *cur
	if pool := sh.store.Stats().Pool; pool > 0 && pool != cap(slots) {
		fresh := make(chan struct{}, pool)
		if sh.slots.CompareAndSwap(cur, &fresh) {
			return fresh
		}
		return *sh.slots.Load()
	}
	return slots
}

// leave returns the function that gives a place in slots back and measures
// how long it was held.
func (sh *shedder) leave(slots chan struct{}, since time.Time) func() {
	return func() {
		held := int64(time.Since(since))
		// A weight of 1/8: about the last dozen statements.
		old := sh.held.Load()
		sh.held.Store(old + (held-old)/8)
		<-slots
	}
}

// enterLine takes a place at the database for a statement of op (see
// shedder.enter). A refusal is recorded on the trace as a call to the
// database not made.
func (s *Service) enterLine(ctx context.Context, q *request, op string) (done func(), err error) {
	start := time.Now()
	done, err = s.shedder.enter(ctx)
	if err != nil {
		q.record(s.shedHop(q, op, start, err))
	}
	return done, err
}

// shedHop is the call of op to the database that load shedding did not make
// (err a shedError), or that ran out of time in its line.
func (s *Service) shedHop(q *request, op string, start time.Time, err error) trace.Hop {
	h := q.call(s.cfg.Store.Name(), op, start, trace.Error) // out of time in line
	h.Table, h.Err, h.Detail = s.cfg.Resource.Table(), err.Error(), op+": "+err.Error()
	var se shedError
	if errors.As(err, &se) {
		h.Outcome, h.Why, h.Waiting, h.Err = trace.Shed, trace.LineTooLong, se.waiting, se.why()
	}
	return h
}

// SetShedding switches load shedding on or off.
func (s *Service) SetShedding(on bool) {
	if s.shedder != nil {
		s.shedder.on.Store(on)
	}
}

// sheddingOn reports whether load shedding is on.
func (s *Service) sheddingOn() bool { return s.shedder != nil && s.shedder.on.Load() }

// shedCount is how many requests shedding has refused.
func (s *Service) shedCount() int64 {
	if s.shedder == nil {
		return 0
	}
	return s.shedder.shed.Load()
}
