package tui

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/engine"
	"github.com/archex/archex/lesson"
)

// demoModel is a dashboard on the fake at 120x40 with opts.
func demoModel(t *testing.T, f *fakeSystem, opts Options) *Model {
	t.Helper()
	opts.Now, opts.NoTick = func() time.Time { return t0 }, true
	m := New(f, opts)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	run(m, frameMsg(t0))
	return m
}

func parseLesson(t *testing.T, src string) *lesson.Lesson {
	t.Helper()
	l, err := lesson.Parse("t.lesson", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// frameAt sends the frame of s seconds after t0.
func frameAt(m *Model, s float64) {
	run(m, frameMsg(t0.Add(time.Duration(s*float64(time.Second)))))
}

func TestResetKey(t *testing.T) {
	f := newFake()
	m := newTestModel(f)
	press(m, "r")
	if got := f.called(); got != "reset" {
		t.Errorf("r asked the system %q, want reset", got)
	}
	if m.status != "reset to the start: nothing had changed" {
		t.Errorf("status %q", m.status)
	}
}

// The rate ladder leads back to the rate the dashboard started at.
func TestRateLadderReturnsToTheStart(t *testing.T) {
	for _, tc := range []struct {
		start float64
		keys  string
		want  string
	}{
		{20, "+", "rate 50"},
		{20, "-", "rate 10"},
		{20, "++--", "rate 50; rate 100; rate 50; rate 20"},
		{30, "-+", "rate 20; rate 30"},
		{30, "+-", "rate 50; rate 30"},
	} {
		f := newFake()
		s := *f.snap
		s.Requests.SetRate = tc.start
		f.snap = &s
		m := newTestModel(f)
		for _, k := range tc.keys {
			press(m, string(k))
			// The fake does not change its rate: the snapshot follows
			// the last rate asked for.
			calls := strings.Split(f.called(), "; ")
			rate, err := strconv.ParseFloat(strings.TrimPrefix(calls[len(calls)-1], "rate "), 64)
			if err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			s := *f.snap
			s.Requests.SetRate = rate
			f.snap = &s
			f.mu.Unlock()
			run(m, frameMsg(t0))
		}
		if got := f.called(); got != tc.want {
			t.Errorf("start %g, keys %s: %q, want %q", tc.start, tc.keys, got, tc.want)
		}
	}
}

// A lesson's cues happen at their times, in their order, its caption on
// screen; the end of a looping lesson resets the system and starts again.
func TestLessonPlaysOnTheFrames(t *testing.T) {
	f := newFake()
	l := parseLesson(t, "title Cache lesson\n0s caption Watch the hit ratio.\n1s kill cache\n1s step\n1s caption The cache is down.\n2s step\n3s end\n")
	m := demoModel(t, f, Options{Lesson: l, Loop: true})
	if !strings.Contains(m.View(), "▌ Watch the hit ratio.") || !strings.Contains(m.View(), "lesson 00:00/00:03") {
		t.Errorf("the first caption is not on screen:\n%s", m.View())
	}
	frameAt(m, 0.5)
	if got := f.called(); got != "" {
		t.Errorf("before 1 s the system was asked %q", got)
	}
	frameAt(m, 1.05)
	if got := f.called(); got != "apply kill cache; send 42" {
		t.Errorf("at 1 s the system was asked %q, want the kill, then the step", got)
	}
	if v := m.View(); !strings.Contains(v, "▌ The cache is down.") || !strings.Contains(m.status, "lesson 00:01: kill cache") {
		t.Errorf("at 1 s: status %q, screen\n%s", m.status, v)
	}
	frameAt(m, 2.1)
	frameAt(m, 3.1)
	frameAt(m, 4.2)
	// Each pass reads the same product: step mode starts again too.
	if got := f.called(); got != "apply kill cache; send 42; send 42; reset; apply kill cache; send 42" {
		t.Errorf("after the loop's end the system was asked %q", got)
	}
	if v := m.View(); !strings.Contains(v, "pass 2") {
		t.Errorf("the second pass is not on screen:\n%s", v)
	}
}

// A pause for the presenter waits for n; r starts the lesson again.
func TestLessonPauseAndRestart(t *testing.T) {
	f := newFake()
	l := parseLesson(t, "0s pause\n0s kill cache\n2s end\n")
	m := demoModel(t, f, Options{Lesson: l})
	frameAt(m, 5)
	if got := f.called(); got != "" {
		t.Errorf("the pause did not wait: %q", got)
	}
	if v := m.View(); !strings.Contains(v, "⏸ n: go on") {
		t.Errorf("the pause is not on screen:\n%s", v)
	}
	if m.demo.playing(m.now) {
		t.Error("a lesson waiting for a key asks for frames")
	}
	press(m, "n")
	if got := f.called(); got != "apply kill cache" {
		t.Errorf("after n: %q", got)
	}
	frameAt(m, 8)
	if !m.demo.player.State(m.now).Done || !strings.Contains(m.status, "lesson over") {
		t.Errorf("the lesson did not end: %q", m.status)
	}
	press(m, "r")
	frameAt(m, 8.1)
	if got := f.called(); got != "apply kill cache; reset" {
		t.Errorf("after r: %q", got)
	}
	press(m, "n")
	if got := f.called(); got != "apply kill cache; reset; apply kill cache" {
		t.Errorf("after r and n: %q", got)
	}
}

// The --fault timeline runs on the system's clock; r leaves it alone.
func TestFaultTimeline(t *testing.T) {
	f := newFake()
	var faults []engine.Fault
	for _, s := range []string{"kill cache @2s", "revive cache @4s"} {
		fault, err := engine.ParseFault(s)
		if err != nil {
			t.Fatal(err)
		}
		faults = append(faults, fault)
	}
	m := demoModel(t, f, Options{Faults: faults})
	if v := m.View(); strings.Contains(v, "lesson") {
		t.Errorf("a --fault timeline shows a lesson line:\n%s", v)
	}
	frameAt(m, 2)
	press(m, "r")
	frameAt(m, 4)
	if got := f.called(); got != "apply kill cache @2s; reset; apply revive cache @4s" {
		t.Errorf("the system was asked %q", got)
	}
	if m.status != "--fault 00:04: revive cache @4s" {
		t.Errorf("status %q", m.status)
	}
	if help := m.helpView(); strings.Contains(help, "go on after a pause") {
		t.Error("the help offers n without a lesson that waits for it")
	}
}

// S saves the screen as it is: the text is the screen's.
func TestSaveScreenKey(t *testing.T) {
	dir := t.TempDir()
	f := newFake()
	m := demoModel(t, f, Options{Shots: dir})
	want := m.View()
	press(m, "S")
	txt := filepath.Join(dir, "archex-001.txt")
	saved := "screen saved: " + txt + " and " + filepath.Join(dir, "archex-001.svg")
	if m.status != saved {
		t.Fatalf("status %q", m.status)
	}
	// The name stays on screen a few seconds even while a narration has
	// the status line, and goes to the event log.
	run(m, stepMsg{trace: coldTrace(f.card)})
	if v := m.View(); !strings.Contains(v, "✔ "+saved[:40]) {
		t.Errorf("the screenshot's name is not on screen during a narration:\n%s", v)
	}
	frameAt(m, 6)
	if v := m.View(); strings.Contains(v, "✔ screen saved") {
		t.Errorf("the screenshot's name is still on screen after 6 s:\n%s", v)
	}
	got, err := os.ReadFile(txt)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(ansi.Strip(want), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	if string(got) != strings.Join(lines, "\n")+"\n" {
		t.Errorf("the saved text differs from the screen:\n%s\nwant\n%s", got, strings.Join(lines, "\n"))
	}
	press(m, "S")
	if !strings.Contains(m.status, "archex-002.svg") {
		t.Errorf("the second screenshot: %q", m.status)
	}
	m.demo.shots = filepath.Join(dir, "no-such-folder")
	press(m, "S")
	if !strings.HasPrefix(m.status, "save the screen: ") || !strings.Contains(m.View(), "✔ save the screen: ") {
		t.Errorf("saving into a missing folder: %q", m.status)
	}
}
