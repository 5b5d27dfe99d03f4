package waterfall

import (
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/archex/archex/components/trace"
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

// at builds a hop that starts off µs after t0 and lasts dur µs.
func at(off, dur int, from, to, inst, op string, o trace.Outcome, detail string) trace.Hop {
	return trace.Hop{From: from, To: to, Instance: inst, Op: op, Outcome: o, Detail: detail,
		Start: t0.Add(time.Duration(off) * time.Microsecond), Duration: time.Duration(dur) * time.Microsecond}
}

func async(h trace.Hop) trace.Hop { h.Async = true; return h }

// cold is `archex trace`: a cache miss, 14 hops, the times as recorded.
func cold() engine.Trace {
	return engine.Trace{ID: "2a2e77abd09ed69e", Product: 42, Start: t0, Duration: 14268 * time.Microsecond, Status: 200, Done: true, Hops: []trace.Hop{
		at(0, 262, "User", "Load Balancer", "replica-2", "", trace.OK, "GET /products/42 -> replica-2 (round-robin)"),
		at(277, 153, "Load Balancer", "API Gateway", "replica-2", "", trace.OK, "key demo-key-1 ok, route GET /products/{id}, req-1"),
		at(434, 1105, "API Gateway", "Service Layer", "replica-2", "", trace.OK, "GET product 42"),
		at(1543, 1245, "Service Layer", "Cache", "replica-2", "GET", trace.Miss, "GET product:42"),
		at(2790, 0, "Cache", "Service Layer", "replica-2", "GET", trace.Miss, "MISS product:42"),
		at(2794, 9630, "Service Layer", "Database", "replica-2", "SELECT", trace.OK, "SELECT name, price_cents FROM products WHERE id=42 (9.6 ms)"),
		at(12428, 0, "Database", "Service Layer", "replica-2", "SELECT", trace.OK, "1 row: Glass Mug 42, $20.53"),
		at(12455, 1161, "Service Layer", "Cache", "replica-2", "SET", trace.OK, "SET product:42 EX 60s"),
		at(13619, 442, "Service Layer", "Message Queue", "replica-2", "XADD", trace.OK, "XADD events product.viewed"),
		async(at(13619, 1769, "Message Queue", "Background Worker", "worker-2", "", trace.OK, "deliver product.viewed 1795738165668-0 (waited 1.8 ms)")),
		async(at(16516, 6543, "Background Worker", "Database", "worker-2", "", trace.OK, "INSERT applied_events + UPDATE product_stats (batch of 1, 6.5 ms)")),
		at(14092, 1, "Service Layer", "API Gateway", "replica-2", "", trace.OK, "200 OK"),
		at(14094, 85, "API Gateway", "Load Balancer", "replica-2", "", trace.OK, "200 OK from replica-2"),
		at(14180, 88, "Load Balancer", "User", "", "", trace.OK, "200 OK in 14.3 ms"),
	}}
}

// dbDown is a read with the cache's breaker open and the database killed.
func dbDown() engine.Trace {
	return engine.Trace{Product: 99, Start: t0, Duration: 1358 * time.Microsecond, Status: 503, Done: true,
		Err: `{"id":99,"price_cents":0,"replica":"replica-2","error":"Database refused the connection: down"}`,
		Hops: []trace.Hop{
			at(0, 99, "User", "Load Balancer", "replica-2", "", trace.OK, "GET /products/99 -> replica-2 (round-robin)"),
			at(103, 27, "Load Balancer", "API Gateway", "replica-2", "", trace.OK, "key demo-key-1 ok, route GET /products/{id}, req-13"),
			at(131, 1161, "API Gateway", "Service Layer", "replica-2", "", trace.OK, "GET product 99"),
			at(1292, 1, "Service Layer", "Cache", "replica-2", "GET", trace.Skipped, "circuit OPEN: not calling Cache for product:99"),
			at(1295, 3, "Service Layer", "Database", "replica-2", "SELECT", trace.Error, "SELECT name, price_cents FROM products WHERE id=99: Database refused the connection: down"),
			at(1307, 0, "Service Layer", "API Gateway", "replica-2", "", trace.Error, "503 Service Unavailable"),
			at(1308, 25, "API Gateway", "Load Balancer", "replica-2", "", trace.Error, "503 Service Unavailable from replica-2"),
			at(1334, 23, "Load Balancer", "User", "", "", trace.Error, `503 Service Unavailable in 1.4 ms: {"id":99,"price_cents":0,"replica":"replica-2","error":"Database refused the connection: down"}`),
		}}
}

func newModel(t engine.Trace, w, h int) Model {
	m := New(&styles)
	m.SetSize(w, h)
	m.SetTrace(t)
	return m
}

func TestViewFits(t *testing.T) {
	flying := cold()
	flying.Done, flying.Status, flying.Duration, flying.Hops = false, 0, 0, flying.Hops[:6]
	for name, tr := range map[string]engine.Trace{"cold": cold(), "db down": dbDown(), "in flight": flying, "empty": {}} {
		for w := 30; w <= 160; w++ {
			for _, h := range []int{1, 2, 3, 5, 15, 29, 30, 31, 40} {
				m := newModel(tr, w, h)
				m.SetCurrent(3)
				out := m.View()
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

// The bars sit on one time axis: each starts where its hop started, is at
// least one cell long, and the async ones end after the response line.
func TestBars(t *testing.T) {
	m := newModel(cold(), 100, 20)
	c := m.cols
	if c.respCol < 0 || c.respCol >= c.bar {
		t.Fatalf("response column %d of %d", c.respCol, c.bar)
	}
	prev := 0
	for i, h := range m.tr.Hops {
		x0, x1 := m.cells(h)
		if x1-x0 < 1 || x1 > c.bar {
			t.Errorf("hop %d: cells %d..%d of %d", i+1, x0, x1, c.bar)
		}
		if !h.Async && x0 < prev {
			t.Errorf("hop %d starts at %d, before hop %d (%d)", i+1, x0, i, prev)
		}
		if !h.Async {
			prev = x0
		}
	}
	// The worker's write ends after the user had the answer.
	if _, x1 := m.cells(m.tr.Hops[10]); x1 <= c.respCol {
		t.Errorf("async bar ends at %d, response sent at %d", x1, c.respCol)
	}
	// The database's 9.6 ms is the longest synchronous bar.
	x0, x1 := m.cells(m.tr.Hops[5])
	for i, h := range m.tr.Hops {
		if a, b := m.cells(h); !h.Async && i != 5 && b-a > x1-x0 {
			t.Errorf("hop %d is longer (%d cells) than the database's (%d)", i+1, b-a, x1-x0)
		}
	}
}

func TestScroll(t *testing.T) {
	m := newModel(cold(), 34, 8) // 2 header lines, 5 rows, 1 hint
	first := func() string {
		return strings.Fields(ansi.Strip(strings.Split(m.View(), "\n")[2]))[0]
	}
	if got := first(); got != "1" {
		t.Fatalf("first row %q", got)
	}
	if !strings.Contains(m.View(), "↓ 9 more") {
		t.Errorf("no hint:\n%s", m.View())
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyDown})
	if got := first(); got != "2" {
		t.Errorf("after down: first row %q", got)
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyEnd})
	if got := first(); got != "10" || !strings.Contains(m.View(), "↑ 9 above") {
		t.Errorf("after end: first row %q\n%s", got, m.View())
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyPgUp})
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyHome})
	if got := first(); got != "1" {
		t.Errorf("after home: first row %q", got)
	}
	m.ScrollUp(5)
	if got := first(); got != "1" {
		t.Errorf("scrolled above the top: %q", got)
	}
	// The current hop is kept in view.
	m.SetCurrent(12)
	if !strings.Contains(ansi.Strip(m.View()), "▶") {
		t.Errorf("current hop 13 not in view:\n%s", m.View())
	}
	// Keys that are not ours change nothing.
	before := m.View()
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("c")})
	if m.View() != before {
		t.Error("a foreign key scrolled")
	}
}

