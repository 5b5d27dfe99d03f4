// Package glyph is the one symbol of each outcome, wherever the dashboard
// shows it: a request's packet on the diagram and its summary in the trace
// inspector share Request, a hop's row in the inspector uses Hop. A miss is
// ◉ in both places; ◐ is only ever a box's DEGRADED state, and ○ is what was
// not called (a skipped hop, a cache whose breaker is OPEN).
package glyph

import (
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/tui/narrate"
)

// Async marks an event on the background branch.
const Async = "◇"

var requests = [...]string{
	narrate.OK: "●", narrate.Hit: "●", narrate.Miss: "◉", narrate.Fallback: "◆", narrate.Error: "✖", narrate.Write: "■",
}

// Request is the symbol of a request of kind k.
func Request(k narrate.Kind) string {
	if k >= 0 && int(k) < len(requests) {
		return requests[k]
	}
	return "●"
}

var hops = [...]string{
	trace.OK: "✓", trace.Hit: "●", trace.Miss: "◉", trace.Fallback: "◆", trace.Skipped: "○", trace.Error: "✖", trace.Shed: "✖",
}

// Hop is the symbol of a hop's outcome.
func Hop(o trace.Outcome) string {
	if int(o) < len(hops) {
		return hops[o]
	}
	return "?"
}
