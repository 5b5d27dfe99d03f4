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
// idle worker costs little and a busy one never waits on a wake-up. Every
// consumer runs under a supervisor that recovers a panic, reports it and
// starts the consumer again under a new name.
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
	"github.com/archex/archex/components/trace"
)

// Defaults for the worker.
const (
	DefaultName         = "Background Worker"
	DefaultConsumers    = 2
	DefaultBatch        = 16
	DefaultClaimIdle    = time.Second
	DefaultApplyTimeout = 2 * time.Second
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
)

// Queue is where the worker's messages come from: *queue.Queue.
type Queue interface {
	Read(ctx context.Context, consumer string, count int) ([]queue.Delivery, error)
	Claim(ctx context.Context, consumer string, minIdle time.Duration, count int) ([]queue.Delivery, error)
	Ack(ctx context.Context, ids ...string) (done int, err error)
	DeadLetter(ctx context.Context, d queue.Delivery, reason string) (moved bool, err error)
	MaxTries() int
}

// Store is where events are applied: *database.Database. ApplyEvents must
// be idempotent by event id and return one result per event.
type Store interface {
	ApplyEvents(ctx context.Context, events []event.Event) ([]event.Result, database.Query, error)
}

// Config configures a Worker. Zero fields take the defaults.
type Config struct {
	Name         string // as on the card
	QueueName    string // the queue's name on the card, for hops
	DatabaseName string // the database's name on the card, for hops

	Queue Queue // required
	Store Store // required

	Consumers int // consumers in the group (default 2)
	Batch     int // messages read at once (default 16)
	// ClaimIdle is how long a message stays pending with one consumer
	// before another may claim it (default 1 s). Longer than any batch
	// takes, or a slow batch is handed to a second consumer.
	ClaimIdle    time.Duration
	ApplyTimeout time.Duration // bound on one ApplyEvents call (default 2 s)
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
}

