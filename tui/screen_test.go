package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/quiz"
	"github.com/archex/archex/tui/diagram"
	"github.com/archex/archex/tui/quizview"
)

// sized is a dashboard on f at w x h, its first frame drawn.
func sized(f *fakeSystem, w, h int) *Model {
	m := New(f, Options{Now: func() time.Time { return t0 }, NoTick: true})
	run(m, tea.WindowSizeMsg{Width: w, Height: h})
	run(m, frameMsg(t0))
	return m
}

func cardFake(t *testing.T, name string) *fakeSystem {
	t.Helper()
	c, err := cards.Load(name + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	return newFakeCard(c)
}

// edit changes the fake's snapshot: a copy, with its components copied.
func (f *fakeSystem) edit(fn func(s *engine.Snapshot)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := *f.snap
	s.Components = append([]engine.Status(nil), f.snap.Components...)
	s.History = append([]engine.Second(nil), f.snap.History...)
	fn(&s)
	f.snap = &s
}

// statusOf is the status of the first component of kind k, to change.
func statusOf(s *engine.Snapshot, k card.Kind) *engine.Status {
	for i := range s.Components {
		if s.Components[i].Kind == k {
			return &s.Components[i]
		}
	}
	return nil
}

// Each replica key toggles its replica: a second press before the system
// has answered revives what the first killed (never a second kill), and
// after all three are down, each key revives its own.
func TestReplicaKeysToggle(t *testing.T) {
	f := newFake()
	m := newTestModel(f)
	press(m, "3")
	press(m, "3") // before any snapshot shows replica 3 down
	if got := f.called(); got != "kill service-3; revive service-3" {
		t.Errorf("3 3: %q, want a kill and a revive", got)
	}
	f = newFake()
	m = newTestModel(f)
	for _, k := range []string{"1", "2", "3"} {
		press(m, k)
	}
	f.edit(func(s *engine.Snapshot) {
		svc := statusOf(s, card.KindService)
		svc.State, svc.Killed, svc.Healthy, svc.DownReplicas = engine.Down, true, 0, []int{1, 2, 3}
	})
	run(m, frameMsg(t0.Add(3*time.Second)))
	for _, k := range []string{"1", "2", "3"} {
		press(m, k)
	}
	want := "kill service-1; kill service-2; kill service-3; revive service-1; revive service-2; revive service-3"
	if got := f.called(); got != want {
		t.Errorf("1 2 3, then 1 2 3 with all down: %q\nwant %q", got, want)
	}
}

// A component DOWN without being killed (a load balancer with no healthy
// replica behind it) is not "revived" by its key: the key kills it.
func TestKillKeyFollowsKilledNotState(t *testing.T) {
	f := newFake()
	f.edit(func(s *engine.Snapshot) {
		lb := statusOf(s, card.KindLoadBalancer)
		lb.State, lb.Note, lb.Healthy = engine.Down, "0/3 healthy", 0
	})
	m := newTestModel(f)
	press(m, "l")
	if got := f.called(); got != "kill loadbalancer" {
		t.Errorf("l on a load balancer down with 0/3 healthy: %q", got)
	}
	if out := m.View(); !strings.Contains(out, "0/3 healthy") || !strings.Contains(out, "DOWN") {
		t.Errorf("the load balancer's box does not say DOWN, 0/3 healthy:\n%s", out)
	}
}

// Every key that works is on the help screen at 80x24: the third column
// of the help is not dropped.
func TestHelpShowsEveryKeyAt80x24(t *testing.T) {
	m := sized(newFake(), 80, 24)
	press(m, "?")
	out := ansi.Strip(m.View())
	if n := strings.Count(out, "\n") + 1; n > 24 {
		t.Errorf("the help is %d lines at 80x24", n)
	}
	for _, g := range m.keys.FullHelp() {
		for _, b := range g {
			if b.Enabled() && !strings.Contains(out, b.Help().Key+" ") {
				t.Errorf("the help at 80x24 lacks %q (%s):\n%s", b.Help().Key, b.Help().Desc, out)
			}
		}
	}
}

// Without colour (NO_COLOR: the tests' profile) the selection and a dead
// component still show: a marker and a double border for the one, a heavy
// border, dashed edges and capitals for the other.
func TestVisibleWithoutColour(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		m := sized(newFake(), size[0], size[1])
		before := m.View()
		press(m, "down")
		after := m.View()
		if !strings.Contains(after, "Load Balancer ◂") && !strings.Contains(after, "▸ Load Balancer") {
			t.Errorf("%dx%d: the Load Balancer selected shows no marker:\n%s", size[0], size[1], after)
		}
		if strings.Contains(before, "▸ Load Balancer") || strings.Contains(before, "Load Balancer ◂") {
			t.Errorf("%dx%d: marked before it was selected", size[0], size[1])
		}
	}
	f := newFake()
	m := sized(f, 120, 40)
	press(m, "c")
	run(m, frameMsg(t0.Add(time.Second)))
	out := m.View()
	for _, want := range []string{"┏━ Cache", "✖ DOWN", "╳", "┄"} {
		if !strings.Contains(out, want) {
			t.Errorf("120x40: the dead cache lacks %q:\n%s", want, out)
		}
	}
	m = sized(f, 80, 24)
	if out := m.View(); !strings.Contains(out, "✖ CACHE") {
		t.Errorf("80x24: the dead cache's name is not in capitals:\n%s", out)
	}
}

