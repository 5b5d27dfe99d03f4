package narrate

import (
	"strconv"
	"time"

	"github.com/archex/archex/components/trace"
)

// storeCall narrates a call from the service to a store: a cache, the
// database, the queue, or a generic component.
func (n names) storeCall(h trace.Hop) string {
	svc, store, key := h.From, h.To, h.Key
	switch h.Op {
	case "GET":
		switch h.Outcome {
		case trace.Hit:
			if n.hasReply(svc, store) {
				return svc + " asks " + the(store) + " for " + key
			}
			return svc + " asks " + the(store) + " for " + key + ": HIT" + arrow + n.noNeed()
		case trace.Miss:
			if n.hasReply(svc, store) {
				return svc + " asks " + the(store) + " for " + key
			}
			return svc + " asks " + the(store) + " for " + key + ": MISS" + arrow + n.askNext(svc, store)
		case trace.Skipped:
			if h.Why == trace.Invalidating {
				return svc + " does not trust " + the(store) + " for " + key + " (a write's DEL of it is being retried)" + arrow + n.instead(svc, store, key)
			}
			return "Circuit OPEN: " + svc + " skips " + the(store) + arrow + n.instead(svc, store, key)
		case trace.Fallback:
			return failure(store, h.Err) + arrow + n.instead(svc, store, key)
		}
	case "SET":
		switch h.Outcome {
		case trace.OK:
			return svc + " stores " + key + " in " + the(store) + " for " + seconds(h.TTL)
		case trace.Skipped:
			return "Circuit OPEN: " + svc + " does not store " + key + " in " + the(store)
		case trace.Fallback:
			return svc + " could not store " + key + " in " + the(store) + " (" + shortErr(store, h.Err) + "); the answer goes out anyway"
		}
	case "DEL":
		if h.Outcome == trace.Fallback {
			return svc + " could not delete " + key + " from " + the(store) + " (" + shortErr(store, h.Err) +
				"): the outbox relay retries it, and reads skip " + the(store) + " for it until then"
		}
		return svc + " deletes " + key + " from " + the(store) + ", so no reader gets the old copy"
	case "SELECT", "UPDATE":
		return n.statement(h)
	case "XADD":
		return n.publish(h)
	case "CALL":
		if h.Outcome == trace.Error {
			return svc + "'s call to " + the(store) + " fails: " + shortErr(store, h.Err)
		}
		return svc + " calls " + the(store) + " (" + Millis(h.Duration) + ")"
	}
	return svc + arrow + store + ": " + h.Op
}

// statement narrates the service's SELECT or UPDATE, or why it did not run.
func (n names) statement(h trace.Hop) string {
	svc, db := h.From, h.To
	switch h.Outcome {
	case trace.Shed:
		return "Load shedding: " + svc + " does not call " + the(db) + " and answers 503 at once (" + h.Err + "); the user may try again in 1 s"
	case trace.Skipped:
		return svc + " joins the " + db + " query already in flight for " + h.Key + " (singleflight): no second query"
	case trace.Error:
		if h.Why == trace.Joined {
			return "The " + db + " query " + svc + " joined failed: " + shortErr(db, h.Err)
		}
		return failure(db, h.Err) + arrow + "the " + h.Op + " fails"
	}
	s := db + " runs " + h.Statement
	if h.Held == "outbox" {
		s += " and, in the same transaction, writes " + n.owed(h) + " to the outbox"
	}
	return s + " (" + Millis(h.Duration) + ")"
}

// owed is what a write leaves in the outbox: its event, the DEL of its key.
func (n names) owed(h trace.Hop) string {
	switch {
	case h.Event != "" && h.Key != "":
		return h.Event + " and the DEL of " + h.Key
	case h.Event != "":
		return h.Event
	}
	return "the DEL of " + h.Key
}

// publish narrates what became of a read's event at the queue: published,
// kept in the spool (after a failed try, or without trying), or shed.
func (n names) publish(h trace.Hop) string {
	svc, queue := h.From, h.To
	waiting := " (" + strconv.Itoa(h.Waiting) + " waiting)"
	switch h.Outcome {
	case trace.OK:
		return svc + " publishes " + h.Event + " for " + n.consumer(queue) + " to " + the(queue) +
			": it waits for the XADD (" + Millis(h.Duration) + "), never for the worker"
	case trace.Fallback:
		return svc + " cannot publish " + h.Event + " (" + shortErr(queue, h.Err) + "): the event waits in the spool" + waiting +
			" for the outbox relay; the answer goes out anyway"
	case trace.Skipped:
		why := "events wait before it"
		if h.Why == trace.QueueSick {
			why = "it is not answering"
		}
		return svc + " does not try " + the(queue) + " (" + why + "): " + h.Event + " waits in the spool" + waiting + "; the answer goes out at once"
	}
	return svc + "'s spool is full" + waiting + ": " + h.Event + " is shed, and counted; the answer goes out anyway"
}

// storeReply narrates a store's answer to the service.
func (n names) storeReply(h trace.Hop) string {
	store := h.From
	switch h.Op {
	case "GET":
		if h.Outcome == trace.Hit {
			return store + " HIT for " + h.Key + arrow + n.noNeed()
		}
		return store + " MISS for " + h.Key + arrow + n.askNext(h.To, store)
	case "SELECT":
		if h.Rows == 0 {
			return store + " returns 0 rows: there is no such " + n.words.Singular()
		}
		return store + " returns " + plural(h.Rows, "row") + ": " + h.Value
	case "UPDATE":
		return store + " confirms: " + plural(h.Rows, "row") + " updated"
	}
	return store + " replies to " + the(h.To)
}

// seconds writes a time to live or a delay: whole seconds when it is that
// long, milliseconds under a second.
func seconds(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return strconv.Itoa(int(d.Seconds())) + " s"
	case d >= time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	}
	return Millis(d)
}
