// Package outbox is the service layer's outbox relay: it delivers what a
// request leaves to be done after its answer (the event for the background
// worker, the cache invalidation a write could not finish) and retries each
// until it is done, so that a sick queue or cache neither loses work nor
// makes a user wait.
//
// A write's work is durable: the service commits it in the outbox table in
// the same SQLite transaction as the UPDATE (package database), then hands
// the rows to the relay, which publishes the events and deletes the rows (the
// transactional outbox, as Debezium's outbox router or Watermill's forwarder
// do it). The relay keeps a copy of the rows in memory, up to MemRows; past
// that it reads them back from the table, so a long outage costs disk, not
// memory, and loses nothing. A read writes nothing to the database, so its
// event is published at once with a short timeout (PublishTimeout, 2 ms); when
// the queue is down, slow or failing, the event goes into a bounded spool in
// memory (SpoolSize, 10,000) that the relay publishes when the queue answers
// again. While the spool holds anything or the queue is known sick, new read
// events go straight to the spool: the user never waits on the queue. Only a
// full spool drops an event, and it is counted (Shed).
//
// Delivery is at least once: a publish whose answer was lost is published
// again. The broker recognises an event id it has seen (package queue) and
// the worker applies each id once (package worker).
//
// The books: every event handed to the relay (Created) is, at any still
// moment, either published (and then the queue's to account for), waiting
// (Pending: in the outbox or the spool) or Shed.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/queue"
	"github.com/archex/archex/components/trace"
)

// Defaults of the relay.
const (
	DefaultPublishTimeout = 2 * time.Millisecond
	DefaultSpoolSize      = 10_000
	DefaultMemRows        = 10_000
	DefaultBatch          = 256
	DefaultCallTimeout    = time.Second
)

// Pacing of the relay's loops.
const (
	retryMin    = 10 * time.Millisecond  // first wait after a failed call
	retryMax    = 250 * time.Millisecond // longest: how late a revive is noticed
	deleteEvery = 250 * time.Millisecond // done rows are deleted in batches
	deleteBatch = 128                    // ... or as soon as this many are done
	restartWait = 100 * time.Millisecond // before a loop that panicked restarts
)

// Instance is the name the relay's hops carry.
const Instance = "outbox relay"

// Queue is where events go: *queue.Queue.
type Queue interface {
	Name() string
	Publish(ctx context.Context, ev event.Event) (streamID string, took time.Duration, err error)
	PublishBatch(ctx context.Context, evs []event.Event) (queue.Published, error)
}

// Store is the database that holds the outbox: *database.Database.
type Store interface {
	LastOutboxSeq(ctx context.Context) (int64, error)
	LoadOutbox(ctx context.Context, from int64, limit int) ([]database.OutboxRow, database.Query, error)
	DeleteOutbox(ctx context.Context, seqs []int64) (database.Query, error)
}

// Cache is a cache whose keys a write invalidates: *cache.Cache.
type Cache interface {
	Name() string
	Del(ctx context.Context, key string) (time.Duration, error)
}

// Config configures a Relay. Zero fields take the defaults.
type Config struct {
	Service string // the service layer's name on the card: the hops' sender
	Queue   Queue  // nil: the card has no queue
	Store   Store  // nil: no database; a write's events then go to the spool
	Caches  []Cache

	PublishTimeout time.Duration // bound on a read's publish
	SpoolSize      int           // read events kept while the queue is sick
	MemRows        int           // outbox rows kept in memory
	Batch          int           // events per publish when catching up
	CallTimeout    time.Duration // bound on each of the relay's own calls

	Recorder trace.Recorder // receives the relay's hops; nil drops them
	// OnPanic is told of a panic recovered in one of the relay's loops. It
	// must not block.
	OnPanic func(component string, v any)
}

// Stats are the relay's live figures.
type Stats struct {
	// Created counts the events handed to the relay: every read's, and
	// every write's once its transaction committed. Carried (included)
	// are events an earlier run left in the outbox.
	Created, Carried int64
	Spool            int   // read events waiting in the spool
	Outbox           int   // write events committed, not yet published
	Shed             int64 // read events dropped because the spool was full
	Spooled          int64 // read events that went to the spool instead of the queue
	Relayed          int64 // events the relay published, from the spool or the outbox
	Sick             bool  // the queue failed and has not answered since
	// Stale counts cache keys whose invalidation is pending: reads do not
	// trust the cache for them.
	Stale int
	// Invalidations counts the write rows waiting for their retried DEL.
	Invalidations int
	Undeleted     int // outbox rows done, not yet deleted from the table
}

