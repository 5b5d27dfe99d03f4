package tui

import (
	"time"

	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/tui/diagram"
	"github.com/archex/archex/tui/glyph"
	"github.com/archex/archex/tui/narrate"
)

// hopOnScreen is how long a hop takes on screen at speed 1: long enough to
// follow, longer for hops that really take longer (a database query shows
// slower than a cache lookup), and much longer in step mode.
func hopOnScreen(real time.Duration, step bool) time.Duration {
	ms := float64(real) / float64(time.Millisecond)
	if step {
		return min(time.Duration(900+60*ms)*time.Millisecond, 3*time.Second)
	}
	return min(time.Duration(160+25*ms)*time.Millisecond, 900*time.Millisecond)
}

// packet is one request of the traffic (or its asynchronous branch)
// moving across the diagram.
type packet struct {
	trace engine.Trace
	kind  kind
	hops  []trace.Hop // what it walks, in order
	i     int         // the hop it is on
	start time.Time   // when hop i started on screen
	async bool        // the branch after the fork
	// forkAt is the index of the last hop before the async branch (the
	// publish), or -1; the packet spawns its branch when it gets there and
	// skips it itself.
	forkAt int
	done   bool
}

// newPacket starts a request's packet at now. It leaves the async hops to
// a branch packet, and calls not made do not travel.
func newPacket(t engine.Trace, now time.Time) *packet {
	p := &packet{trace: t, kind: kindOf(t), start: now, forkAt: -1}
	for _, h := range t.Hops {
		if h.Outcome == trace.Skipped || h.Outcome == trace.Shed {
			continue
		}
		if h.Async {
			if p.forkAt < 0 {
				p.forkAt = len(p.hops) - 1
			}
			continue
		}
		p.hops = append(p.hops, h)
	}
	if len(p.hops) == 0 {
		p.done = true
	}
	return p
}

// branch is the async part of a trace as a packet of its own.
func branch(t engine.Trace, now time.Time) *packet {
	p := &packet{trace: t, kind: kindAsync, async: true, start: now, forkAt: -1}
	for _, h := range t.Hops {
		if h.Async {
			p.hops = append(p.hops, h)
		}
	}
	p.done = len(p.hops) == 0
	return p
}

// advance moves the packet on to now at speed and reports whether it
// passed its fork.
func (p *packet) advance(now time.Time, speed float64) (forked bool) {
	for !p.done {
		d := time.Duration(float64(hopOnScreen(p.hops[p.i].Duration, false)) / speed)
		if now.Sub(p.start) < d {
			return forked
		}
		if p.i == p.forkAt {
			forked = true
		}
		p.start = p.start.Add(d)
		p.i++
		if p.i >= len(p.hops) {
			p.done = true
		}
	}
	return forked
}

// hop is the hop the packet is on.
func (p *packet) hop() trace.Hop { return p.hops[p.i] }

// progress is how far along its hop the packet is, 0..1.
func (p *packet) progress(now time.Time, speed float64) float64 {
	d := float64(hopOnScreen(p.hops[p.i].Duration, false)) / speed
	if d <= 0 {
		return 1
	}
	return min(max(float64(now.Sub(p.start))/d, 0), 1)
}

// position is the cell the packet is in, on the edge of its hop.
func (p *packet) position(l *diagram.Layout, now time.Time, speed float64) (diagram.Point, bool) {
	if p.done || l == nil {
		return diagram.Point{}, false
	}
	h := p.hop()
	e, reverse, ok := l.Edge(h.From, h.To)
	if !ok || len(e.Path) == 0 {
		return diagram.Point{}, false
	}
	n := len(e.Path)
	i := int(p.progress(now, speed)*float64(n-1) + 0.5)
	if reverse {
		i = n - 1 - i
	}
	return e.Path[i], true
}

// kind is what a packet shows, glyph and colour together: how its request
// went (narrate's classes), or an event on the async branch.
type kind int

const kindAsync = kind(narrate.Write + 1)

// kindOf classifies a request by what happened to it.
func kindOf(t engine.Trace) kind { return kind(narrate.Outcome(t)) }

// packetInks by kind: OK (no cache on the path), hit, miss, fallback,
// error, write, async.
var packetInks = [...]diagram.Ink{inkText, inkHit, inkMiss, inkFallback, inkError, inkAccent, inkAsync}

// glyphOf is a packet's symbol, the one the inspector shows too.
func glyphOf(k kind) rune {
	g := glyph.Async
	if k != kindAsync {
		g = glyph.Request(narrate.Kind(k))
	}
	return []rune(g)[0]
}
