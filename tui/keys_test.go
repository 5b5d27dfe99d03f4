package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/archex/archex/engine"
	"github.com/archex/archex/tui/eventlog"
)

func newTestModel(f *fakeSystem) *Model {
	m := New(f, Options{Now: func() time.Time { return t0 }, NoTick: true})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(frameMsg(t0))
	return m
}

// run feeds msg to the model and carries out the commands it returns, as
// Bubble Tea would (frame ticks excepted). It reports whether the program
// would quit.
func run(m *Model, msg tea.Msg) (quit bool) {
	queue := []tea.Msg{msg}
	for len(queue) > 0 {
		msg, queue = queue[0], queue[1:]
		if _, ok := msg.(tea.QuitMsg); ok {
			return true
		}
		if batch, ok := msg.(tea.BatchMsg); ok {
			for _, c := range batch {
				if c != nil {
					queue = append(queue, c())
				}
			}
			continue
		}
		_, cmd := m.Update(msg)
		if cmd != nil {
			queue = append(queue, cmd())
		}
	}
	return false
}

func press(m *Model, keys string) bool {
	var msg tea.KeyMsg
	switch keys {
	case "space":
		msg = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	case "enter":
		msg = tea.KeyMsg{Type: tea.KeyEnter}
	case "up":
		msg = tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		msg = tea.KeyMsg{Type: tea.KeyDown}
	case "tab":
		msg = tea.KeyMsg{Type: tea.KeyTab}
	case "left":
		msg = tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		msg = tea.KeyMsg{Type: tea.KeyRight}
	case "esc":
		msg = tea.KeyMsg{Type: tea.KeyEsc}
	case "ctrl+c":
		msg = tea.KeyMsg{Type: tea.KeyCtrlC}
	default:
		msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(keys)}
	}
	return run(m, msg)
}

// Every key that changes the system asks it for exactly that change.
func TestChaosAndTrafficKeys(t *testing.T) {
	cases := []struct {
		keys []string
		want string
	}{
		{[]string{"c"}, "kill cache"},
		{[]string{"d"}, "kill database"},
		{[]string{"m"}, "kill queue"},
		{[]string{"w"}, "kill worker"},
		{[]string{"g"}, "kill gateway"},
		{[]string{"l"}, "kill loadbalancer"},
		{[]string{"2"}, "kill service-2"},
		{[]string{"x"}, "crash worker"},
		{[]string{"b"}, "breaker false"},
		{[]string{"y"}, "singleflight false"},
		{[]string{"o"}, "shedding true"},
		{[]string{"a"}, "algorithm least-connections"},
		{[]string{"p"}, "paused true"},
		{[]string{"+"}, "rate 400"},
		{[]string{"-"}, "rate 100"},
		{[]string{"t"}, "pattern ramp"},
		{[]string{"space"}, "send 42"},
		// The selection starts on the first component (User); down twice
		// selects the API Gateway.
		{[]string{"down", "down", "enter"}, "kill gateway"},
		{[]string{"down", "down", "down", "down", "s"}, "slow cache 20ms"},
		{[]string{"down", "down", "down", "down", "down", "f"}, "fail database 0.1"},
		{[]string{"up", "h"}, "heal worker"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.keys, "+"), func(t *testing.T) {
			f := newFake()
			m := newTestModel(f)
			for _, k := range tc.keys {
				press(m, k)
			}
			if got := f.called(); got != tc.want {
				t.Errorf("the system was asked %q, want %q", got, tc.want)
			}
		})
	}
}

// A second press of a kill key revives what the first killed.
func TestKillKeyToggles(t *testing.T) {
	f := newFake()
	m := newTestModel(f)
	press(m, "c")
	run(m, frameMsg(t0.Add(time.Second)))
	press(m, "c")
	if got := f.called(); got != "kill cache; revive cache" {
		t.Errorf("got %q", got)
	}
}

