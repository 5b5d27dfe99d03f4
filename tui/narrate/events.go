package narrate

import (
	"strings"

	"github.com/archex/archex/components/trace"
)

// publish narrates what became of a read's event at the queue: published,
// kept in the spool (after a failed try, or without trying), or shed. The
// details are service.publishHop's.
func (n names) publish(h trace.Hop) string {
	d, svc, queue := h.Detail, h.From, h.To
	if h.Outcome == trace.OK {
		return svc + " publishes " + lastField(d) + " -> " + n.consumer(queue) + " (via " + the(queue) + "), without waiting"
	}
	typ, rest, _ := strings.Cut(strings.TrimPrefix(d, "XADD "), " ")
	waiting := ""
	if i, j := strings.Index(rest, "("), strings.Index(rest, " waiting)"); i >= 0 && j > i {
		waiting = " (" + rest[i+1:j] + " waiting)"
	}
	switch h.Outcome {
	case trace.Fallback:
		why := after(rest, ": failed: ")
		return svc + " cannot publish " + typ + " (" + shortErr(queue, why) + "): the event waits in the spool" + waiting + " for the outbox relay; the answer goes out anyway"
	case trace.Skipped:
		why := strings.TrimPrefix(after(rest, ": not tried, "), "")
		return svc + " does not try " + the(queue) + " (" + why + "): " + typ + " waits in the spool" + waiting + "; the answer goes out at once"
	case trace.Error:
		return svc + "'s spool is full" + waiting + ": " + typ + " is shed, and counted; the answer goes out anyway"
	}
	return svc + " -> " + queue + ": " + d
}

// relay narrates the outbox relay doing late what a request left:
//
//	relayed from the spool: XADD events product.viewed, 6.2 s after the request
//	relayed from the outbox: the queue had product.updated already (the first XADD's answer was lost)
//	relay: DEL product:42, retried 3.1 s after the write: reads trust the cache again
func (n names) relay(h trace.Hop) string {
	d := h.Detail
	who := "The outbox relay of " + the(h.From)
	switch {
	case strings.HasPrefix(d, "relay: DEL "):
		key, rest, _ := strings.Cut(strings.TrimPrefix(d, "relay: DEL "), ", ")
		return who + " deletes " + key + " from " + the(h.To) + ", " + rest
	case strings.HasPrefix(d, "relayed from the "):
		from, rest, _ := strings.Cut(strings.TrimPrefix(d, "relayed from the "), ": ")
		if strings.HasPrefix(rest, "the queue had ") {
			return who + " publishes again from its " + from + ": " + rest
		}
		ev, when, _ := strings.Cut(strings.TrimPrefix(rest, "XADD events "), ", ")
		return who + " publishes " + ev + " from its " + from + " to " + the(h.To) + ", " + when
	}
	return who + " -> " + h.To + ": " + d
}