// The root may hand the latest trace over every frame: the same trace keeps
// its highlight and scroll; when its async branch arrives it is redrawn.
func TestSetTraceAgain(t *testing.T) {
	partial := cold()
	partial.Hops = append(append([]trace.Hop{}, partial.Hops[:9]...), partial.Hops[11:]...)
	m := newModel(partial, 90, 20)
	m.SetCurrent(3)
	m.SetTrace(partial)
	if !strings.Contains(m.View(), "▶") {
		t.Error("the same trace again lost the current hop")
	}
	m.SetTrace(cold())
	if out := ansi.Strip(m.View()); !strings.Contains(out, "▶") || !strings.Contains(out, "async") {
		t.Errorf("the grown trace lost its highlight or its async rows:\n%s", out)
	}
	other := dbDown()
	other.ID = "ddb94d0bdfb0d09b"
	m.SetTrace(other)
	if strings.Contains(m.View(), "▶") {
		t.Error("a new trace kept the old highlight")
	}
}

func TestGolden(t *testing.T) {
	for _, tt := range []struct {
		name    string
		tr      engine.Trace
		w, h    int
		current int
	}{
		{"cold_34x15", cold(), 34, 15, -1},
		{"cold_34x15_current", cold(), 34, 15, 9},
		{"cold_60x18", cold(), 60, 18, -1},
		{"cold_90x20", cold(), 90, 20, 5},
		{"cold_140x20", cold(), 140, 20, -1},
		{"tall_34x40", cold(), 34, 40, -1},
		{"tall_90x40", cold(), 90, 40, 9},
		{"dbdown_90x12", dbDown(), 90, 12, -1},
		{"empty", engine.Trace{}, 34, 5, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := New(&styles)
			m.SetSize(tt.w, tt.h)
			if len(tt.tr.Hops) > 0 {
				m.SetTrace(tt.tr)
			}
			m.SetCurrent(tt.current)
			teatest.RequireEqualOutput(t, []byte(m.View()))
		})
	}
}