func TestDisplayKeys(t *testing.T) {
	f := newFake()
	m := newTestModel(f)
	press(m, ">")
	if m.speed != 2 {
		t.Errorf("speed %g after >, want 2", m.speed)
	}
	press(m, "<")
	press(m, "<")
	if m.speed != 0.5 {
		t.Errorf("speed %g after < <, want 0.5", m.speed)
	}
	for range 10 {
		press(m, "<")
	}
	if m.speed != 0.25 {
		t.Errorf("speed %g, want it to stop at 0.25", m.speed)
	}
	press(m, "v")
	if m.panel != panelTrace {
		t.Errorf("panel %v after v, want the trace inspector", m.panel)
	}
	press(m, "T")
	if m.styles.Palette.Name != "high contrast" {
		t.Errorf("theme %q after T", m.styles.Palette.Name)
	}
	press(m, "?")
	if !m.showHelp || !strings.Contains(m.View(), "crash a worker mid-job") {
		t.Errorf("? should show every key")
	}
	press(m, "z")
	if m.showHelp {
		t.Errorf("any key should leave the help")
	}
	if f.called() != "" {
		t.Errorf("display keys changed the system: %s", f.called())
	}
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		m := newTestModel(newFake())
		if !press(m, k) {
			t.Errorf("%s did not quit", k)
		}
	}
}

// A still, paused dashboard stops asking for frames.
func TestNoFramesWhenStill(t *testing.T) {
	f := newFake()
	f.snap.Requests.Paused = true
	f.snap.Requests.InFlight = 0
	f.snap.Events.Queued = 0
	m := New(f, Options{Now: func() time.Time { return t0 }})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	_, cmd := m.Update(frameMsg(t0))
	if cmd != nil {
		t.Errorf("a paused, still dashboard scheduled another frame")
	}
	f.snap.Requests.Paused = false
	_, cmd = m.Update(frameMsg(t0.Add(time.Second)))
	if cmd == nil {
		t.Errorf("a dashboard with traffic stopped its frames")
	}
	_ = engine.Up
}

// The quiz tab: tab shows it, its keys go to it, finishing it comes back to
// the dashboard with the score.
func TestQuizTab(t *testing.T) {
	f := newFake()
	m := withQuiz(t, f)
	press(m, "tab")
	if !strings.Contains(m.View(), "Why is a load balancer used in this system?") {
		t.Fatalf("tab did not show the quiz:\n%s", m.View())
	}
	press(m, "c") // answers the quiz; it must not kill the cache
	if f.called() != "" {
		t.Errorf("a key on the quiz tab reached the system: %s", f.called())
	}
	press(m, "tab")
	if strings.Contains(m.View(), "Why is a load balancer used") {
		t.Errorf("tab did not go back to the dashboard")
	}
	press(m, "c")
	if f.called() != "kill cache" {
		t.Errorf("back on the dashboard, c asked %q", f.called())
	}
}

// pgup and pgdn scroll the panel shown: the event log stops following its
// tail when scrolled up, and follows again at the bottom.
func TestScrollKeys(t *testing.T) {
	m := newTestModel(newFake())
	for i := range 200 {
		m.addLog(eventlog.Entry{At: t0, Component: "Cache", Text: fmt.Sprintf("entry %d", i)})
	}
	press(m, "v")
	press(m, "v") // the event log
	m.View()
	if !m.pn.log.Following() {
		t.Fatal("the log does not follow its tail to begin with")
	}
	run(m, tea.KeyMsg{Type: tea.KeyPgUp})
	if m.pn.log.Following() {
		t.Errorf("pgup did not scroll the log up")
	}
	for range 100 {
		run(m, tea.KeyMsg{Type: tea.KeyPgDown})
	}
	if !m.pn.log.Following() {
		t.Errorf("pgdn to the bottom did not follow the tail again")
	}
}

// Keys that arrive in one read (a fast typist, a slow link over SSH) are
// each obeyed.
func TestKeysThatArriveTogether(t *testing.T) {
	f := newFake()
	m := newTestModel(f)
	run(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("cv>")})
	if got := f.called(); got != "kill cache" || m.panel != panelTrace || m.speed != 2 {
		t.Errorf("\"cv>\" in one message: calls %q, panel %v, speed %g", got, m.panel, m.speed)
	}
}
