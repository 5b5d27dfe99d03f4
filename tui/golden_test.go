package tui

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
	"github.com/archex/archex/engine"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// screen drives a dashboard on the fake system through teatest at a fixed
// size, then returns the last screen.
func screen(t *testing.T, w, h int, drive func(tm *teatest.TestModel, f *fakeSystem)) []byte {
	t.Helper()
	return screenOf(t, newFake(), w, h, drive)
}

func screenOf(t *testing.T, f *fakeSystem, w, h int, drive func(tm *teatest.TestModel, f *fakeSystem)) []byte {
	t.Helper()
	m := New(f, Options{Now: func() time.Time { return t0 }, NoTick: true})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	tm.Send(frameMsg(t0))
	if drive != nil {
		drive(tm, f)
	}
	waitFor(t, tm, "")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	return []byte(final.View())
}

// waitFor waits until the program has drawn text (or anything at all).
func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte(text))
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func keyMsg(s string) tea.KeyMsg {
	if s == " " {
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// sizes are the screens every golden is drawn at: a laptop's terminal, a
// large one, a projector's.
var sizes = [][2]int{{80, 24}, {120, 40}, {160, 50}}

// goldenAt draws a screen at each size, checks that it shows what a user
// needs, and compares it with its golden.
func goldenAt(t *testing.T, newSys func() *fakeSystem, want []string, drive func(tm *teatest.TestModel, f *fakeSystem)) {
	t.Helper()
	for _, size := range sizes {
		t.Run(sizeName(size), func(t *testing.T) {
			out := screenOf(t, newSys(), size[0], size[1], drive)
			for _, w := range want {
				if !bytes.Contains(out, []byte(w)) {
					t.Errorf("%s: the screen lacks %q:\n%s", sizeName(size), w, out)
				}
			}
			teatest.RequireEqualOutput(t, out)
		})
	}
}

func TestGoldenFirstScreen(t *testing.T) {
	goldenAt(t, newFake, []string{"space", "c kills the Cache", "Load Balancer", "Cache", "Background Worker",
		"breaker on", "singleflight on", "shedding off", "round-robin", "? all keys", "errors/s"}, nil)
}

func TestGoldenCacheKilled(t *testing.T) {
	goldenAt(t, newFake, []string{"CACHE DOWN", "DOWN", "Mitigation", "hit ratio 0% (was 90%)", "DB reads 181/s (was 17/s)",
		"failed requests since: 0", "╳"}, func(tm *teatest.TestModel, f *fakeSystem) {
		tm.Send(keyMsg("c"))
		waitFor(t, tm, "Cache killed")
		tm.Send(frameMsg(t0.Add(time.Second)))
		waitFor(t, tm, "DOWN")
	})
}

// The chat card's failure is its worker: the banner proves it with the
// queue's depth and lag, the hints and the keys name the worker, and no
// chart speaks of a cache it does not have.
func TestGoldenChatWorkerKilled(t *testing.T) {
	chat := func() *fakeSystem {
		c, err := cards.Load("chat.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return newFakeCard(c)
	}
	goldenAt(t, chat, []string{"FAN-OUT WORKER DOWN", "queue depth 100 (was 2)", "lag 4.8s", "jobs 0/s", "w kill Fan-out Worker"},
		func(tm *teatest.TestModel, f *fakeSystem) {
			tm.Send(keyMsg("w"))
			waitFor(t, tm, "Fan-out Worker killed")
			tm.Send(frameMsg(t0.Add(time.Second)))
			waitFor(t, tm, "FAN-OUT WORKER DOWN")
		})
}

func TestGoldenLegend(t *testing.T) {
	goldenAt(t, newFake, []string{"legend", "DEGRADED", "◉", "a call and its reply"}, func(tm *teatest.TestModel, f *fakeSystem) {
		tm.Send(keyMsg("e"))
		waitFor(t, tm, "Requests moving")
	})
}

// Every key is on the help screen, at every size (pgdn shows the rest
// where it does not fit).
func TestGoldenHelp(t *testing.T) {
	goldenAt(t, newFake, []string{"archex · keys", "kill/revive the cache", "least-connections"},
		func(tm *teatest.TestModel, f *fakeSystem) {
			tm.Send(keyMsg("?"))
			waitFor(t, tm, "archex · keys")
		})
}

// At 200x60 the diagram grows: large boxes with three lines of figures,
// room between them.
func TestGoldenGrown(t *testing.T) {
	out := screen(t, 200, 60, nil)
	for _, want := range []string{"r1 ●  r2 ●  r3 ●", "keys 230  breaker closed", "consumers 2"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the grown diagram lacks %q", want)
		}
	}
	teatest.RequireEqualOutput(t, out)
}

// A card whose failure is the queue: its banner and box show the events
// waiting in the outbox and the spool, then the relay catching up.
func TestGoldenQueueKilled(t *testing.T) {
	c := *cards.Default()
	c.Failure = &card.Failure{Component: "Message Queue", Impact: "Events wait in the service instead of reaching the worker",
		Mitigation: "The outbox and the spool keep them; the relay publishes them when the queue is back"}
	var caughtUp []byte
	out := screenOf(t, newFakeCard(&c), 120, 40, func(tm *teatest.TestModel, f *fakeSystem) {
		tm.Send(keyMsg("m"))
		waitFor(t, tm, "Message Queue killed")
		tm.Send(frameMsg(t0.Add(time.Second)))
		waitFor(t, tm, "MESSAGE QUEUE DOWN")
	})
	for _, want := range []string{"MESSAGE QUEUE DOWN", "events waiting 1248 (outbox 38, spool 1210), shed 0", "+1248"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("queue-down screen lacks %q", want)
		}
	}
	teatest.RequireEqualOutput(t, out)
	// A box with room for a second line says where they wait.
	large := screenOf(t, newFakeCard(&c), 160, 50, func(tm *teatest.TestModel, f *fakeSystem) {
		tm.Send(keyMsg("m"))
		waitFor(t, tm, "Message Queue killed")
		tm.Send(frameMsg(t0.Add(time.Second)))
		waitFor(t, tm, "outbox 38  spool 1210")
	})
	if !bytes.Contains(large, []byte("outbox 38  spool 1210")) {
		t.Errorf("the large queue box does not say where the events wait:\n%s", large)
	}
	caughtUp = screenOf(t, newFakeCard(&c), 120, 40, func(tm *teatest.TestModel, f *fakeSystem) {
		tm.Send(keyMsg("m"))
		waitFor(t, tm, "Message Queue killed")
		tm.Send(frameMsg(t0.Add(time.Second)))
		waitFor(t, tm, "MESSAGE QUEUE DOWN")
		tm.Send(keyMsg("m"))
		waitFor(t, tm, "Message Queue revived")
		tm.Send(frameMsg(t0.Add(2 * time.Second)))
		tm.Send(frameMsg(t0.Add(3 * time.Second)))
		waitFor(t, tm, "CATCHING UP")
	})
	if !bytes.Contains(caughtUp, []byte("the relay publishes what waited: 420 events left (outbox 0, spool 420)")) {
		t.Errorf("after the revive the banner does not follow the drain:\n%s", caughtUp)
	}
}

func sizeName(s [2]int) string { return fmt.Sprintf("%dx%d", s[0], s[1]) }

// Step mode mid-flow, hop by hop: the database's query (hop 6), its
// packet at the end of its heavy-drawn edge, the sentence wrapped in the
// narration area and the hint to pause the traffic.
func TestGoldenStepMidFlow(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {160, 50}} {
		out := screen(t, size[0], size[1], func(tm *teatest.TestModel, f *fakeSystem) {
			tm.Send(keyMsg(" "))
			waitFor(t, tm, "1/14 · playing")
			for range 5 {
				tm.Send(tea.KeyMsg{Type: tea.KeyRight})
			}
			waitFor(t, tm, "hop 6/14 · paused")
			tm.Send(frameMsg(t0.Add(5 * time.Second))) // its packet has arrived
		})
		for _, want := range []string{"hop 6/14 · paused", "SELECT name,", "Traffic is running"} {
			if !bytes.Contains(out, []byte(want)) {
				t.Errorf("%dx%d: the step screen lacks %q", size[0], size[1], want)
			}
		}
		t.Run(sizeName(size), func(t *testing.T) { teatest.RequireEqualOutput(t, out) })
	}
}

