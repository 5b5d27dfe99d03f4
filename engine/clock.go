package engine

import "time"

// restartClock starts the engine's seconds again at epoch, the traffic's
// first start, when seconds have closed before it: an engine built, its
// levers set and its faults applied while the user waited (a challenge's
// briefing) counts its history from when the traffic began, so that its
// second k is the schedule's second k. The idle seconds before are dropped
// (no requests arrived in them); callers hold mu.
func (e *Engine) restartClock(epoch time.Time) {
	e.start, e.aligned, e.closedSeconds = epoch, true, 0
	// The counters the seconds are deltas of, as they stand now.
	e.prev = counters{sent: e.user.Stats().Sent}
	if e.db != nil {
		e.prev.dbQueries = e.db.Stats().Queries
	}
	if e.worker != nil {
		st := e.worker.Stats()
		e.prev.jobs = st.Processed + st.Duplicated + st.DeadLettered
	}
	e.downSeen = nil
	e.rec.restart()
}

// restart forgets the seconds closed so far and the one in progress.
func (r *recorder) restart() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hist = nil
	w := &r.win
	w.ok, w.failed, w.lookups, w.hits, w.dbReads, w.shed, w.limited = 0, 0, 0, 0, 0, 0, 0
	w.latency.Reset()
	w.dist.take()
	for _, k := range w.keys {
		k.ok, k.failed = 0, 0
		k.dist.take()
	}
	for _, c := range w.comps {
		c.calls, c.errors, c.lookups, c.hits = 0, 0, 0, 0
		c.latency.Reset()
	}
}