// A card without a cache: its hints, keys, charts and banner speak of what
// it has.
func TestChatCardSpeaksItsLanguage(t *testing.T) {
	f := cardFake(t, "chat")
	m := sized(f, 120, 40)
	out := m.View()
	for _, want := range []string{"w kills the Fan-out Worker", "w kill Fan-out Worker", "queue", "jobs/s"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat's first screen lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"hit ratio", "kills the cache", "breaker"} {
		if strings.Contains(out, bad) {
			t.Errorf("chat's first screen says %q:\n%s", bad, out)
		}
	}
	press(m, "c")
	if f.called() != "" || !strings.Contains(m.status, "this card has no cache") || !strings.Contains(m.status, "(its failure scenario: w kills the Fan-out Worker)") {
		t.Errorf("c on a card without a cache: calls %q, status %q", f.called(), m.status)
	}
	press(m, "w")
	run(m, frameMsg(t0.Add(time.Second)))
	out = m.View()
	for _, want := range []string{"FAN-OUT WORKER DOWN", "queue depth 100 (was 2)", "lag 4.8s", "jobs 0/s (was 199/s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat's worker-down screen lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "DB ") && strings.Contains(out, "q/s (was") {
		t.Errorf("chat's worker-down banner proves it with database queries:\n%s", out)
	}
}

// A card with two caches proves its failure with the database's reads, and
// has no queue to chart.
func TestNewsFeedCharts(t *testing.T) {
	got := chartsFor(cardFake(t, "news-feed").card)
	names := map[int]bool{}
	for _, c := range got {
		names[int(c)] = true
	}
	m := sized(cardFake(t, "news-feed"), 120, 40)
	out := m.View()
	if !strings.Contains(out, "DB reads/s") || !strings.Contains(out, "hit ratio") || strings.Contains(out, "queue ") {
		t.Errorf("news-feed's charts:\n%s", out)
	}
}

// A slowed replica, a failing component, a killed worker: the word that
// says what is wrong is on the box whole, the figures give way.
func TestBoxesKeepTheKeyWord(t *testing.T) {
	f := newFake()
	f.edit(func(s *engine.Snapshot) {
		svc := statusOf(s, card.KindService)
		svc.State, svc.Note = engine.Degraded, "replica-1 slowed +100ms"
		db := statusOf(s, card.KindDatabase)
		db.State, db.Note = engine.Degraded, "failing 50% of calls"
		w := statusOf(s, card.KindWorker)
		w.State, w.Note, w.Killed = engine.Down, "killed", true
		lb := statusOf(s, card.KindLoadBalancer)
		lb.State, lb.Note, lb.Healthy = engine.Degraded, "2/3 replicas", 2
	})
	for _, size := range sizes {
		m := sized(f, size[0], size[1])
		out := m.View()
		for _, want := range []string{"r1 slowed +100ms", "failing 50%", "killed", "2/3"} {
			if !strings.Contains(out, want) {
				t.Errorf("%dx%d: the boxes lack %q:\n%s", size[0], size[1], want, out)
			}
		}
		for _, bad := range []string{"slowed +…", "failing …", "model …", "rep…"} {
			if strings.Contains(out, bad) {
				t.Errorf("%dx%d: the boxes cut %q:\n%s", size[0], size[1], bad, out)
			}
		}
	}
}

// On a projector the diagram grows: at 160x50 large boxes fill most of the
// width, at 200x60 with room between their rows.
func TestDiagramGrows(t *testing.T) {
	for _, tt := range []struct {
		w, h, minW int
		style      diagram.Style
	}{{80, 24, 40, diagram.Double}, {160, 50, 90, diagram.Large}, {200, 60, 100, diagram.Large}} {
		m := sized(newFake(), tt.w, tt.h)
		m.View()
		if m.layout.Style != tt.style || m.layout.W < tt.minW {
			t.Errorf("%dx%d: the diagram is %d wide in style %d; want %d wide at least, style %d", tt.w, tt.h, m.layout.W, m.layout.Style, tt.minW, tt.style)
		}
	}
}

// The switches are always on screen, each with its key; one away from its
// start is marked.
func TestSwitchesAlwaysOnScreen(t *testing.T) {
	f := newFake()
	m := sized(f, 80, 24)
	if out := m.View(); !strings.Contains(out, "b breaker on · y singleflight on · o shedding off · a LB round-robin") {
		t.Errorf("80x24 lacks the switches:\n%s", out)
	}
	f.edit(func(s *engine.Snapshot) { s.Switches.Shedding, s.Switches.Algorithm = true, "least-connections" })
	run(m, frameMsg(t0.Add(time.Second)))
	if out := m.View(); !strings.Contains(out, "shedding on*") || !strings.Contains(out, "LB least-connections*") {
		t.Errorf("switches away from their start are not marked:\n%s", out)
	}
}

// A worker's crash shows what follows it: the redelivery and the
// duplicate skipped, on its box.
func TestCrashShowsRedelivery(t *testing.T) {
	f := newFake()
	f.edit(func(s *engine.Snapshot) {
		w := statusOf(s, card.KindWorker)
		w.Redelivered, w.Duplicated, w.Crashes = 3, 3, 1
	})
	m := sized(f, 120, 40)
	if out := m.View(); !strings.Contains(out, "redelivered 3  dup 3") {
		t.Errorf("the worker's box does not show the redelivery:\n%s", out)
	}
	m = sized(f, 200, 60)
	if out := m.View(); !strings.Contains(out, "crashes 1") {
		t.Errorf("the large worker box does not count the crash:\n%s", out)
	}
}

// The legend key shows the legend beside the diagram, and again goes back;
// on a small screen it takes the screen, and any key goes back.
func TestLegendKey(t *testing.T) {
	m := sized(newFake(), 160, 50)
	press(m, "e")
	if out := m.View(); !strings.Contains(out, "legend  e: back") || !strings.Contains(out, "Background Worker") {
		t.Errorf("e at 160x50:\n%s", out)
	}
	press(m, "e")
	if m.panel != panelFigures {
		t.Errorf("e again shows panel %v", m.panel)
	}
	m = sized(newFake(), 80, 24)
	press(m, "e")
	if out := m.View(); !strings.Contains(out, "archex · legend") {
		t.Errorf("e at 80x24:\n%s", out)
	}
	press(m, "x")
	if m.showLegend {
		t.Errorf("a key did not leave the legend")
	}
}

// The event log stamps entries with the time the header shows, and a
// stepped request is one entry.
func TestEventLogOnTheDashboard(t *testing.T) {
	f := newFake()
	f.notices = []engine.Notice{{Seq: 1, At: t0.Add(-2 * time.Second), Component: "Cache", Text: "killed", Level: engine.LevelWarn}}
	m := newTestModel(f)
	press(m, "space")
	run(m, frameMsg(t0.Add(50*time.Millisecond)))
	if m.pn.log.Len() != 2 {
		t.Errorf("the log holds %d entries after a kill and one stepped request, want 2", m.pn.log.Len())
	}
	press(m, "v")
	press(m, "v")
	if out := m.View(); !strings.Contains(out, "00:40 ▲ Cache  killed") || !strings.Contains(out, "00:42 narrated: GET product 42") {
		t.Errorf("the log's stamp is not the header's elapsed time:\n%s", out)
	}
}

// The quiz tab's hint names the card's failure key, as the first screen's
// does.
func TestQuizTabNamesTheFailureKey(t *testing.T) {
	m := withQuiz(t, cardFake(t, "chat"))
	press(m, "tab")
	if out := m.View(); !strings.Contains(out, "w kills the Fan-out Worker there") {
		t.Errorf("the quiz tab's hint:\n%s", out)
	}
}

// withQuiz is a dashboard at 120x40 on f with the card's quiz as its tab.
func withQuiz(t *testing.T, f *fakeSystem) *Model {
	t.Helper()
	sess, err := quiz.NewSession(quiz.Config{Set: quiz.SetCard, Card: f.card, Seed: 1, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	qv := quizview.New(sess)
	m := New(f, Options{Now: func() time.Time { return t0 }, NoTick: true, Quiz: &qv})
	run(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	run(m, frameMsg(t0))
	return m
}