// Worker is the Background Worker component.
type Worker struct {
	cfg      Config
	station  *model.Station
	faults   model.Faults
	maxTries int

	mu      sync.Mutex // serialises Start and Stop
	cancel  context.CancelFunc
	running sync.WaitGroup
	up      atomic.Bool // read without mu: Stats must not wait for a Stop

	names     atomic.Int64 // consumer names: worker-1, worker-2, ...
	crashNext atomic.Bool

	live, busy atomic.Int64
	processed, duplicated, deadLettered, rejected,
	failed, redelivered, batches, panics atomic.Int64
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
	if cfg.DatabaseName == "" {
		cfg.DatabaseName = "Database"
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
	if cfg.Recorder == nil {
		cfg.Recorder = trace.Discard
	}
	w := &Worker{cfg: cfg, maxTries: cfg.Queue.MaxTries()}
	w.station = model.NewStation(cfg.Consumers, cfg.Latency, &w.faults, model.NewRand(cfg.Seed, cfg.Name))
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
	w.cancel = cancel
	w.up.Store(true)
	for range w.cfg.Consumers {
		w.running.Add(1)
		go w.supervise(ctx)
	}
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

// supervise runs one consumer slot until ctx ends, restarting the consumer
// under a new name after a panic.
func (w *Worker) supervise(ctx context.Context) {
	defer w.running.Done()
	for {
		name := "worker-" + strconv.FormatInt(w.names.Add(1), 10)
		v, panicked := w.run(ctx, name)
		if !panicked {
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

// consume is one consumer's loop: claim what others left idle, read new
// messages, apply them.
func (w *Worker) consume(ctx context.Context, name string) {
	// Claiming costs a round trip; a message only becomes claimable after
	// ClaimIdle, so looking a few times per ClaimIdle is enough.
	claimEvery := min(max(w.cfg.ClaimIdle/4, 10*time.Millisecond), 250*time.Millisecond)
	var lastClaim time.Time
	idle, backoff := pollMin, time.Duration(0)
	for ctx.Err() == nil {
		var ds []queue.Delivery
		var err error
		if time.Since(lastClaim) >= claimEvery {
			lastClaim = time.Now()
			ds, err = w.cfg.Queue.Claim(ctx, name, w.cfg.ClaimIdle, w.cfg.Batch)
			w.redelivered.Add(int64(len(ds)))
		}
		if err == nil && len(ds) < w.cfg.Batch {
			var fresh []queue.Delivery
			fresh, err = w.cfg.Queue.Read(ctx, name, w.cfg.Batch-len(ds))
			ds = append(ds, fresh...)
		}
		switch {
		case err != nil:
			// The queue is down or sick. Whatever was handed over stays
			// pending and is claimed again later.
			backoff = nextBackoff(backoff)
			_ = model.Sleep(ctx, backoff)
		case len(ds) == 0:
			_ = model.Sleep(ctx, idle)
			idle = min(idle*2, pollMax)
		default:
			idle = pollMin
			if w.process(ctx, name, ds) {
				backoff = 0
			} else {
				backoff = nextBackoff(backoff)
				_ = model.Sleep(ctx, backoff)
			}
		}
	}
}

func nextBackoff(d time.Duration) time.Duration {
	return min(max(2*d, backoffMin), backoffMax)
}

// process handles one batch of deliveries; ok is false when the batch
// failed as a whole.
func (w *Worker) process(ctx context.Context, name string, ds []queue.Delivery) (ok bool) {
	received := time.Now()
	for _, d := range ds {
		w.recordDelivery(name, d, received)
	}
	// Keep the ack past a stop: a committed batch should not wait a
	// redelivery just because the worker is being stopped.
	ackCtx, cancelAck := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
	defer cancelAck()

	// A message that is not an event can never be applied.
	var good []queue.Delivery
	for _, d := range ds {
		if d.Err != nil {
			w.deadLetter(ackCtx, d, d.Err.Error())
			continue
		}
		good = append(good, d)
	}
	if len(good) == 0 {
		return true
	}
	evs := make([]event.Event, len(good))
	for i, d := range good {
		evs[i] = d.Event
	}

	w.busy.Add(1)
	defer w.busy.Add(-1)
	var (
		results []event.Result
		began   time.Time
		took    time.Duration
	)
	err := w.station.Serve(ctx, func() error {
		actx, cancel := context.WithTimeout(ctx, w.cfg.ApplyTimeout)
		defer cancel()
		began = time.Now()
		var err error
		results, _, err = w.cfg.Store.ApplyEvents(actx, evs)
		took = time.Since(began)
		if err == nil && len(results) != len(evs) {
			err = fmt.Errorf("%s returned %d results for %d events", w.cfg.DatabaseName, len(results), len(evs))
		}
		return err
	})
	w.batches.Add(1)
	if err != nil {
		if began.IsZero() {
			began = time.Now() // failed before the database was called
		}
		detail := fmt.Sprintf("failed: %v (batch of %d left pending)", err, len(good))
		if ctx.Err() != nil {
			detail = fmt.Sprintf("stopped: batch of %d left pending", len(good))
		} else {
			w.failed.Add(int64(len(good)))
		}
		for _, d := range good {
			w.recordApply(name, d, began, took, trace.Error, detail)
		}
		return false
	}

	if w.crashNext.CompareAndSwap(true, false) {
		panic(crash{consumer: name, events: len(good)})
	}

	var done []string
	for i, r := range results {
		if r != event.Rejected {
			done = append(done, good[i].StreamID)
		}
	}
	acked, ackErr := w.cfg.Queue.Ack(ackCtx, done...)
	w.processed.Add(int64(acked))

	applied := fmt.Sprintf("INSERT applied_events + UPDATE product_stats (batch of %d, %s)", len(good), ms(took))
	for i, r := range results {
		d := good[i]
		switch r {
		case event.Applied:
			w.recordApply(name, d, began, took, trace.OK, applied)
		case event.Duplicate:
			w.duplicated.Add(1)
			w.recordApply(name, d, began, took, trace.OK, "already applied: nothing changed (redelivery)")
		case event.Rejected:
			w.rejected.Add(1)
			why := rejection(d.Event)
			detail := fmt.Sprintf("rejected: %s (try %d of %d)", why, d.Tries, w.maxTries)
			if d.Tries >= w.maxTries {
				reason := fmt.Sprintf("rejected by %s after %d tries: %s", w.cfg.DatabaseName, d.Tries, why)
				if w.deadLetter(ackCtx, d, reason) {
					detail += ": dead-lettered"
				}
			}
			w.recordApply(name, d, began, took, trace.Error, detail)
		}
	}
	// Committed but not acknowledged (the queue went down): the messages
	// come back and are found applied. Back off from the sick queue.
	return ackErr == nil
}

// deadLetter moves d to the dead-letter stream, counting it if this call
// moved it.
func (w *Worker) deadLetter(ctx context.Context, d queue.Delivery, reason string) bool {
	moved, err := w.cfg.Queue.DeadLetter(ctx, d, reason)
	if err != nil || !moved {
		return false // still pending: it comes round again
	}
	w.deadLettered.Add(1)
	return true
}

// rejection says why the database rejects ev. ApplyEvents does not say;
// these are the only two reasons it has.
func rejection(ev event.Event) string {
	switch ev.Type {
	case event.ProductViewed, event.ProductUpdated:
		return fmt.Sprintf("product %d does not exist", ev.Product)
	}
	return fmt.Sprintf("unknown event type %q", ev.Type)
}

func (w *Worker) recordDelivery(name string, d queue.Delivery, received time.Time) {
	if d.Event.Trace == "" {
		return
	}
	waited := received.Sub(d.Event.Published)
	detail := fmt.Sprintf("deliver %s %s (waited %s)", d.Event.Type, d.StreamID, ms(waited))
	if d.Tries > 1 {
		detail = fmt.Sprintf("redeliver %s %s (try %d, waited %s)", d.Event.Type, d.StreamID, d.Tries, ms(waited))
	}
	w.cfg.Recorder.Record(trace.Hop{
		Trace:    d.Event.Trace,
		From:     w.cfg.QueueName,
		To:       w.cfg.Name,
		Instance: name,
		Start:    d.Event.Published,
		Duration: waited,
		Outcome:  trace.OK,
		Detail:   detail,
		Async:    true,
	})
}

func (w *Worker) recordApply(name string, d queue.Delivery, began time.Time, took time.Duration, outcome trace.Outcome, detail string) {
	if d.Event.Trace == "" {
		return
	}
	w.cfg.Recorder.Record(trace.Hop{
		Trace:    d.Event.Trace,
		From:     w.cfg.Name,
		To:       w.cfg.DatabaseName,
		Instance: name,
		Start:    began,
		Duration: took,
		Outcome:  outcome,
		Detail:   detail,
		Async:    true,
	})
}

// ms formats a duration for a hop's detail.
func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return fmt.Sprintf("%.0f s", d.Seconds())
	}
	if d >= time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
