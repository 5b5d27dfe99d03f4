// Package worker is the Background Worker component: M consumers in the
// queue's consumer group, each applying batches of events to the database.
//
// Delivery is at least once and applying is idempotent, which together make
// every event count exactly once. A consumer acknowledges a message only
// after the database has committed it, so a consumer that dies between the
// two leaves the message pending; another consumer claims it once it has been
// idle long enough, the database reports it already applied, and it is
// acknowledged without changing anything. A failure of the whole batch (the
// database down or timing out, injected chaos) says nothing about the events
// themselves: nothing is acknowledged and nothing is dead-lettered; the
// consumer backs off and the messages come round again. Only an event the
// database rejects (a poison event) is dead-lettered, after MaxTries
// deliveries.
//
// Consumers poll instead of blocking in XREADGROUP: the poll interval starts
// at a couple of milliseconds and backs off while the stream is empty, so an
// idle worker costs little and a busy one never waits on a wake-up. While
// the store says it is saturated (Saturable), a consumer that read less than
// a full batch waits a moment for more (gather), so that the statements it
// takes from a busy database each carry a full batch. Every
// consumer runs under a supervisor that recovers a panic, reports it and
// starts the consumer again under a new name.
//
// The idempotency record (the database's applied_events) is pruned while
// the worker runs, or a long run would grow it forever. An id may go once no
// delivery can bring its event back; the ways one can come back are:
//
//   - a message left pending after its batch committed (the consumer
//     crashed or was stopped before its ack, or the ack was lost when the
//     queue went down), claimed again after ClaimIdle or whenever the queue
//     and the worker are back, however long that takes: so nothing applied
//     at or after the oldest message still in the stream is pruned;
//   - a publish retried because its answer was lost (a timeout, a kill
//     mid-call): the broker drops an id it has seen within its dedupe window
//     (2 minutes), so ids are kept for KeepApplied (twice that) as well.
package worker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/queue"
	"github.com/archex/archex/components/resource"
	"github.com/archex/archex/components/trace"
)

// Defaults for the worker.
const (
	DefaultName         = "Background Worker"
	DefaultConsumers    = 2
	DefaultBatch        = 16
	DefaultClaimIdle    = time.Second
	DefaultApplyTimeout = 2 * time.Second
	// DefaultKeepApplied is twice the queue's dedupe window.
	DefaultKeepApplied = 2 * queue.DefaultDedupeWindow
	DefaultPruneEvery  = time.Second
)

// DefaultLatency is the modeled cost of handling one batch in the worker
// itself (decoding, business logic), before the database is called.
var DefaultLatency = model.Latency{Base: time.Millisecond, Jitter: 300 * time.Microsecond}

// Pacing of a consumer.
const (
	pollMin      = 2 * time.Millisecond   // first wait on an empty stream
	pollMax      = 50 * time.Millisecond  // longest wait on an empty stream
	backoffMin   = 100 * time.Millisecond // first wait after a failed batch
	backoffMax   = time.Second            // longest wait after failures
	restartDelay = 100 * time.Millisecond // before a crashed consumer restarts
	ackTimeout   = time.Second
	pruneBatch   = 5000 // ids forgotten per statement
	pruneRounds  = 10   // statements per prune at most
	// gatherFor is how long a consumer waits for a batch that is not full
	// to fill while the store is saturated (see gather).
	gatherFor = 20 * time.Millisecond
)

// Queue is where the worker's messages come from: *queue.Queue.
type Queue interface {
	Read(ctx context.Context, consumer string, count int) ([]queue.Delivery, error)
	Claim(ctx context.Context, consumer string, minIdle time.Duration, count int) ([]queue.Delivery, error)
	Ack(ctx context.Context, ids ...string) (done int, err error)
	DeadLetter(ctx context.Context, d queue.Delivery, reason string) (moved bool, err error)
	MaxTries() int
	// Oldest is when the oldest message not yet done was added.
	Oldest(ctx context.Context) (at time.Time, ok bool, err error)
}

// Store is where events are applied: *database.Database. ApplyEvents must
// be idempotent by event id and return one result per event.
type Store interface {
	ApplyEvents(ctx context.Context, events []event.Event) ([]event.Result, database.Query, error)
	// PruneApplied forgets up to limit ids applied before before.
	PruneApplied(ctx context.Context, before time.Time, limit int) (int, database.Query, error)
}

