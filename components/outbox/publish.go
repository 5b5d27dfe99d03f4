// Events: a read's published at once or spooled, a write's from the outbox,
// and the publisher loop that catches up.

package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/trace"
)

// Fate is what became of a read's event.
type Fate uint8

// Fates of a read's event.
const (
	Published Fate = iota // the queue has it
	Spooled               // kept in the spool; the relay publishes it later
	Shed                  // the spool was full: dropped, and counted
)

// Outcome is what Publish did with a read's event.
type Outcome struct {
	Fate Fate
	// Tried is true when the queue was called; Err then says why it did
	// not take the event. Untried, the event went straight to the spool
	// because the queue is known sick (Sick) or events wait before it.
	Tried   bool
	Err     error
	Sick    bool
	Waiting int // events in the spool, this one included
	Took    time.Duration
}

// Publish delivers a read's event. The queue gets PublishTimeout to take
// it; past that, or when it fails, or while it is known sick or the spool
// holds anything, the event goes into the spool. The caller never waits
// longer than PublishTimeout.
func (r *Relay) Publish(ctx context.Context, ev event.Event) Outcome {
	start := time.Now()
	r.mu.Lock()
	r.created++
	if r.cfg.Queue == nil {
		r.shed++
		r.mu.Unlock()
		return Outcome{Fate: Shed, Err: errNoQueue}
	}
	if r.sick || r.spool.len() > 0 {
		o := r.keep(ev, Outcome{Sick: r.sick})
		r.mu.Unlock()
		return o
	}
	r.mu.Unlock()
	pctx, cancel := context.WithTimeout(ctx, r.cfg.PublishTimeout)
	_, _, err := r.cfg.Queue.Publish(pctx, ev)
	cancel()
	if err == nil {
		return Outcome{Fate: Published, Tried: true, Took: time.Since(start)}
	}
	r.mu.Lock()
	r.sick = true
	o := r.keep(ev, Outcome{Tried: true, Err: err})
	r.mu.Unlock()
	o.Took = time.Since(start)
	return o
}

// keep puts a read's event in the spool, or sheds it when the spool is full.
// Callers hold mu.
func (r *Relay) keep(ev event.Event, o Outcome) Outcome {
	if !r.spool.push(ev) {
		r.shed++
		o.Fate, o.Waiting = Shed, r.spool.len()
		return o
	}
	r.spooled++
	o.Fate, o.Waiting = Spooled, r.spool.len()
	poke(r.wakePub)
	return o
}

// Committed takes the rows a write committed with its UPDATE, once the
// service has tried the invalidation itself: invalidated says whether every
// cache took its DEL. Events are published; an invalidation that failed is
// retried until every cache takes it, and until then Untrusted holds for the
// key. Rows without a Seq (no database) are kept in memory only: their
// events go to the spool.
func (r *Relay) Committed(rows []database.OutboxRow, invalidated bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, row := range rows {
		switch {
		case row.IsEvent() && row.Seq == 0:
			r.created++
			r.keep(row.Event, Outcome{})
		case row.IsEvent():
			r.created++
			r.outbox++
			r.hold(row)
		case invalidated:
			r.finish(row.Seq)
		default:
			r.markStale(row)
		}
	}
	poke(r.wakePub)
}

// hold keeps an event row in memory, or notes that the table has one more
// than memory. Callers hold mu.
func (r *Relay) hold(row database.OutboxRow) {
	if r.known[row.Seq] {
		return
	}
	if len(r.rows) >= r.cfg.MemRows {
		if r.dropped == 0 || row.Seq < r.dropped {
			r.dropped = row.Seq
		}
		return
	}
	r.rows = append(r.rows, row)
	r.known[row.Seq] = true
}

// finish marks a row done, to be deleted. Callers hold mu.
func (r *Relay) finish(seq int64) {
	if seq == 0 {
		return
	}
	r.known[seq] = true
	r.done = append(r.done, seq)
}

// publishLoop publishes what waits, deletes what is done and reads back what
// memory could not hold, until ctx ends.
func (r *Relay) publishLoop(ctx context.Context) {
	var (
		retry      time.Duration
		lastDelete time.Time
	)
	for ctx.Err() == nil {
		r.load(ctx)
		sent, err := r.publishBatch(ctx)
		if r.deleteDue(lastDelete) {
			lastDelete = time.Now()
			r.deleteDone(ctx)
		}
		switch {
		case err != nil:
			retry = nextRetry(retry)
			_ = sleep(ctx, retry)
		case sent > 0:
			retry = 0
		default:
			_ = wait(ctx, r.wakePub, deleteEvery)
		}
	}
}