// Pending is the events waiting to be published.
func (s Stats) Pending() int { return s.Spool + s.Outbox }

// Relay is the outbox relay.
type Relay struct {
	cfg Config

	mu      sync.Mutex
	spool   spool
	rows    []database.OutboxRow // event rows held, oldest handed first
	known   map[int64]bool       // seqs held in any form, until deleted
	done    []int64              // seqs to delete
	dropped int64                // smallest seq of an event row not held (0: none)
	carried int64                // seqs up to this were left by an earlier run
	stale   map[string]*staleKey
	gen     uint64 // of the stale keys
	sick    bool
	outbox  int // event rows committed, not yet published

	// The counters of Stats, guarded by mu.
	created, carriedN, shed, spooled, relayed int64

	staleN atomic.Int64 // len(stale), read without mu on every read

	wakePub, wakeInv chan struct{}
	cancel           context.CancelFunc
	running          sync.WaitGroup
	closeOnce        sync.Once
}

// New returns a relay, not started. It asks the store how far the outbox
// has got, so that rows an earlier run left are delivered too.
func New(ctx context.Context, cfg Config) (*Relay, error) {
	if cfg.PublishTimeout <= 0 {
		cfg.PublishTimeout = DefaultPublishTimeout
	}
	if cfg.SpoolSize <= 0 {
		cfg.SpoolSize = DefaultSpoolSize
	}
	if cfg.MemRows <= 0 {
		cfg.MemRows = DefaultMemRows
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.Recorder == nil {
		cfg.Recorder = trace.Discard
	}
	r := &Relay{cfg: cfg, spool: spool{max: cfg.SpoolSize}, known: map[int64]bool{}, stale: map[string]*staleKey{},
		wakePub: make(chan struct{}, 1), wakeInv: make(chan struct{}, 1)}
	if cfg.Store != nil {
		last, err := cfg.Store.LastOutboxSeq(ctx)
		if err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
		if last > 0 {
			r.carried, r.dropped = last, 1 // read them all back
		}
	}
	return r, nil
}

// Queue is the name of the queue events go to ("" when the card has none).
func (r *Relay) Queue() string {
	if r.cfg.Queue == nil {
		return ""
	}
	return r.cfg.Queue.Name()
}

// Start runs the relay's two loops: one publishes events and deletes done
// rows, the other retries invalidations.
func (r *Relay) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.running.Add(2)
	go r.supervise(ctx, "publisher", r.publishLoop)
	go r.supervise(ctx, "invalidator", r.invalidateLoop)
}

// Close stops the loops and waits for them. What is still to do stays in
// the outbox table; the spool is lost with the process.
func (r *Relay) Close() {
	r.closeOnce.Do(func() {
		if r.cancel != nil {
			r.cancel()
		}
		r.running.Wait()
	})
}

// Stats returns the live figures.
func (r *Relay) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Stats{Created: r.created, Carried: r.carriedN, Spool: r.spool.len(), Outbox: r.outbox, Shed: r.shed,
		Spooled: r.spooled, Relayed: r.relayed, Sick: r.sick, Stale: len(r.stale), Undeleted: len(r.done)}
	for _, st := range r.stale {
		s.Invalidations += len(st.rows)
	}
	return s
}

func (r *Relay) supervise(ctx context.Context, name string, loop func(context.Context)) {
	defer r.running.Done()
	for ctx.Err() == nil {
		if !r.guard(ctx, name, loop) {
			return
		}
		if sleep(ctx, restartWait) != nil {
			return
		}
	}
}

// guard runs loop, turning a panic into a report; it reports whether loop
// panicked.
func (r *Relay) guard(ctx context.Context, name string, loop func(context.Context)) (panicked bool) {
	defer func() {
		if v := recover(); v != nil {
			panicked = true
			if r.cfg.OnPanic != nil {
				r.cfg.OnPanic(r.cfg.Service+" "+Instance, fmt.Sprintf("%s: %v", name, v))
			}
		}
	}()
	loop(ctx)
	return false
}

func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// wait waits for a poke, d, or the end of ctx; it returns ctx's error.
func wait(ctx context.Context, ch chan struct{}, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
	}
	return ctx.Err()
}

func sleep(ctx context.Context, d time.Duration) error { return wait(ctx, nil, d) }

func nextRetry(d time.Duration) time.Duration { return min(max(2*d, retryMin), retryMax) }

// since formats how long ago t was, for a hop.
func since(t time.Time) string {
	d := time.Since(t)
	if d >= time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// errNoQueue is returned when a card without a queue is asked to publish.
var errNoQueue = errors.New("the card has no queue")
