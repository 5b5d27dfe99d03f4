package figures

import (
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/archex/archex/engine"
	"github.com/archex/archex/tui/theme"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

var styles = theme.New(theme.Default, nil)

func ratio(f float64) *float64 { return &f }

// history is n seconds of a system at about 50 req/s whose cache is killed
// at 60 s and revived at 80 s; failures (withFailures) from 100 to 103 s.
func history(n int, withFailures bool) *engine.Snapshot {
	secs := make([]engine.Second, n)
	for t := range secs {
		sent := 50 + int(8*math.Sin(float64(t)/5))
		s := engine.Second{T: t, Sent: sent, OK: sent, P50: 4, P99: 15 + float64(t%4),
			DBQPS: sent / 10, QueueDepth: 0, Components: map[string]engine.ComponentSecond{}}
		switch {
		case t < 60:
			s.HitRatio = ratio(0.9 - 0.8*math.Exp(-float64(t)/8))
		case t < 80:
			s.HitRatio, s.DBQPS, s.P99 = ratio(0), sent+sent/10, 45+float64(t%3)
		default:
			s.HitRatio = ratio(0.9 - 0.9*math.Exp(-float64(t-80)/6))
		}
		if t%7 == 0 {
			s.QueueDepth = 2
		}
		if withFailures && t >= 100 && t < 104 {
			s.Failed, s.OK = 3, sent-3
		}
		secs[t] = s
	}
	return &engine.Snapshot{At: time.Date(2026, 3, 14, 15, 4, 5, 0, time.UTC), Elapsed: time.Duration(n) * time.Second,
		Last: secs[n-1], History: secs[:n-1]}
}

func TestSpark(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		values []float64
		hi     float64
		width  int
		rows   int
		want   []string
	}{
		{"eighths", []float64{1, 2, 3, 4, 5, 6, 7, 8}, 8, 8, 1, []string{"▁▂▃▄▅▆▇█"}},
		{"auto scale", []float64{0, 5, 10}, 0, 3, 1, []string{"▁▄█"}},
		{"zero is the baseline, NaN a gap", []float64{0, nan, 0}, 10, 3, 1, []string{"▁ ▁"}},
		{"newest at the right", []float64{8, 8}, 8, 4, 1, []string{"  ██"}},
		{"oldest dropped", []float64{1, 2, 3, 8}, 8, 2, 1, []string{"▃█"}},
		{"two rows", []float64{0, 4, 8, 12, 16}, 16, 5, 2, []string{"   ▄█", "▁▄███"}},
		{"above the fixed top is full", []float64{150}, 100, 1, 1, []string{"█"}},
		{"tiny values still show", []float64{0.1, 100}, 100, 2, 1, []string{"▁█"}},
		{"no room", []float64{1}, 1, 0, 1, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Spark(tt.values, tt.hi, tt.width, tt.rows)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Spark = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFit(t *testing.T) {
	tests := []struct {
		n, body int
		rows    int
		sep, ok bool
	}{
		{5, 14, 1, true, true},  // 34x15: header and one row each, blank lines between
		{5, 29, 4, true, true},  // 40x30
		{5, 39, 6, true, true},  // the tallest
		{6, 14, 1, false, true}, // with failures: no air left
		{5, 9, 0, false, false}, // one line each
	}
	for _, tt := range tests {
		rows, sep, ok := fit(tt.n, tt.body)
		if rows != tt.rows || sep != tt.sep || ok != tt.ok {
			t.Errorf("fit(%d, %d) = %d, %v, %v; want %d, %v, %v", tt.n, tt.body, rows, sep, ok, tt.rows, tt.sep, tt.ok)
		}
	}
}

func view(s *engine.Snapshot, w, h int) string {
	m := New(&styles)
	m.SetSize(w, h)
	m.SetSnapshot(s)
	return m.View()
}

// Every size the dashboard may give the panel: never wider or taller.
func TestViewFits(t *testing.T) {
	snaps := map[string]*engine.Snapshot{"full": history(150, true), "young": history(3, false), "one second": history(1, false), "none": nil}
	for name, s := range snaps {
		// Every height; widths at the edges of each layout and between
		// (a line chart costs a millisecond: not every width under -race).
		for _, w := range []int{30, 31, 32, 36, 40, 45, 50, 59, 60, 61, 70, 80, 90, 99, 100} {
			for h := 6; h <= 40; h++ {
				out := view(s, w, h)
				lines := strings.Split(out, "\n")
				if len(lines) > h {
					t.Fatalf("%s %dx%d: %d lines", name, w, h, len(lines))
				}
				for i, l := range lines {
					if lw := lipgloss.Width(l); lw > w {
						t.Fatalf("%s %dx%d: line %d is %d wide: %q", name, w, h, i, lw, l)
					}
				}
			}
		}
	}
}

func TestViewShowsWhatMatters(t *testing.T) {
	out := view(history(150, true), 90, 40)
	for _, want := range []string{"req/s", "errors/s", "p99", "hit ratio", "DB q/s", "queue", "-84s", "-42s", "now"} {
		if !strings.Contains(out, want) {
			t.Errorf("view lacks %q:\n%s", want, out)
		}
	}
	// Errors are a chart of their own even when there are none: a flat
	// line at 0 is what "no request failed" looks like.
	if !strings.Contains(view(history(150, false), 40, 30), "errors/s") {
		t.Errorf("errors/s not shown without failures")
	}
	// When short, the last charts go first; req/s stays.
	short := view(history(150, false), 40, 3)
	if !strings.Contains(short, "req/s") || strings.Contains(short, "queue") {
		t.Errorf("3 lines:\n%s", short)
	}
}

// Given room, a chart is a braille line with its Y axis labelled at its
// bottom and top (a round number over the largest value), and the charts
// share one time axis, one column a second.
func TestLineCharts(t *testing.T) {
	m := New(&styles)
	m.SetCharts([]Chart{Sent, HitRatio})
	m.SetSize(60, 14)
	m.SetSnapshot(history(150, false))
	lines := strings.Split(ansi.Strip(m.View()), "\n")
	want := map[int]string{0: "req/s", 1: "  100│", 4: "    0│", 6: "hit ratio", 7: " 100%│", 10: "   0%│", 11: "     └──", 12: "      -54s"}
	for i, w := range want {
		if i >= len(lines) || !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d is %q, want it to start with %q:\n%s", i, lines[min(i, len(lines)-1)], w, strings.Join(lines, "\n"))
		}
	}
	braille := false
	for _, l := range lines {
		for _, r := range l {
			braille = braille || r >= 0x2800 && r <= 0x28ff
		}
	}
	if !braille {
		t.Errorf("no braille line:\n%s", strings.Join(lines, "\n"))
	}
}

// A card's charts are its own: no hit ratio without a cache.
func TestSetCharts(t *testing.T) {
	m := New(&styles)
	m.SetCharts([]Chart{Sent, Errors, Queue, Jobs})
	m.SetSize(40, 30)
	m.SetSnapshot(history(150, false))
	out := m.View()
	if strings.Contains(out, "hit ratio") || !strings.Contains(out, "jobs/s") || !strings.Contains(out, "queue") {
		t.Errorf("charts of a card without a cache:\n%s", out)
	}
}

func TestNiceTop(t *testing.T) {
	for _, tt := range []struct{ hi, want float64 }{{0, 1}, {1, 1}, {3, 5}, {17, 20}, {181, 200}, {212, 250}, {1200, 2000}, {0.4, 0.5}} {
		if got := niceTop(chart{m: &metrics[Sent], hi: tt.hi}); got != tt.want {
			t.Errorf("niceTop(%g) = %g, want %g", tt.hi, got, tt.want)
		}
	}
}

// The panel draws once per closed second, not on every snapshot.
func TestRedrawsOnlyOnNewSecond(t *testing.T) {
	m := New(&styles)
	m.SetSize(40, 12)
	s := history(30, false)
	m.SetSnapshot(s)
	before := m.View()
	same := *s
	same.Last.Sent = 999 // a refresh within the same second changes nothing drawn
	m.SetSnapshot(&same)
	if m.View() != before {
		t.Error("redrawn within a second")
	}
	m.SetSnapshot(history(31, false))
	if m.View() == before {
		t.Error("not redrawn for a new second")
	}
}

func TestGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    *engine.Snapshot
		w, h int
	}{
		{"compact_34x15", history(150, false), 34, 15},
		{"inline_34x6", history(150, true), 34, 6},
		{"tall_40x30", history(150, false), 40, 30},
		{"wide_90x40", history(150, true), 90, 40},
		{"waiting", nil, 34, 6},
	} {
		t.Run(tt.name, func(t *testing.T) {
			teatest.RequireEqualOutput(t, []byte(view(tt.s, tt.w, tt.h)))
		})
	}
}

func TestRebuild(t *testing.T) {
	got := Rebuild(&styles, history(90, false), 12)
	if want := "hit ratio ▁▁▁▁▂▃▄▄▅▅▅▆ 70%"; ansi.Strip(got) != want {
		t.Errorf("Rebuild = %q, want %q", got, want)
	}
}

func BenchmarkView(b *testing.B) {
	m := New(&styles)
	m.SetSize(40, 30)
	m.SetSnapshot(history(300, true))
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkDraw is the cost of a new second: the whole panel redrawn.
func BenchmarkDraw(b *testing.B) {
	m := New(&styles)
	m.SetSize(40, 30)
	s := history(300, true)
	b.ReportAllocs()
	for b.Loop() {
		m.lastT = -1
		m.SetSnapshot(s)
	}
}