// Saturable is a store that can say when every connection it has is busy
// (*database.Database is one): the worker then gathers fuller batches.
type Saturable interface{ Saturated() bool }

// Config configures a Worker. Zero fields take the defaults.
type Config struct {
	Name      string // as on the card
	QueueName string // the queue's name on the card, for hops
	// StoreName is, on the card, the component the worker writes the
	// events to (a database, a search index, object storage ...), for the
	// apply hops; "" when the card's branch ends at the worker, which then
	// records no apply hop. StoreReply records the store's answer back to
	// the worker as a hop of its own, when the card draws it.
	StoreName  string
	StoreReply bool
	// Resource names what the events are about, for the reasons of a
	// rejection (the zero value: products).
	Resource resource.Resource

	Queue Queue // required
	Store Store // required

	Consumers int // consumers in the group (default 2)
	Batch     int // messages read at once (default 16)
	// ClaimIdle is how long a message stays pending with one consumer
	// before another may claim it (default 1 s). Longer than any batch
	// takes, or a slow batch is handed to a second consumer.
	ClaimIdle    time.Duration
	ApplyTimeout time.Duration // bound on one ApplyEvents call (default 2 s)
	// KeepApplied is how long an applied event id is kept at least (default
	// twice the queue's dedupe window); PruneEvery how often older ids are
	// forgotten (default 1 s). See the package doc.
	KeepApplied, PruneEvery time.Duration
	// Latency is the modeled cost of one batch. As for every component,
	// the zero value means none: the engine passes DefaultLatency.
	Latency model.Latency
	Seed    uint64

	Recorder trace.Recorder // receives the async hops; nil drops them
	// OnPanic is told of every panic recovered in a consumer, with the
	// worker's name and the value. It must not block.
	OnPanic func(component string, v any)
}

// Stats are the worker's live figures. The counters only grow; rates are
// the engine's business.
type Stats struct {
	Down      bool
	Consumers int // consumers running now
	Busy      int // consumers applying a batch now
	// Processed counts events done: applied (or found applied, after a
	// crash) and acknowledged. Each event is counted once, by whichever
	// consumer acknowledged it.
	Processed int64
	// Duplicated counts deliveries the database had already applied:
	// redeliveries after a crash or a stall, which changed nothing.
	Duplicated   int64
	DeadLettered int64 // poison events moved to the dead-letter stream
	Rejected     int64 // rejections by the database, dead-lettered or not
	Failed       int64 // events in batches that failed as a whole
	Redelivered  int64 // deliveries of messages claimed after being left pending
	Batches      int64 // ApplyEvents calls
	Panics       int64 // consumer crashes recovered
	Pruned       int64 // applied event ids forgotten
}

// Worker is the Background Worker component.
type Worker struct {
	cfg      Config
	station  *model.Station
	faults   model.Faults
	maxTries int

	mu      sync.Mutex // serialises Start, Stop and SetConsumers
	cancel  context.CancelFunc
	ctx     context.Context // the running consumers'; nil when stopped
	running sync.WaitGroup
	up      atomic.Bool // read without mu: Stats must not wait for a Stop
	// consumers is how many consumers run while the worker is up; slots
	// are the running ones, oldest first (scale.go).
	consumers atomic.Int64
	slots     []*slot

	names     atomic.Int64 // consumer names: worker-1, worker-2, ...
	crashNext atomic.Bool

	live, busy atomic.Int64
	processed, duplicated, deadLettered, rejected,
	failed, redelivered, batches, panics, pruned atomic.Int64
}

