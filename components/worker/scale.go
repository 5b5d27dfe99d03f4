package worker

import (
	"context"
	"fmt"
)

// Scaling the consumers. A consumer added joins the group at once and
// reads what nobody has. A consumer removed is retired, not cancelled: it
// finishes the batch in hand (applied and acknowledged), then leaves, so a
// scale-down costs no redelivery.

// MaxConsumers is the most consumers a worker runs.
const MaxConsumers = 9

// slot is one running consumer's place, and its retirement.
type slot struct{ retire chan struct{} }

type retireKey struct{}

// retired reports whether the consumer running under ctx has been asked to
// leave.
func retired(ctx context.Context) bool {
	ch, _ := ctx.Value(retireKey{}).(chan struct{})
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// startSlot starts one consumer; callers hold mu, with the worker up.
func (w *Worker) startSlot() {
	sl := &slot{retire: make(chan struct{})}
	w.slots = append(w.slots, sl)
	w.running.Add(1)
	go w.supervise(context.WithValue(w.ctx, retireKey{}, sl.retire))
}

// Consumers is how many consumers the worker runs when up.
func (w *Worker) Consumers() int { return int(w.consumers.Load()) }

// SetConsumers changes how many consumers run, from now on: more start at
// once; the newest of the rest finish their batch and leave. A stopped
// worker starts this many when revived.
func (w *Worker) SetConsumers(n int) error {
	if n < 1 || n > MaxConsumers {
		return fmt.Errorf("%s: %d consumers: give 1 to %d", w.cfg.Name, n, MaxConsumers)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.consumers.Store(int64(n))
	if !w.up.Load() {
		return nil
	}
	for len(w.slots) < n {
		w.startSlot()
	}
	for len(w.slots) > n {
		last := w.slots[len(w.slots)-1]
		close(last.retire)
		w.slots = w.slots[:len(w.slots)-1]
	}
	return nil
}
