// Pruning the idempotency record (see the package doc for why it is safe).

package worker

import (
	"context"
	"time"
)

// prune forgets, every PruneEvery until ctx ends, the applied event ids no
// delivery can bring back.
func (w *Worker) prune(ctx context.Context) {
	defer w.running.Done()
	defer func() {
		if v := recover(); v != nil {
			w.panics.Add(1)
			w.report(v)
		}
	}()
	t := time.NewTicker(w.cfg.PruneEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.pruneOnce(ctx)
		}
	}
}

// pruneOnce forgets the ids applied before both KeepApplied ago and the
// oldest message still in the stream. When the queue cannot say what is in
// the stream, nothing is forgotten.
func (w *Worker) pruneOnce(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, w.cfg.ApplyTimeout)
	defer cancel()
	before := time.Now().Add(-w.cfg.KeepApplied)
	oldest, ok, err := w.cfg.Queue.Oldest(cctx)
	if err != nil {
		return
	}
	if ok && oldest.Before(before) {
		before = oldest
	}
	for range pruneRounds {
		n, _, err := w.cfg.Store.PruneApplied(cctx, before, pruneBatch)
		w.pruned.Add(int64(n))
		if err != nil || n < pruneBatch {
			return
		}
	}
}