func BenchmarkView(b *testing.B) {
	m := newModel(cold(), 40, 30)
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkSetTrace is the cost of a new trace: every row drawn.
func BenchmarkSetTrace(b *testing.B) {
	m := newModel(cold(), 40, 30)
	a, z := cold(), cold()
	z.ID = "another"
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i++; i%2 == 0 {
			m.SetTrace(a)
		} else {
			m.SetTrace(z)
		}
	}
}

// A route short of room says what each component is before it cuts
// anything: "→ Balancer", not "→ Load Balan…".
func TestFitRoute(t *testing.T) {
	hop := func(from, to string, async bool) trace.Hop { return trace.Hop{From: from, To: to, Async: async} }
	production := heads([]trace.Hop{hop("User", "Load Balancer", false), hop("Load Balancer", "API Gateway", false),
		hop("API Gateway", "Service Layer", false), hop("Service Layer", "Cache", false), hop("Message Queue", "Background Worker", true)})
	feed := heads([]trace.Hop{hop("Feed Service", "Feed Cache", false), hop("Feed Service", "Profile Cache", false)})
	tests := []struct {
		h      trace.Hop
		narrow bool
		w      int
		hs     map[string]int
		want   string
	}{
		{hop("User", "Load Balancer", false), true, 20, production, "→ Load Balancer"},
		{hop("User", "Load Balancer", false), true, 12, production, "→ Balancer"},
		{hop("API Gateway", "Service Layer", false), true, 12, production, "→ Service"},
		{hop("Message Queue", "Background Worker", true), false, 28, production, "↳ Queue → Background Worker"},
		{hop("Message Queue", "Background Worker", true), false, 20, production, "↳ Queue → Worker"},
		{hop("Feed Service", "Profile Cache", false), true, 12, feed, "→ P.Cache"},
		{hop("User", "Load Balancer", false), true, 6, production, "→ Bal…"},
	}
	for _, tt := range tests {
		if got := fitRoute(tt.h, tt.narrow, tt.w, tt.hs); got != tt.want {
			t.Errorf("fitRoute(%s → %s, %d) = %q, want %q", tt.h.From, tt.h.To, tt.w, got, tt.want)
		}
	}
}