// New returns a worker, not started.
func New(cfg Config) (*Worker, error) {
	if cfg.Queue == nil || cfg.Store == nil {
		return nil, errors.New("worker: a queue and a store are required")
	}
	if cfg.Name == "" {
		cfg.Name = DefaultName
	}
	if cfg.QueueName == "" {
		cfg.QueueName = queue.DefaultName
	}
	if cfg.Consumers <= 0 {
		cfg.Consumers = DefaultConsumers
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.ClaimIdle <= 0 {
		cfg.ClaimIdle = DefaultClaimIdle
	}
	if cfg.ApplyTimeout <= 0 {
		cfg.ApplyTimeout = DefaultApplyTimeout
	}
	if cfg.KeepApplied <= 0 {
		cfg.KeepApplied = DefaultKeepApplied
	}
	if cfg.PruneEvery <= 0 {
		cfg.PruneEvery = DefaultPruneEvery
	}
	if cfg.Recorder == nil {
		cfg.Recorder = trace.Discard
	}
	w := &Worker{cfg: cfg, maxTries: cfg.Queue.MaxTries()}
	w.consumers.Store(int64(cfg.Consumers))
	// No capacity limit of its own: each consumer applies one batch at a
	// time, so the consumers are the limit (and SetConsumers changes it).
	w.station = model.NewStation(0, cfg.Latency, &w.faults, model.NewRand(cfg.Seed, cfg.Name))
	return w, nil
}

// Name is the component's name on the card.
func (w *Worker) Name() string { return w.cfg.Name }

// Latency is the modeled cost of one batch.
func (w *Worker) Latency() model.Latency { return w.cfg.Latency }

// Faults are the chaos applied to every batch.
func (w *Worker) Faults() *model.Faults { return &w.faults }

// Down reports whether the consumers are stopped.
func (w *Worker) Down() bool { return !w.up.Load() }

// Start starts the consumers. Starting a running worker does nothing.
func (w *Worker) Start() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.up.Load() {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.ctx, w.cancel = ctx, cancel
	w.up.Store(true)
	for range w.consumers.Load() {
		w.startSlot()
	}
	w.running.Add(1)
	go w.prune(ctx)
}

// Stop stops every consumer and waits for them. A batch being applied is
// cancelled (the database rolls it back) and stays pending in the queue;
// a batch already committed is still acknowledged.
func (w *Worker) Stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.up.Load() {
		return
	}
	w.cancel()
	w.running.Wait()
	w.ctx, w.slots = nil, nil
	w.up.Store(false)
}

// Kill stops consuming: messages pile up in the queue until Revive.
func (w *Worker) Kill() { w.Stop() }

// Revive starts consuming again, under new consumer names; what the old
// consumers left pending is claimed once it has been idle for ClaimIdle.
func (w *Worker) Revive() { w.Start() }

// CrashNext makes the next consumer that applies a batch crash after the
// database has committed it and before acknowledging it: the batch is
// redelivered and found already applied.
func (w *Worker) CrashNext() { w.crashNext.Store(true) }

// Stats returns the live figures.
func (w *Worker) Stats() Stats {
	return Stats{
		Down:         w.Down(),
		Consumers:    int(w.live.Load()),
		Busy:         int(w.busy.Load()),
		Processed:    w.processed.Load(),
		Duplicated:   w.duplicated.Load(),
		DeadLettered: w.deadLettered.Load(),
		Rejected:     w.rejected.Load(),
		Failed:       w.failed.Load(),
		Redelivered:  w.redelivered.Load(),
		Batches:      w.batches.Load(),
		Panics:       w.panics.Load(),
		Pruned:       w.pruned.Load(),
	}
}

// crash is the panic value of an injected crash.
type crash struct {
	consumer string
	events   int
}

func (c crash) String() string {
	return fmt.Sprintf("%s crashed (injected) after committing %d events, before acknowledging them", c.consumer, c.events)
}

// supervise runs one consumer slot until ctx ends or the slot is retired,
// restarting the consumer under a new name after a panic.
func (w *Worker) supervise(ctx context.Context) {
	defer w.running.Done()
	for {
		name := "worker-" + strconv.FormatInt(w.names.Add(1), 10)
		v, panicked := w.run(ctx, name)
		if !panicked || retired(ctx) {
			return
		}
		w.panics.Add(1)
		w.report(v)
		if model.Sleep(ctx, restartDelay) != nil {
			return
		}
	}
}

// run runs one consumer, turning a panic into a value.
func (w *Worker) run(ctx context.Context, name string) (v any, panicked bool) {
	w.live.Add(1)
	defer w.live.Add(-1)
	defer func() {
		if r := recover(); r != nil {
			v, panicked = r, true
		}
	}()
	w.consume(ctx, name)
	return nil, false
}

func (w *Worker) report(v any) {
	if w.cfg.OnPanic == nil {
		return
	}
	defer func() { _ = recover() }() // a broken reporter must not kill the slot
	w.cfg.OnPanic(w.cfg.Name, v)
}
