package service

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/outbox"
	"github.com/archex/archex/components/trace"
)

// Relay is the outbox relay (*outbox.Relay): the service hands it what a
// request leaves to be done after the answer, and never waits on the queue
// longer than the relay's publish timeout.
type Relay interface {
	// Queue is the name of the queue on the card ("" when it has none).
	Queue() string
	// Publish delivers a read's event: at once, or kept in the spool.
	Publish(ctx context.Context, ev event.Event) outbox.Outcome
	// Committed takes a write's outbox rows after the commit; invalidated
	// says whether every cache took the write's DEL.
	Committed(rows []database.OutboxRow, invalidated bool)
	// Untrusted reports whether a write's invalidation of key is pending.
	Untrusted(key string) bool
}

// newEvent is the event of request q. Its id is unique to this service
// even when a request is served twice (the load balancer retried it): each
// serving is an event of its own, applied once.
func (s *Service) newEvent(q *request, typ string, at time.Time) event.Event {
	id := q.id
	if id == "" {
		id = trace.NewID(s.rng.Uint64())
	}
	return event.Event{ID: "ev-" + string(id) + "-" + strconv.FormatInt(s.events.Add(1), 10),
		Type: typ, Product: q.prod, Trace: q.id, Published: at}
}

// publish hands a read's event to the relay and records what became of it.
func (s *Service) publish(ctx context.Context, q *request, typ string) {
	r := s.cfg.Relay
	if r == nil || r.Queue() == "" {
		return
	}
	start := time.Now()
	o := r.Publish(ctx, s.newEvent(q, typ, start))
	h := q.call(r.Queue(), OpPublish, start, trace.OK)
	h.Key = "" // an event is about the item, not its cache key
	h.Event, h.Waiting = typ, o.Waiting
	h.Outcome, h.Detail = publishHop(o, typ)
	switch {
	case o.Fate == outbox.Published:
		h.Waiting = 0
	case o.Fate == outbox.Shed:
		h.Why = trace.SpoolFull
	case o.Tried:
		h.Held, h.Err = "spool", o.Err.Error()
	case o.Sick:
		h.Held, h.Why = "spool", trace.QueueSick
	default:
		h.Held, h.Why = "spool", trace.Backlog
	}
	q.record(h)
}

// publishHop says what became of a read's event, as a hop to the queue:
//
//	XADD events product.viewed
//	XADD product.viewed to the spool (3 waiting), the relay publishes it later: failed: <why>
//	XADD product.viewed to the spool (4 waiting): not tried, the queue is not answering
//	XADD product.viewed to the spool (4 waiting): not tried, events wait before it
//	XADD product.viewed shed: the spool is full (10000 waiting)
func publishHop(o outbox.Outcome, typ string) (trace.Outcome, string) {
	switch {
	case o.Fate == outbox.Published:
		return trace.OK, "XADD events " + typ
	case o.Fate == outbox.Shed:
		return trace.Error, fmt.Sprintf("XADD %s shed: the spool is full (%d waiting)", typ, o.Waiting)
	}
	spooled := fmt.Sprintf("XADD %s to the spool (%d waiting)", typ, o.Waiting)
	switch {
	case o.Tried:
		return trace.Fallback, fmt.Sprintf("%s, the relay publishes it later: failed: %v", spooled, o.Err)
	case o.Sick:
		return trace.Skipped, spooled + ": not tried, the queue is not answering"
	}
	return trace.Skipped, spooled + ": not tried, events wait before it"
}