// The background branch comes after the answer: hop 13 of the telling is
// the queue's delivery, after "User gets 200 OK", marked as what the user
// does not wait for.
func TestGoldenStepBackground(t *testing.T) {
	out := screen(t, 120, 40, func(tm *teatest.TestModel, f *fakeSystem) {
		tm.Send(keyMsg(" "))
		waitFor(t, tm, "1/14 · playing")
		for range 12 {
			tm.Send(tea.KeyMsg{Type: tea.KeyRight})
		}
		waitFor(t, tm, "hop 13/14 · background · paused")
		tm.Send(frameMsg(t0.Add(5 * time.Second)))
	})
	if !bytes.Contains(out, []byte("In the background,")) {
		t.Errorf("hop 13 is not told as the background:\n%s", out)
	}
	teatest.RequireEqualOutput(t, out)
}

func TestGoldenTraceInspector(t *testing.T) {
	out := screen(t, 120, 40, func(tm *teatest.TestModel, f *fakeSystem) {
		tm.Send(keyMsg(" "))
		waitFor(t, tm, "1/14 · playing")
		tm.Send(keyMsg("v"))
		waitFor(t, tm, "trace inspector")
	})
	teatest.RequireEqualOutput(t, out)
}

func TestGoldenTooSmall(t *testing.T) {
	out := screen(t, 60, 20, nil)
	if !bytes.Contains(out, []byte("at least 80×24")) {
		t.Errorf("too-small screen: %s", out)
	}
	teatest.RequireEqualOutput(t, out)
}

// Every card archex ships draws legibly at both sizes: all its components
// on screen.
func TestGoldenEveryCard(t *testing.T) {
	for _, name := range cards.Names() {
		c, err := cards.Load(name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		for _, size := range [][2]int{{80, 24}, {160, 50}} {
			t.Run(fmt.Sprintf("%s/%dx%d", name, size[0], size[1]), func(t *testing.T) {
				out := screenOf(t, newFakeCard(c), size[0], size[1], nil)
				for _, comp := range c.Components {
					if !bytes.Contains(out, []byte(comp.Name)) {
						t.Errorf("%s is not on screen", comp.Name)
					}
				}
				teatest.RequireEqualOutput(t, out)
			})
		}
	}
}

// Overload handled: shedding on with the cache down, the service's box
// counts what it sheds, the load balancer's the replica it ejected, the
// header the switch.
func TestGoldenShedding(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		f := newFake()
		f.setState("cache", engine.Down)
		f.overload()
		out := screenOf(t, f, size[0], size[1], nil)
		for _, want := range []string{"shedding on", "shed 612/s", "ejected"} {
			if !bytes.Contains(out, []byte(want)) {
				t.Errorf("%dx%d: the shedding screen lacks %q", size[0], size[1], want)
			}
		}
		t.Run(sizeName(size), func(t *testing.T) { teatest.RequireEqualOutput(t, out) })
	}
}
