package narrate

import (
	"strconv"

	"github.com/archex/archex/components/trace"
)

// relay narrates the outbox relay doing late what a request left: a
// spooled or outboxed event published, a failed DEL retried.
func (n names) relay(h trace.Hop) string {
	who := "The outbox relay of " + the(h.From)
	if h.Op == "DEL" {
		s := who + " deletes " + h.Key + " from " + the(h.To) + ", " + seconds(h.Elapsed) + " after the write: "
		if h.Why == trace.Invalidating {
			return s + "a later write's DEL is pending still"
		}
		return s + "reads trust the cache again"
	}
	if h.Why == trace.Duplicate {
		return who + " publishes " + h.Event + " again from its " + h.Held + ": " + the(h.To) + " had it already (the first XADD's answer was lost)"
	}
	return who + " publishes " + h.Event + " from its " + h.Held + " to " + the(h.To) + ", " + seconds(h.Elapsed) + " after the request"
}

// async narrates the worker's branch after the queue: the delivery, the
// apply, the store's answer.
func (n names) async(h trace.Hop) string {
	switch {
	case h.Op == "" && h.Tries > 1:
		return h.From + " redelivers " + h.Event + " to " + n.consumerOn(h) + " (try " + strconv.Itoa(h.Tries) + ") after " + Millis(h.Duration)
	case h.Op == "":
		return h.From + " delivers " + h.Event + " to " + n.consumerOn(h) + " after " + Millis(h.Duration) + " in the queue"
	case h.Reply:
		return h.From + " confirms the write to " + the(h.To)
	}
	worker, store := h.From, the(h.To)
	switch {
	case h.Why == trace.Duplicate:
		return worker + " finds " + h.Event + " already applied: nothing changes (a redelivery)"
	case h.Why == trace.Rejected, h.Why == trace.DeadLettered:
		s := worker + " cannot apply " + h.Event + ": " + h.Err + " (try " + strconv.Itoa(h.Tries) + " of " + strconv.Itoa(h.MaxTries) + ")"
		if h.Why == trace.DeadLettered {
			s += ", so it goes to the dead-letter stream"
		}
		return s
	case h.Why == trace.Stopped:
		return worker + " stopped before it applied " + h.Event + ": the batch stays pending and comes round again"
	case h.Outcome == trace.Error:
		return worker + " could not apply " + h.Event + " to " + store + " (" + shortErr(h.To, h.Err) + "): the batch stays pending and comes round again"
	}
	s := worker + " applies " + h.Event + " to " + store + " ("
	if h.Statement != "" {
		s += h.Statement + ", "
	}
	if h.Batch > 1 {
		s += "a batch of " + strconv.Itoa(h.Batch) + ", "
	}
	return s + Millis(h.Duration) + ")"
}

// consumerOn names the consumer that took a delivery.
func (n names) consumerOn(h trace.Hop) string {
	if h.Instance != "" {
		return h.Instance
	}
	return the(h.To)
}
