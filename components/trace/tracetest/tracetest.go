// Package tracetest is a trace.Recorder for tests: it keeps every hop.
package tracetest

import (
	"sync"

	"github.com/archex/archex/components/trace"
)

// Recorder keeps every hop it is given. Safe for concurrent use.
type Recorder struct {
	mu   sync.Mutex
	hops []trace.Hop
}

// Record keeps a hop.
func (r *Recorder) Record(h trace.Hop) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hops = append(r.hops, h)
}

// All returns every hop so far, in the order recorded.
func (r *Recorder) All() []trace.Hop {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]trace.Hop(nil), r.hops...)
}

// Of returns the hops of one trace, in the order recorded.
func (r *Recorder) Of(id trace.ID) []trace.Hop {
	return r.Where(func(h trace.Hop) bool { return h.Trace == id })
}

// Where returns the hops that match.
func (r *Recorder) Where(match func(trace.Hop) bool) []trace.Hop {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []trace.Hop
	for _, h := range r.hops {
		if match(h) {
			out = append(out, h)
		}
	}
	return out
}
