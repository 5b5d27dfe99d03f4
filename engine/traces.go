package engine

import (
	"cmp"
	"slices"
	"time"

	"github.com/archex/archex/components/outbox"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/components/traffic"
)

// Trace is one request followed across every component: its hops in the
// card's order, the asynchronous branch listed where it forks (at the
// queue), though it finishes after the user already has the response.
type Trace struct {
	ID      trace.ID
	Seq     uint64 // order in which requests finished; 0 until then
	Product int
	Write   bool
	Start   time.Time
	// Duration is what the user waited; Status what they got (0: no
	// response at all) and Err why it failed.
	Duration time.Duration
	Status   int
	Err      string
	Done     bool // the user has the response
	Hops     []trace.Hop
}

// OK reports whether the user got a successful answer.
func (t Trace) OK() bool { return t.Status >= 200 && t.Status < 300 }

// AsyncHops counts the hops of the asynchronous branch recorded so far.
func (t Trace) AsyncHops() int {
	n := 0
	for _, h := range t.Hops {
		if h.Async {
			n++
		}
	}
	return n
}

// traceRec is a trace being recorded.
type traceRec struct {
	Trace
}

// hopsPerTrace is room for a cold read's hops in one allocation.
const hopsPerTrace = 16

func (r *traceRec) add(h trace.Hop) {
	if r.Hops == nil {
		r.Hops = make([]trace.Hop, 0, hopsPerTrace)
	}
	r.Hops = append(r.Hops, h)
}

func (r *traceRec) finish(res traffic.Result, seq uint64) {
	r.Seq, r.Done = seq, true
	r.Product, r.Write = res.Request.Product, res.Request.Write
	r.Start, r.Duration, r.Status, r.Err = res.Start, res.Duration, res.Status, res.Err
}

// snapshot copies the trace with its hops in the card's order.
func (r *traceRec) snapshot() Trace {
	t := r.Trace
	t.Hops = orderHops(r.Hops)
	return t
}

// orderHops puts the synchronous hops in time order (hops that start
// together stay in the order they were recorded) and lists the async branch
// right after the hop that forked it: the last synchronous hop into the
// component the branch starts from, or, when the branch starts with the
// outbox relay doing late what a synchronous hop could not (a spooled
// publish, a failed DEL), right after that hop.
func orderHops(hops []trace.Hop) []trace.Hop {
	var sync, async []trace.Hop
	for _, h := range hops {
		if h.Async {
			async = append(async, h)
		} else {
			sync = append(sync, h)
		}
	}
	byStart := func(a, b trace.Hop) int { return a.Start.Compare(b.Start) }
	slices.SortStableFunc(sync, byStart)
	// The relay's publish starts when the event's delivery does: it goes
	// first.
	slices.SortStableFunc(async, func(a, b trace.Hop) int {
		if c := byStart(a, b); c != 0 {
			return c
		}
		return cmp.Compare(relayRank(a), relayRank(b))
	})
	if len(async) == 0 {
		return sync
	}
	fork := len(sync)
	first := async[0]
	for i := len(sync) - 1; i >= 0; i-- {
		if sync[i].To == first.From {
			fork = i + 1
			break
		}
	}
	for i := len(sync) - 1; i >= 0; i-- {
		if sync[i].From == first.From && sync[i].To == first.To {
			fork = i + 1 // the late hop's own first attempt
			break
		}
	}
	out := make([]trace.Hop, 0, len(hops))
	out = append(out, sync[:fork]...)
	out = append(out, async...)
	return append(out, sync[fork:]...)
}

// relayRank sorts the outbox relay's hops before others that start with them.
func relayRank(h trace.Hop) int {
	if h.Instance == outbox.Instance {
		return 0
	}
	return 1
}
