package eventlog

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
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

var (
	styles = theme.New(theme.Default, nil)
	t0     = time.Date(2026, 3, 14, 15, 4, 5, 0, time.UTC)
)

// story is a cache kill and revive told the way the root tells it: engine
// notices and the narrated hops of one request in step mode.
func story() []Entry {
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	return []Entry{
		{At: at(0), Component: "User", Text: "User sends GET /products/42 to the Load Balancer, which picks replica-2 (round-robin)"},
		{At: at(120), Component: "Cache", Text: "Cache MISS for product:42 -> asking the Database"},
		{At: at(250), Component: "Database", Text: "Database runs SELECT name, price_cents FROM products WHERE id=42 (8.1 ms)"},
		{At: at(400), Text: "User gets 200 OK in 12.4 ms"},
		FromNotice(engine.Notice{At: at(2000), Component: "Cache", Text: "UP -> DOWN (killed)", Level: engine.LevelWarn}),
		FromNotice(engine.Notice{At: at(2100), Component: "Cache", Text: "circuit breaker closed -> open", Level: engine.LevelInfo}),
		FromNotice(engine.Notice{At: at(2300), Component: "engine", Text: "panic in worker-1: runtime error: index out of range [3] with length 3", Level: engine.LevelError}),
		FromNotice(engine.Notice{At: at(9000), Component: "Cache", Text: "DOWN -> UP", Level: engine.LevelInfo}),
	}
}

func newLog(w, h int, entries ...Entry) Model {
	m := New(&styles, 0)
	m.SetSize(w, h)
	m.SetStart(t0)
	m.Add(entries...)
	return m
}

func fits(t *testing.T, name string, out string, w, h int) {
	t.Helper()
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

func TestViewFits(t *testing.T) {
	long := Entry{At: t0, Component: "A component with a very long name indeed", Text: strings.Repeat("word ", 80), Level: engine.LevelError}
	for w := 10; w <= 160; w += 3 {
		for _, h := range []int{1, 2, 5, 15, 40} {
			m := newLog(w, h, append(story(), long)...)
			fits(t, "tail", m.View(), w, h)
			m.ScrollUp(3)
			fits(t, "scrolled", m.View(), w, h)
			m.SetSize(w+7, h)
			fits(t, "resized", m.View(), w+7, h)
		}
	}
}

func TestFollowsTheTailUntilScrolledUp(t *testing.T) {
	m := newLog(60, 4, story()...)
	last := func() string {
		lines := strings.Split(ansi.Strip(m.View()), "\n")
		return lines[len(lines)-1]
	}
	if !strings.Contains(last(), "DOWN -> UP") || !m.Following() {
		t.Fatalf("tail not shown:\n%s", m.View())
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyUp})
	if m.Following() {
		t.Fatal("still following after scrolling up")
	}
	seen := m.View()
	m.Add(Entry{At: t0.Add(10 * time.Second), Component: "Cache", Text: "hit ratio back to 90%"})
	if m.View() == seen && !strings.Contains(last(), "more lines") {
		t.Errorf("scrolled view moved or lost its hint:\n%s", m.View())
	}
	if strings.Contains(m.View(), "hit ratio back") {
		t.Errorf("new entry pulled the scrolled view down:\n%s", m.View())
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyEnd})
	if !m.Following() || !strings.Contains(last(), "hit ratio back to 90%") {
		t.Errorf("end does not follow again:\n%s", m.View())
	}
	// Scrolling down to the bottom follows again too.
	m.ScrollUp(2)
	m.ScrollDown(100)
	if !m.Following() {
		t.Error("at the bottom but not following")
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyHome})
	if got := strings.Split(ansi.Strip(m.View()), "\n")[0]; !strings.HasPrefix(got, "00:00.0 User") {
		t.Errorf("home: first line %q", got)
	}
}

func TestBounded(t *testing.T) {
	m := New(&styles, 50)
	m.SetSize(40, 10)
	for i := range 120 {
		m.Add(Entry{At: t0.Add(time.Duration(i) * time.Second), Component: "queue", Text: fmt.Sprintf("event %d", i)})
		if i == 60 {
			m.ScrollUp(5)
		}
	}
	if m.Len() != 50 {
		t.Fatalf("Len = %d, want 50", m.Len())
	}
	total := 0
	for _, n := range m.counts {
		total += n
	}
	if total != len(m.lines) {
		t.Fatalf("%d lines counted, %d held", total, len(m.lines))
	}
	// The scrolled view kept its place until its lines were dropped: it
	// now shows the oldest entry kept, and still does not follow.
	first := strings.Split(ansi.Strip(m.View()), "\n")[0]
	if m.Following() || !strings.HasSuffix(first, "event 70") {
		t.Errorf("scrolled view after eviction starts with %q (following: %v)", first, m.Following())
	}
}

