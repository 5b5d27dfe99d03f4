// The consumer loop: what one consumer does with each batch, and the hops
// it records.

package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/queue"
	"github.com/archex/archex/components/trace"
)

// consume is one consumer's loop: claim what others left idle, read new
// messages, apply them.
func (w *Worker) consume(ctx context.Context, name string) {
	// Claiming costs a round trip; a message only becomes claimable after
	// ClaimIdle, so looking a few times per ClaimIdle is enough.
	claimEvery := min(max(w.cfg.ClaimIdle/4, 10*time.Millisecond), 250*time.Millisecond)
	var lastClaim time.Time
	idle, backoff := pollMin, time.Duration(0)
	for ctx.Err() == nil && !retired(ctx) {
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
		if err == nil && len(ds) > 0 && len(ds) < w.cfg.Batch && w.saturated() {
			ds = w.gather(ctx, name, ds)
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

// gather waits up to gatherFor for more messages to join a batch that is not
// full, as a database's group commit does: while every connection of the
// store is busy, one statement for a full batch leaves more of them to the
// requests than one for each handful. Messages already read stay pending
// with this consumer meanwhile (gatherFor is far below ClaimIdle).
func (w *Worker) gather(ctx context.Context, name string, ds []queue.Delivery) []queue.Delivery {
	if model.Sleep(ctx, gatherFor) != nil {
		return ds // stopping: apply what was read
	}
	// A failed read leaves what was read this consumer's to apply; the
	// queue's trouble shows on the next round's read.
	fresh, _ := w.cfg.Queue.Read(ctx, name, w.cfg.Batch-len(ds))
	return append(ds, fresh...)
}

// saturated reports whether the store says every connection it has is busy.
func (w *Worker) saturated() bool {
	s, ok := w.cfg.Store.(Saturable)
	return ok && s.Saturated()
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
		info    database.Query
		began   time.Time
		took    time.Duration
	)
	err := w.station.Serve(ctx, func() error {
		actx, cancel := context.WithTimeout(ctx, w.cfg.ApplyTimeout)
		defer cancel()
		began = time.Now()
		var err error
		results, info, err = w.cfg.Store.ApplyEvents(actx, evs)
		took = time.Since(began)
		if err == nil && len(results) != len(evs) {
			err = fmt.Errorf("%s returned %d results for %d events", w.storeName(), len(results), len(evs))
		}
		return err
	})
	w.batches.Add(1)
	batch := applied{began: began, took: took, n: len(good), what: info.SQL}
	if err != nil {
		if began.IsZero() {
			batch.began = time.Now() // failed before the store was called
		}
		h := batch.hop(trace.Error)
		h.Err = err.Error()
		h.Detail = fmt.Sprintf("failed: %v (batch of %d left pending)", err, len(good))
		if ctx.Err() != nil {
			h.Why, h.Detail = trace.Stopped, fmt.Sprintf("stopped: batch of %d left pending", len(good))
		} else {
			w.failed.Add(int64(len(good)))
		}
		for _, d := range good {
			w.recordApply(name, d, h)
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

	for i, r := range results {
		d := good[i]
		h := batch.hop(trace.OK)
		switch r {
		case event.Applied:
			h.Detail = batch.describe(w.storeName())
		case event.Duplicate:
			w.duplicated.Add(1)
			h.Why, h.Detail = trace.Duplicate, "already applied: nothing changed (redelivery)"
		case event.Rejected:
			w.rejected.Add(1)
			h.Outcome, h.Why, h.Err = trace.Error, trace.Rejected, w.rejection(d.Event)
			h.Tries, h.MaxTries = d.Tries, w.maxTries
			h.Detail = fmt.Sprintf("rejected: %s (try %d of %d)", h.Err, d.Tries, w.maxTries)
			if d.Tries >= w.maxTries {
				reason := fmt.Sprintf("rejected by %s after %d tries: %s", w.storeName(), d.Tries, h.Err)
				if w.deadLetter(ackCtx, d, reason) {
					h.Why = trace.DeadLettered
					h.Detail += ": dead-lettered"
				}
			}
		}
		w.recordApply(name, d, h)
	}
	// Committed but not acknowledged (the queue went down): the messages
	// come back and are found applied. Back off from the sick queue.
	return ackErr == nil
}

// applied is one batch as the store took it.
type applied struct {
	began time.Time
	took  time.Duration
	n     int
	what  string // what the store ran, when it says: its statements
}

// hop is the start of an event's apply hop in this batch.
func (b applied) hop(outcome trace.Outcome) trace.Hop {
	return trace.Hop{Op: OpApply, Start: b.began, Duration: b.took, Outcome: outcome, Batch: b.n, Statement: b.what}
}

// describe is the batch for people: "INSERT applied_events + UPDATE
// product_stats (batch of 3, 8.1 ms)", or "apply to Search Index (batch of
// 3, 1.0 ms)" for a store that runs no SQL.
func (b applied) describe(store string) string {
	what := b.what
	if what == "" {
		what = "apply to " + store
	}
	return fmt.Sprintf("%s (batch of %d, %s)", what, b.n, ms(b.took))
}

// OpApply is the operation of the worker's hop to its store.
const OpApply = "APPLY"

func (w *Worker) storeName() string {
	if w.cfg.StoreName == "" {
		return w.cfg.Name
	}
	return w.cfg.StoreName
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

// rejection says why the store rejects ev. ApplyEvents does not say; these
// are the only two reasons the database has.
func (w *Worker) rejection(ev event.Event) string {
	words := w.cfg.Resource
	switch ev.Type {
	case words.Viewed(), words.Updated():
		return fmt.Sprintf("%s %d does not exist", words.Singular(), ev.Product)
	}
	return fmt.Sprintf("unknown event type %q", ev.Type)
}

func (w *Worker) recordDelivery(name string, d queue.Delivery, received time.Time) {
	if d.Event.Trace == "" {
		return
	}
	waited := received.Sub(d.Event.Published)
	h := trace.Hop{
		Trace: d.Event.Trace, From: w.cfg.QueueName, To: w.cfg.Name, Instance: name,
		Start: d.Event.Published, Duration: waited, Outcome: trace.OK, Async: true,
		ID: d.Event.Product, Event: d.Event.Type, Key: d.StreamID, Tries: max(d.Tries, 1),
		Detail: fmt.Sprintf("deliver %s %s (waited %s)", d.Event.Type, d.StreamID, ms(waited)),
	}
	if d.Tries > 1 {
		h.MaxTries = w.maxTries
		h.Detail = fmt.Sprintf("redeliver %s %s (try %d, waited %s)", d.Event.Type, d.StreamID, d.Tries, ms(waited))
	}
	w.cfg.Recorder.Record(h)
}

// recordApply records h, the apply of delivery d, on its trace: to the
// store, and the store's answer when the card draws it.
func (w *Worker) recordApply(name string, d queue.Delivery, h trace.Hop) {
	if d.Event.Trace == "" || w.cfg.StoreName == "" {
		return
	}
	h.Trace, h.From, h.To, h.Instance, h.Async = d.Event.Trace, w.cfg.Name, w.cfg.StoreName, name, true
	h.ID, h.Event = d.Event.Product, d.Event.Type
	w.cfg.Recorder.Record(h)
	if w.cfg.StoreReply {
		w.cfg.Recorder.Record(trace.Hop{
			Trace: h.Trace, From: h.To, To: h.From, Instance: name, Start: h.End(), Outcome: h.Outcome,
			Op: OpApply, Async: true, Reply: true, ID: h.ID, Event: h.Event, Why: h.Why, Detail: "done",
		})
	}
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
