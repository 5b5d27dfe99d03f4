package tui

import (
	"sort"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/trace"
)

// Packets on screen at once, and new ones per second at speed 1.
const (
	maxPacketsSmall = 14
	maxPacketsLarge = 48
	maxSpawnPerSec  = 8.0
)

// onFrame pulls what changed from the system and moves the packets on.
func (m *Model) onFrame(now time.Time) {
	dt := now.Sub(m.now)
	m.now = now
	if s := m.sys.Snapshot(); s != m.snap {
		m.snap = s
		m.base = nil
		m.failure.observe(s)
	}
	notes, cur := m.sys.Notices(m.noticeCursor)
	m.noticeCursor = cur
	for _, n := range notes {
		m.addLog(logEntry{At: n.At, Component: n.Component, Text: n.Text, Level: n.Level})
	}
	m.advance(now)
	m.spawn(now, dt)
}

func (m *Model) addLog(e logEntry) {
	m.log = append(m.log, e)
	if len(m.log) > 500 {
		m.log = append(m.log[:0], m.log[len(m.log)-500:]...)
	}
}

// advance moves every packet, narrates the step, and forks async branches.
func (m *Model) advance(now time.Time) {
	live := m.packets[:0]
	var born []*packet
	for _, p := range m.packets {
		entered, forked := p.advance(now, m.speed)
		if p.step {
			for _, i := range entered {
				m.enterStepHop(p, i)
			}
		}
		if forked {
			if t, ok := m.sys.Trace(p.trace.ID); ok && t.AsyncHops() > 0 {
				born = append(born, branch(t, false, now))
			}
		}
		if p.done {
			if p == m.stepping {
				m.stepping = nil
				m.stepHop = -1
			}
			continue
		}
		live = append(live, p)
	}
	m.packets = append(live, born...)
}

// spawn turns a sample of the requests that finished since the last frame
// into packets: every number counts every request, the picture shows a
// readable sample.
func (m *Model) spawn(now time.Time, dt time.Duration) {
	traces, cur := m.sys.TracesSince(m.traceCursor, 256)
	m.traceCursor = cur
	if m.stepping != nil || len(traces) == 0 {
		return // step mode shows its one request alone
	}
	limit := maxPacketsSmall
	if m.height >= 40 {
		limit = maxPacketsLarge
	}
	m.spawnCredit = min(m.spawnCredit+dt.Seconds()*maxSpawnPerSec*m.speed, 3)
	// Errors first: they are what a user watches for.
	sort.SliceStable(traces, func(i, j int) bool { return !traces[i].OK() && traces[j].OK() })
	for _, t := range traces {
		if m.spawnCredit < 1 || len(m.packets) >= limit {
			break
		}
		if len(t.Hops) == 0 {
			continue
		}
		m.spawnCredit--
		m.packets = append(m.packets, newPacket(t, false, now))
	}
}

// enterStepHop narrates the hop the step packet just entered.
func (m *Model) enterStepHop(p *packet, i int) {
	h := p.hops[i]
	m.narration = narrateHop(h, i, len(p.hops))
	m.stepHop = cardHop(m.card, p.hops, i)
	m.addLog(logEntry{At: h.Start, Component: h.To, Text: m.narration})
}

// cardHop maps hop i of a trace to its index in the card's flow: hops are
// matched in order by their pair of components (a hit skips some of the
// card's hops). -1 when the hop is not on the card.
func cardHop(c *card.Card, hops []trace.Hop, i int) int {
	k := 0
	for j := 0; j <= i; j++ {
		found := -1
		for n := k; n < len(c.Flow); n++ {
			if c.Flow[n].From == hops[j].From && c.Flow[n].To == hops[j].To {
				found = n
				break
			}
		}
		if found < 0 {
			if j == i {
				return -1
			}
			continue
		}
		if j == i {
			return found
		}
		k = found + 1
	}
	return -1
}
