// The consumer loop: what one consumer does with each batch, and the hops
// it records.

package worker

import (
	"context"
	"fmt"
	"time"

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