// publishBatch publishes up to Batch waiting events in one call: the
// outbox's first (they are durable and older), then the spool's.
func (r *Relay) publishBatch(ctx context.Context) (int, error) {
	if r.cfg.Queue == nil {
		return 0, nil
	}
	r.mu.Lock()
	n := min(len(r.rows), r.cfg.Batch)
	rows := append([]database.OutboxRow(nil), r.rows[:n]...)
	fromSpool := r.spool.front(r.cfg.Batch - n)
	r.mu.Unlock()
	if len(rows)+len(fromSpool) == 0 {
		return 0, nil
	}
	evs := make([]event.Event, 0, len(rows)+len(fromSpool))
	for _, row := range rows {
		evs = append(evs, row.Event)
	}
	evs = append(evs, fromSpool...)
	start := time.Now()
	// An event is published when it reaches the queue: what the worker
	// counts as its wait there. When it was created, the hop says.
	created := make([]time.Time, len(evs))
	for i := range evs {
		created[i], evs[i].Published = evs[i].Published, start
	}
	cctx, cancel := context.WithTimeout(ctx, r.cfg.CallTimeout)
	p, err := r.cfg.Queue.PublishBatch(cctx, evs)
	cancel()
	r.mu.Lock()
	if err != nil {
		r.sick = true
		r.mu.Unlock()
		return 0, err
	}
	// Only this loop takes from the front of rows and the spool; others
	// only add at the back, so the front is still what was sent.
	r.rows = r.rows[len(rows):]
	r.outbox -= len(rows)
	for _, row := range rows {
		r.done = append(r.done, row.Seq)
	}
	r.spool.drop(len(fromSpool))
	r.relayed += int64(len(evs))
	r.sick = false
	r.mu.Unlock()
	for i, ev := range evs {
		h := trace.Hop{Trace: ev.Trace, To: r.cfg.Queue.Name(), Op: opPublish, Start: start, Duration: p.Took,
			ID: ev.Product, Event: ev.Type, Held: "spool", Elapsed: time.Since(created[i])}
		if i < len(rows) {
			h.Held = "outbox"
		}
		h.Detail = fmt.Sprintf("relayed from the %s: XADD events %s, %s after the request", h.Held, ev.Type, since(created[i]))
		if i < len(p.Duplicate) && p.Duplicate[i] {
			h.Why = trace.Duplicate
			h.Detail = fmt.Sprintf("relayed from the %s: the queue had %s already (the first XADD's answer was lost)", h.Held, ev.Type)
		}
		r.hop(h)
	}
	return len(evs), nil
}

// Operations of the relay's hops, as the service names them.
const (
	opPublish = "XADD"
	opDel     = "DEL"
)

// hop records h, a late hop of the relay's on its request's trace: from
// the service, as its relay instance, in the async branch.
func (r *Relay) hop(h trace.Hop) {
	if h.Trace == "" {
		return
	}
	h.From, h.Instance, h.Outcome, h.Async = r.cfg.Service, Instance, trace.OK, true
	r.cfg.Recorder.Record(h)
}

// deleteDue reports whether the done rows should be deleted now: enough of
// them, or the last delete long enough ago.
func (r *Relay) deleteDue(last time.Time) bool {
	r.mu.Lock()
	n := len(r.done)
	r.mu.Unlock()
	return n >= deleteBatch || n > 0 && time.Since(last) >= deleteEvery
}

// deleteDone deletes the done rows from the table in one statement. Rows
// it could not delete (the database is down) are tried again later; they are
// done, so they count as nothing waiting.
func (r *Relay) deleteDone(ctx context.Context) {
	if r.cfg.Store == nil {
		return
	}
	r.mu.Lock()
	seqs := append([]int64(nil), r.done...)
	r.mu.Unlock()
	cctx, cancel := context.WithTimeout(ctx, r.cfg.CallTimeout)
	_, err := r.cfg.Store.DeleteOutbox(cctx, seqs)
	cancel()
	if err != nil {
		return
	}
	r.mu.Lock()
	r.done = r.done[len(seqs):]
	for _, s := range seqs {
		delete(r.known, s)
	}
	r.mu.Unlock()
}

// load reads back event rows memory did not hold (and, once, the rows an
// earlier run left), when memory has room for them.
func (r *Relay) load(ctx context.Context) {
	r.mu.Lock()
	from, room := r.dropped, r.cfg.MemRows-len(r.rows)
	if from == 0 || r.cfg.Store == nil || room < r.cfg.MemRows/2 {
		r.mu.Unlock()
		return
	}
	// Rows handed over from now on are held again while there is room.
	r.dropped = 0
	r.mu.Unlock()
	cctx, cancel := context.WithTimeout(ctx, r.cfg.CallTimeout)
	rows, _, err := r.cfg.Store.LoadOutbox(cctx, from, room)
	cancel()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.dropped = minSeq(r.dropped, from)
		return
	}
	for _, row := range rows {
		if r.known[row.Seq] {
			continue
		}
		left := row.Seq <= r.carried // by an earlier run: not counted yet
		switch {
		case row.IsEvent() && left:
			r.created++
			r.carriedN++
			r.outbox++
			r.hold(row)
		case row.IsEvent():
			r.hold(row)
		case left:
			r.markStale(row)
		}
	}
	if len(rows) == room {
		r.dropped = minSeq(r.dropped, rows[len(rows)-1].Seq+1)
	}
	if len(rows) > 0 {
		poke(r.wakePub)
	}
}

func minSeq(a, b int64) int64 {
	if a == 0 || b < a {
		return b
	}
	return a
}
