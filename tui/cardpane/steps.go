package cardpane

import (
	"github.com/archex/archex/card"
	"github.com/archex/archex/components/trace"
)

// Steps maps each hop of a trace to the hop of the card's flow it travels
// (-1: none), for SetCurrent while step mode animates the trace. A trace
// is not the flow: a cache hit skips the database's hops, a dead cache has
// no reply, a write calls the store with other ops. The flow is walked in
// order, so a pair the flow lists twice (the service's lookup and its fill
// of the cache) maps to the right one.
func Steps(c *card.Card, hops []trace.Hop) []int {
	out := make([]int, len(hops))
	if c == nil {
		for i := range out {
			out[i] = -1
		}
		return out
	}
	match := func(f card.Hop, h trace.Hop) bool {
		return f.From == h.From && f.To == h.To && f.Async == h.Async
	}
	next := 0
	for i, h := range hops {
		out[i] = -1
		for j := next; j < len(c.Flow); j++ {
			if match(c.Flow[j], h) {
				out[i], next = j, j+1
				break
			}
		}
		if out[i] >= 0 {
			continue
		}
		// Out of the flow's order (a retry, an extra call): the first
		// match will do.
		for j := range c.Flow {
			if match(c.Flow[j], h) {
				out[i] = j
				break
			}
		}
	}
	return out
}
