package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/archex/archex/components/outbox"
	"github.com/archex/archex/components/service"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/components/traffic"
)

// Request is one request a front end asks the engine to send.
type Request = traffic.Request

// Send sends one request, as the user, and returns its trace once the user
// has the answer. With waitAsync it also waits (up to ctx, at most 3 s) for
// the asynchronous branch to finish, so the trace is whole.
func (e *Engine) Send(ctx context.Context, req Request, waitAsync bool) (Trace, error) {
	if e.closed.Load() {
		return Trace{}, errClosed
	}
	if req.Product <= 0 {
		return Trace{}, fmt.Errorf("%s id %d: %s are numbered from 1", e.words.Singular(), req.Product, e.words.Plural())
	}
	res := e.user.Send(ctx, req)
	t, ok := e.rec.trace(res.Trace)
	if !ok {
		return Trace{}, fmt.Errorf("trace %s was not recorded", res.Trace)
	}
	if !waitAsync || len(e.topo.async) == 0 || !leftEvent(t) {
		return t, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for branchHops(t) < len(e.topo.async) {
		select {
		case <-ctx.Done():
			return t, nil // what there is: the worker may be down
		case <-tick.C:
		}
		t, _ = e.rec.trace(res.Trace)
	}
	return t, nil
}

// leftEvent reports whether the request left an event to deliver: a read's
// published or spooled (not shed), or a write's committed in the outbox.
func leftEvent(t Trace) bool {
	for _, h := range t.Hops {
		switch {
		case h.Async:
		case h.Op == service.OpPublish && h.Outcome != trace.Error:
			return true
		case h.Op == service.OpUpdate && h.Outcome == trace.OK:
			return true
		}
	}
	return false
}

// branchHops counts the hops of the card's asynchronous branch recorded so
// far; the relay's own (a late publish, a retried DEL) are not the card's.
func branchHops(t Trace) int {
	n := 0
	for _, h := range t.Hops {
		if h.Async && h.Instance != outbox.Instance {
			n++
		}
	}
	return n
}

// Trace returns one recent trace by id, with whatever of its asynchronous
// branch has been recorded so far.
func (e *Engine) Trace(id trace.ID) (Trace, bool) { return e.rec.trace(id) }

// TracesSince returns up to max traces of requests that finished after
// cursor (0: the most recent ones), oldest first, and the cursor to pass
// next time. A reader that falls behind skips ahead; it never slows the
// engine down.
func (e *Engine) TracesSince(cursor uint64, max int) ([]Trace, uint64) {
	return e.rec.since(cursor, max)
}

// AsyncHops is how many hops the card's asynchronous branch has.
func (e *Engine) AsyncHops() int { return len(e.topo.async) }
