package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/engine"
	tea "github.com/charmbracelet/bubbletea"
)

// The header names a TTL or rate limit turned, which no box shows, and not
// the algorithm, which the switches line shows already.
func TestHeaderNamesOnlyTheLeversShownNowhereElse(t *testing.T) {
	def := engine.Levers{TTL: time.Minute, KeyRate: 1000, Algorithm: loadbalancer.RoundRobin}
	l := def
	l.TTL, l.KeyRate, l.Algorithm = time.Second, 100, loadbalancer.LeastConn
	if got, want := leversAway(l, def), " · ttl 1s · limit 100/s"; got != want {
		t.Errorf("leversAway = %q, want %q", got, want)
	}
	if got := leversAway(def, def); got != "" {
		t.Errorf("at their defaults: %q, want nothing", got)
	}
}

// A system built and waiting for its start (a challenge before its clock)
// sends nothing: the header says so and shows no time, not a rate in
// progress.
func TestHeaderBeforeTheStartSaysNotStarted(t *testing.T) {
	f := newFake()
	s := *f.snap
	s.Requests.Started, s.Requests.Sent, s.Elapsed = false, 0, 27*time.Second
	f.snap = &s
	m := New(f, Options{Now: func() time.Time { return t0 }, NoTick: true})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(frameMsg(t0))
	head := m.titleLine()
	if !strings.Contains(head, "⏹ not started (200 req/s steady)") || !strings.Contains(head, "00:00") || strings.Contains(head, "▶") {
		t.Errorf("header before the start: %q; want \"⏹ not started (200 req/s steady)\" and 00:00", head)
	}
}
