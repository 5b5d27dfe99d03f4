// Invalidations a write could not finish: retried until every cache takes
// them, and until then the key is not trusted.

package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/trace"
)

// staleKey is a cache key some caches may still hold an old value for.
type staleKey struct {
	gen  uint64 // bumped by every write whose DEL failed
	rows []database.OutboxRow
}

// markStale notes that row's key may be stale in a cache. Callers hold mu.
func (r *Relay) markStale(row database.OutboxRow) {
	st := r.stale[row.Key]
	if st == nil {
		st = &staleKey{}
		r.stale[row.Key] = st
		r.staleN.Add(1)
	}
	r.gen++
	st.gen = r.gen
	st.rows = append(st.rows, row)
	if row.Seq != 0 {
		r.known[row.Seq] = true
	}
	poke(r.wakeInv)
}

// Untrusted reports whether a write's invalidation of key is still pending:
// a cache may hold the value from before the write, so a read must not
// trust it. All replicas share this one process, so one set serves them all.
func (r *Relay) Untrusted(key string) bool {
	if r.staleN.Load() == 0 {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.stale[key]
	return ok
}

// invalidation is one stale key as the loop found it.
type invalidation struct {
	key  string
	gen  uint64
	rows int // of its rows, those this DEL covers
}

// invalidateLoop retries the pending invalidations until ctx ends. A DEL
// that fails means the cache is sick: the loop backs off and starts again
// rather than trying every key against it.
func (r *Relay) invalidateLoop(ctx context.Context) {
	var retry time.Duration
	for ctx.Err() == nil {
		todo := r.pending()
		if len(todo) == 0 {
			_ = wait(ctx, r.wakeInv, time.Second)
			continue
		}
		failed := false
		for _, inv := range todo {
			start := time.Now()
			if err := r.del(ctx, inv.key); err != nil {
				failed = true
				break
			}
			r.cleared(inv, start)
		}
		if failed {
			retry = nextRetry(retry)
			_ = sleep(ctx, retry)
		} else {
			retry = 0
		}
	}
}

// pending lists the stale keys, each with how many rows it has now.
func (r *Relay) pending() []invalidation {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]invalidation, 0, len(r.stale))
	for key, st := range r.stale {
		out = append(out, invalidation{key: key, gen: st.gen, rows: len(st.rows)})
	}
	return out
}

// del deletes key from every cache.
func (r *Relay) del(ctx context.Context, key string) error {
	for _, c := range r.cfg.Caches {
		cctx, cancel := context.WithTimeout(ctx, r.cfg.CallTimeout)
		_, err := c.Del(cctx, key)
		cancel()
		if err != nil {
			return fmt.Errorf("DEL %s on %s: %w", key, c.Name(), err)
		}
	}
	return nil
}

// cleared records a DEL that every cache took, begun at start. It covers
// the rows the key had when the loop looked; a write that failed its own DEL
// since then keeps the key stale until the next round.
func (r *Relay) cleared(inv invalidation, start time.Time) {
	took := time.Since(start)
	r.mu.Lock()
	st := r.stale[inv.key]
	if st == nil {
		r.mu.Unlock()
		return
	}
	done := st.rows[:inv.rows:inv.rows]
	after, why := "reads trust the cache again", trace.Invalidated
	if st.gen == inv.gen {
		delete(r.stale, inv.key)
		r.staleN.Add(-1)
	} else {
		st.rows = st.rows[inv.rows:]
		after, why = "a later write's DEL is pending still", trace.Invalidating
	}
	for _, row := range done {
		r.finish(row.Seq)
	}
	r.mu.Unlock()
	for _, row := range done {
		for _, c := range r.cfg.Caches {
			r.hop(trace.Hop{Trace: row.Trace, To: c.Name(), Op: opDel, Start: start, Duration: took,
				Key: inv.key, Why: why, Elapsed: time.Since(row.Created),
				Detail: fmt.Sprintf("relay: DEL %s, retried %s after the write: %s", inv.key, since(row.Created), after)})
		}
	}
}
