package tui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/archex/archex/engine"
)

// busyModel is a dashboard at 120x40 with 60 packets in flight and five
// minutes of history.
func busyModel(b *testing.B) (*Model, *fakeSystem) { return busyModelAt(b, 120, 40) }

func busyModelAt(b *testing.B, w, h int) (*Model, *fakeSystem) {
	f := newFake()
	s := *f.snap
	for len(s.History) < 300 {
		s.History = append(s.History, s.History[len(s.History)%30])
	}
	f.snap = &s
	m := New(f, Options{Now: func() time.Time { return t0 }, NoTick: true})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.Update(frameMsg(t0))
	t := coldTrace(f.card)
	for i := range 60 {
		m.packets = append(m.packets, newPacket(t, t0.Add(-time.Duration(i)*40*time.Millisecond)))
	}
	return m, f
}

func BenchmarkDashboardView(b *testing.B) {
	m, _ := busyModel(b)
	m.View() // the static picture is drawn once per snapshot, not per frame
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.now = t0.Add(time.Duration(i%40) * 10 * time.Millisecond)
		_ = m.View()
	}
}

// BenchmarkDashboardViewProjector is a frame at 200x60: the grown diagram.
func BenchmarkDashboardViewProjector(b *testing.B) {
	m, _ := busyModelAt(b, 200, 60)
	m.View()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.now = t0.Add(time.Duration(i%40) * 10 * time.Millisecond)
		_ = m.View()
	}
}

// BenchmarkDashboardUpdate is one frame tick while the engine serves 2,000
// requests a second: 100 finished requests to look at, a new snapshot.
func BenchmarkDashboardUpdate(b *testing.B) {
	m, f := busyModel(b)
	t := coldTrace(f.card)
	batch := make([]engine.Trace, 100)
	for i := range batch {
		batch[i] = t
		batch[i].Seq = uint64(i + 1)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.mu.Lock()
		for j := range batch {
			batch[j].Seq = uint64(i*100 + j + 1)
		}
		f.traces, f.cursor = batch, uint64(i*100+100)
		s := *f.snap
		f.snap = &s
		f.mu.Unlock()
		m.Update(frameMsg(t0.Add(time.Duration(i) * frameEvery)))
	}
}

// BenchmarkDashboardViewNewSnapshot is a frame that also redraws the boxes
// (the snapshot changes ten times a second).
func BenchmarkDashboardViewNewSnapshot(b *testing.B) {
	m, _ := busyModel(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.base = nil
		_ = m.View()
	}
}
