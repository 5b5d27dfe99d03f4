package narrate

import (
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/engine"
)

// Step is one hop of a request as step mode tells it.
type Step struct {
	// Hop indexes the trace's hops; -1 for a step that is no hop (an event
	// still waiting for the worker).
	Hop   int
	Text  string
	Async bool // in the background: the user is not waiting for it
}

// Steps tells a request in the order a learner follows it: the synchronous
// path up to the user's answer first, then the branch that runs in the
// background, which the user does not wait for, each of its hops with when
// it ended relative to the answer (a trace lists that branch where it forks;
// in time it ends after the answer). Replies say why they take no time of
// their own. A request that left an event no consumer has taken yet ends
// with a step that says where it waits.
//
//	User gets 200 OK in 13.2 ms; the work in the background goes on without them
//	In the background, the user is not waiting: Message Queue delivers product.viewed to worker-1 after 3.1 ms in the queue (ends 0.4 ms after the user had the answer)
//	Background Worker applies product.viewed to the Database (INSERT applied_events + UPDATE product_stats, 7.9 ms): the background work is done, 8.3 ms after the user had the answer
func Steps(t engine.Trace, c *card.Card) []Step {
	n := newNames(c)
	var sync, async []int
	for i, h := range t.Hops {
		if h.Async {
			async = append(async, i)
		} else {
			sync = append(sync, i)
		}
	}
	answer, answered := answerTime(t)
	out := make([]Step, 0, len(t.Hops)+1)
	told := false // an HTTP answer has said why it takes no time
	for k, i := range sync {
		h := t.Hops[i]
		text := Hop(h, c)
		switch {
		case h.Reply && n.kind(h.To) == card.KindClient:
			if len(async) > 0 || waits(t, c) != "" {
				text += "; the work in the background goes on without them"
			}
		case h.Reply:
			note := noTimeOfItsOwn(t.Hops, sync[:k], h, told)
			told = told || (note != "" && h.Op == "")
			text += note
		}
		out = append(out, Step{Hop: i, Text: text})
	}
	for k, i := range async {
		h := t.Hops[i]
		text := Hop(h, c)
		if k == 0 {
			text = "In the background, the user is not waiting: " + text
		}
		if answered {
			text += relative(h.End().Sub(answer), k == len(async)-1)
		}
		out = append(out, Step{Hop: i, Text: text, Async: true})
	}
	if len(async) == 0 {
		if w := waits(t, c); w != "" {
			out = append(out, Step{Hop: -1, Text: "In the background, the user is not waiting: " + w, Async: true})
		}
	}
	return out
}

// answerTime is when the user had the answer: the end of the hop back to
// the client, or the trace's own end.
func answerTime(t engine.Trace) (time.Time, bool) {
	for i := len(t.Hops) - 1; i >= 0; i-- {
		if h := t.Hops[i]; !h.Async && h.Reply && h.Elapsed > 0 {
			return h.End(), true
		}
	}
	if t.Done {
		return t.Start.Add(t.Duration), true
	}
	return time.Time{}, false
}

// relative says when an async hop ended, against the answer.
func relative(d time.Duration, last bool) string {
	switch {
	case last && d >= 0:
		return ": the background work is done, " + Millis(d) + " after the user had the answer"
	case d >= 0:
		return " (ends " + Millis(d) + " after the user had the answer)"
	}
	return " (ends " + Millis(-d) + " before the answer reached the user: the answer was still on its way)"
}

// noTimeOfItsOwn says why a reply takes (next to) no time: a store's answer
// is part of the call that asked for it, an HTTP answer crosses a
// connection already open inside one process (said in full once a request,
// told, and briefly after). A reply that took a millisecond or more (a
// stalled machine) says nothing.
func noTimeOfItsOwn(hops []trace.Hop, before []int, h trace.Hop, told bool) string {
	if h.Duration >= time.Millisecond {
		return ""
	}
	if h.Op != "" {
		for k := len(before) - 1; k >= 0; k-- {
			if c := hops[before[k]]; !c.Reply && c.From == h.To && c.To == h.From {
				return " (" + Millis(h.Duration) + " of its own: the call's " + Millis(c.Duration) + " already include the answer's way back)"
			}
		}
		return " (" + Millis(h.Duration) + " of its own: the call's time includes the answer's way back)"
	}
	if told {
		return " (" + Millis(h.Duration) + ", an answer again)"
	}
	return " (" + Millis(h.Duration) + ": an answer on a connection already open, inside one process; the time went into the work before it)"
}

// waits says where a request's event waits when the branch after the
// queue has not started: the worker has not taken it yet (it may be down),
// or it is in the spool for the relay. "" when there is nothing waiting.
func waits(t engine.Trace, c *card.Card) string {
	if c == nil || len(t.Hops) == 0 {
		return ""
	}
	hasBranch := false
	for _, f := range c.Flow {
		hasBranch = hasBranch || f.Async
	}
	if !hasBranch {
		return ""
	}
	n := newNames(c)
	for _, h := range t.Hops {
		switch {
		case h.Async:
			return ""
		case h.Op == "XADD" && h.Outcome == trace.OK:
			return h.Event + " waits in " + the(h.To) + " for " + n.consumer(h.To) + ", which has not taken it yet"
		case h.Op == "XADD" && h.Held == "spool":
			return h.Event + " waits in the spool of " + the(h.From) + " until the outbox relay can publish it"
		case h.Op == "UPDATE" && h.Held == "outbox" && h.Outcome == trace.OK && h.Event != "":
			return h.Event + " waits in the outbox until the relay publishes it"
		}
	}
	return ""
}
