package learn

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

	"github.com/archex/archex/challenge"
	"github.com/archex/archex/engine"
)

// teatest leaves goroutines of its own behind, so no goleak here: the
// systems these screens run on are checked for leaks in package challenge.
func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// scripted is an attempt on a real system that is never started, whose
// phase, clock and verdict are the test's: the screens are deterministic.
type scripted struct {
	*challenge.Session
	phase   challenge.Phase
	left    time.Duration
	elapsed time.Duration
	verdict challenge.Verdict
	snap    *engine.Snapshot
}

func (s *scripted) Phase(time.Time) challenge.Phase               { return s.phase }
func (s *scripted) Clock(time.Time) (elapsed, left time.Duration) { return s.elapsed, s.left }
func (s *scripted) Verdict() challenge.Verdict                    { return s.verdict }
func (s *scripted) Go()                                           { s.phase = challenge.Warmup }
func (s *scripted) Snapshot() *engine.Snapshot                    { return s.snap }

// script starts the challenge's system, waits for its faults to show, and
// freezes what the dashboard sees.
func script(t *testing.T, c *challenge.Challenge, phase challenge.Phase, verdict challenge.Verdict) *scripted {
	t.Helper()
	s, err := challenge.New(c, challenge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	time.Sleep(250 * time.Millisecond) // two refreshes: the faults are in the snapshot
	snap := *s.Engine().Snapshot()
	snap.Last, snap.History = engine.Second{Down: []string{}}, nil
	return &scripted{Session: s, phase: phase, snap: &snap, verdict: verdict}
}

// readings are a verdict measured on made-up seconds.
func readings(t *testing.T, c *challenge.Challenge, complete bool, mod func(*engine.Second)) challenge.Verdict {
	t.Helper()
	var secs []engine.Second
	for i := range 4 {
		s := engine.Second{T: int(c.Goal.Warmup/time.Second) + i, OK: 500, Latency: engine.LatenciesOf(20, 25, 30, 41)}
		mod(&s)
		secs = append(secs, s)
	}
	return c.Goal.Evaluate(secs, challenge.NoisyKey, complete)
}

func shipped(t *testing.T, id string) *challenge.Challenge {
	t.Helper()
	for _, c := range challenge.Shipped().Challenges {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no challenge %s", id)
	return nil
}

// run drives the app through teatest and returns its last screen.
func run(t *testing.T, w, h int, store *challenge.Store, start Starter, open int, drive func(tm *teatest.TestModel)) []byte {
	t.Helper()
	app := New(challenge.Shipped(), store, Options{Start: start, Open: open, Now: func() time.Time { return t0 }, Frozen: true})
	tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(w, h))
	if drive != nil {
		drive(tm)
	}
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*App)
	defer final.Close()
	return []byte(final.View())
}

func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(text)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func press(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

func contains(t *testing.T, out []byte, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !bytes.Contains(out, []byte(w)) {
			t.Errorf("the screen lacks %q:\n%s", w, out)
		}
	}
}

func donePast(t *testing.T, n int) *challenge.Store {
	t.Helper()
	store := challenge.MemoryStore()
	p := challenge.Shipped()
	for _, c := range p.Challenges[:n] {
		if err := store.Attempt(p, c, true, 0, t0); err != nil {
			t.Fatal(err)
		}
	}
	return store
}

// The path: done, next, locked, and the chosen challenge told below.
func TestGoldenPath(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		out := run(t, size[0], size[1], donePast(t, 2), nil, 0, func(tm *teatest.TestModel) {
			waitFor(t, tm, "One by one")
		})
		contains(t, out, "2 of 12 done", "✓  1", "▶  3  One by one", "next", "locked", "levers: scale service · budget 2 credits")
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) { teatest.RequireEqualOutput(t, out) })
	}
}

// A locked challenge does not open.
func TestLockedChallengeDoesNotOpen(t *testing.T) {
	out := run(t, 80, 24, donePast(t, 2), nil, 0, func(tm *teatest.TestModel) {
		tm.Send(press("down"))
		tm.Send(press("enter"))
		waitFor(t, tm, "is locked")
	})
	contains(t, out, "challenge 4 is locked: pass challenge 3 first")
}

// The briefing comes first; enter starts the clock.
func TestBriefingThenStart(t *testing.T) {
	c := shipped(t, "bottleneck")
	var at *scripted
	start := func(*challenge.Challenge) (Attempt, error) {
		at = script(t, c, challenge.Ready, challenge.Verdict{})
		return at, nil
	}
	out := run(t, 80, 24, donePast(t, 3), start, 4, func(tm *teatest.TestModel) {
		waitFor(t, tm, "enter: start the clock")
		tm.Send(press("enter"))
		waitFor(t, tm, "warming up")
	})
	contains(t, out, "warming up", "budget: 0 of 4 credits spent")
	if at.phase != challenge.Warmup {
		t.Error("enter did not start the attempt")
	}
}

// A challenge mid-window: the dashboard of the system in the situation,
// the goal panel with each condition's live value, the budget, the time
// left, a hint.
func TestGoldenChallengeMidWindow(t *testing.T) {
	c := shipped(t, "bottleneck")
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		start := func(*challenge.Challenge) (Attempt, error) {
			at := script(t, c, challenge.Measuring, readings(t, c, false, func(s *engine.Second) {
				s.Latency = engine.LatenciesOf(20, 60, 180, 420)
			}))
			at.elapsed, at.left = 11*time.Second, 9*time.Second
			return at, at.Turn(mustLever(t, "pool 5"))
		}
		out := run(t, size[0], size[1], donePast(t, 3), start, 4, func(tm *teatest.TestModel) {
			waitFor(t, tm, "esc: the path")
			tm.Send(press("tab"))
			tm.Send(press("h"))
			waitFor(t, tm, "hint 1 of 3")
		})
		contains(t, out, "measuring: 9 s left of 15 s", "✓ failed = 0: 0", "✗ p99 < 150ms", "budget: 2 of 4 credits spent", "hint 1 of 3:", "DOWN")
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) { teatest.RequireEqualOutput(t, out) })
	}
}

// Passed: the verdict, the explanation, the way on.
func TestGoldenPassed(t *testing.T) {
	c := shipped(t, "bottleneck")
	start := func(*challenge.Challenge) (Attempt, error) {
		return script(t, c, challenge.Finished, readings(t, c, true, func(*engine.Second) {})), nil
	}
	store := donePast(t, 3)
	out := run(t, 80, 24, store, start, 4, func(tm *teatest.TestModel) {
		waitFor(t, tm, "esc: the path")
		tm.Send(press("tab"))
		waitFor(t, tm, "PASSED")
	})
	contains(t, out, "✓ PASSED", "✓ p99 < 150ms: 41", "n: next challenge")
	teatest.RequireEqualOutput(t, out)
}

// Failed: the verdict and what to do.
func TestGoldenFailed(t *testing.T) {
	c := shipped(t, "bottleneck")
	start := func(*challenge.Challenge) (Attempt, error) {
		return script(t, c, challenge.Finished, readings(t, c, true, func(s *engine.Second) { s.Failed = 3 })), nil
	}
	out := run(t, 80, 24, donePast(t, 3), start, 4, func(tm *teatest.TestModel) {
		waitFor(t, tm, "esc: the path")
		tm.Send(press("tab"))
		waitFor(t, tm, "FAILED")
	})
	contains(t, out, "✗ FAILED", "✗ failed = 0: 12", "r: try again")
	teatest.RequireEqualOutput(t, out)
}

func mustLever(t *testing.T, s string) engine.Fault {
	t.Helper()
	f, err := engine.ParseLever(s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
