package tui

import (
	"sort"
	"time"

	"github.com/archex/archex/tui/eventlog"
)

// inspectStepFor is how long the inspector keeps a stepped request before
// it goes back to following the traffic.
const inspectStepFor = 30 * time.Second

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
		m.pn.setSnapshot(s)
	}
	m.refreshClass(false)
	notes, cur := m.sys.Notices(m.noticeCursor)
	m.noticeCursor = cur
	for _, n := range notes {
		m.addLog(eventlog.FromNotice(n))
	}
	m.advance(now)
	m.advanceStep(now)
	m.spawn(now, dt)
	if m.panel == panelTrace && m.inspect != nil {
		// The async branch of the request inspected lands after its
		// response: show it when it does.
		if t, ok := m.sys.Trace(m.inspect.ID); ok && len(t.Hops) != len(m.inspect.Hops) {
			m.inspectTrace(t)
		}
	}
}

// advance moves every packet of the traffic and forks async branches.
func (m *Model) advance(now time.Time) {
	live := m.packets[:0]
	var born []*packet
	for _, p := range m.packets {
		if p.advance(now, m.speed) {
			if t, ok := m.sys.Trace(p.trace.ID); ok && t.AsyncHops() > 0 {
				born = append(born, branch(t, now))
			}
		}
		if !p.done {
			live = append(live, p)
		}
	}
	m.packets = append(live, born...)
}

// spawn turns a sample of the requests that finished since the last frame
// into packets: every number counts every request, the picture shows a
// readable sample.
func (m *Model) spawn(now time.Time, dt time.Duration) {
	traces, cur := m.sys.TracesSince(m.traceCursor, 256)
	m.traceCursor = cur
	if m.narrating() || len(traces) == 0 {
		return // step mode shows its one request alone
	}
	limit := maxPacketsSmall
	if m.height >= 40 {
		limit = maxPacketsLarge
	}
	m.spawnCredit = min(m.spawnCredit+dt.Seconds()*maxSpawnPerSec*m.speed, 3)
	// Errors first: they are what a user watches for.
	sort.SliceStable(traces, func(i, j int) bool { return !traces[i].OK() && traces[j].OK() })
	if m.lastStep.IsZero() || now.Sub(m.lastStep) > inspectStepFor {
		// With no recent step to show, the inspector shows the latest
		// request.
		m.inspectTrace(traces[len(traces)-1])
	}
	for _, t := range traces {
		if m.spawnCredit < 1 || len(m.packets) >= limit {
			break
		}
		if len(t.Hops) == 0 {
			continue
		}
		m.spawnCredit--
		m.packets = append(m.packets, newPacket(t, now))
	}
}