func TestRenderEntry(t *testing.T) {
	tests := []struct {
		name string
		w    int
		e    Entry
		want []string
	}{
		{"wide", 80, Entry{At: t0.Add(123 * time.Millisecond), Component: "Cache", Text: "UP -> DOWN (killed)", Level: engine.LevelWarn},
			[]string{"01:23.1 ▲ Cache  UP -> DOWN (killed)"}},
		{"narrow drops the tenths and wraps under the text", 34, Entry{At: t0, Component: "Cache", Text: "Cache MISS for product:42 -> asking the Database"},
			[]string{"01:23 Cache  Cache MISS for", "      product:42 -> asking the", "      Database"}},
		{"no component", 40, Entry{At: t0, Text: "User gets 200 OK in 12.4 ms"},
			[]string{"01:23 User gets 200 OK in 12.4 ms"}},
		{"error", 60, Entry{At: t0, Component: "engine", Text: "panic", Level: engine.LevelError},
			[]string{"01:23.0 ✖ engine  panic"}},
		{"too narrow for the time", 14, Entry{At: t0, Component: "DB", Text: "down"},
			[]string{"DB  down"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(&styles, 0)
			m.SetSize(tt.w, 10)
			m.SetStart(t0.Add(-83 * time.Second))
			got := m.render(tt.e)
			for i := range got {
				got[i] = ansi.Strip(got[i])
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("render:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestGolden(t *testing.T) {
	scrolled := newLog(90, 6, story()...)
	scrolled.ScrollUp(4)
	for _, tt := range []struct {
		name string
		m    Model
	}{
		{"tail_34x15", newLog(34, 15, story()...)},
		{"tail_90x10", newLog(90, 10, story()...)},
		{"scrolled_90x6", scrolled},
		{"empty", newLog(34, 5)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			teatest.RequireEqualOutput(t, []byte(tt.m.View()))
		})
	}
}

func BenchmarkView(b *testing.B) {
	m := New(&styles, 0)
	m.SetSize(40, 30)
	for i := range DefaultMax {
		e := story()[i%len(story())]
		e.At = e.At.Add(time.Duration(i) * time.Second)
		m.Add(e)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkAdd is the cost of one new entry in a full log.
func BenchmarkAdd(b *testing.B) {
	m := New(&styles, 0)
	m.SetSize(40, 30)
	s := story()
	for i := range DefaultMax {
		m.Add(s[i%len(s)])
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Add(s[i%len(s)])
		i++
	}
}

// Entries show in time order, whatever order they arrive in, stamped with
// the time since the system's start as the header shows it.
func TestTimeOrderAndElapsedStamps(t *testing.T) {
	m := New(&styles, 0)
	m.SetSize(80, 10)
	m.SetStart(t0.Add(-42 * time.Second))
	m.Add(Entry{At: t0.Add(2 * time.Second), Component: "Cache", Text: "killed"})
	// A hop narrated late happened before the kill.
	m.Add(Entry{At: t0.Add(300 * time.Millisecond), Text: "hop narrated late"})
	m.Add(Entry{At: t0.Add(3 * time.Second), Component: "Cache", Text: "revived"})
	got := ansi.Strip(m.View())
	want := "00:42.3 hop narrated late\n00:44.0 Cache  killed\n00:45.0 Cache  revived"
	if got != want {
		t.Errorf("log:\n%s\nwant:\n%s", got, want)
	}
}

// A narrated request is one entry that follows its hops: fourteen hops do
// not push the system's events out of sight.
func TestNarrationIsOneEntryPerRequest(t *testing.T) {
	m := New(&styles, 0)
	m.SetSize(80, 4)
	m.SetStart(t0)
	m.Add(Entry{At: t0, Component: "Cache", Text: "killed", Level: engine.LevelWarn})
	for i := range 14 {
		m.Add(Entry{At: t0.Add(time.Duration(100+i) * time.Millisecond), Text: fmt.Sprintf("hop %d", i+1), Group: "trace-1"})
	}
	m.Add(Entry{At: t0.Add(time.Second), Component: "Cache", Text: "revived"})
	got := ansi.Strip(m.View())
	want := "00:00.0 ▲ Cache  killed\n00:00.1 hop 14\n00:01.0 Cache  revived"
	if m.Len() != 3 || got != want {
		t.Errorf("%d entries:\n%s\nwant:\n%s", m.Len(), got, want)
	}
}
