package quizview

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/archex/archex/card"
	"github.com/archex/archex/quiz"
)

// experimentSession asks two predictions, p1 and p2.
func experimentSession(t *testing.T) *quiz.Session {
	t.Helper()
	var qs []card.Question
	for i := 1; i <= 2; i++ {
		q := card.Question{ID: fmt.Sprintf("p%d", i), Topic: "cache", Difficulty: "medium", Prompt: fmt.Sprintf("Prediction %d: what happens?", i)}
		for _, o := range []string{"It rises", "It falls"} {
			q.Options = append(q.Options, card.Option{Text: o, Explanation: "Because " + o + "."})
		}
		qs = append(qs, q)
	}
	s, err := quiz.NewSession(quiz.Config{Set: quiz.SetExperiments, Experiments: qs, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// step feeds msg to the app and returns the app and the messages of the
// commands it started, run to the end (batches flattened).
func step(t *testing.T, a App, msg tea.Msg) (App, []tea.Msg) {
	t.Helper()
	next, cmd := a.Update(msg)
	return next.(App), run(cmd)
}

func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if batch, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range batch {
			out = append(out, run(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// fakeTrial is a trial whose baseline and measurement are given; Measure
// waits for ctx when block is set.
type fakeTrial struct {
	measured float64
	err      error
	block    bool
	closed   *int
}

func (f *fakeTrial) Problem() quiz.Problem {
	return quiz.Problem{Prompt: "Now 27 reads/s reach the database, at 84 % cache hits. How many after the kill?", Answer: math.NaN(), Unit: "reads/s", Tolerance: 0.4, Measured: true}
}

func (f *fakeTrial) Measure(ctx context.Context, progress func(string)) (quiz.Problem, string, error) {
	if f.block {
		<-ctx.Done()
		return quiz.Problem{}, "", ctx.Err()
	}
	if f.err != nil {
		return quiz.Problem{}, "", f.err
	}
	progress("killing the cache...")
	p := f.Problem()
	p.Answer, p.Method = f.measured, []string{"27 / (1 - 0.84) = 169 expected; measured 142: singleflight merged misses."}
	return p, "database reads went from 27/s to 142/s", nil
}

func (f *fakeTrial) Close() { *f.closed++ }

// drive feeds msgs to the app, and the messages of the commands they start,
// until none is left; it returns the app.
func drive(t *testing.T, a App, msgs ...tea.Msg) App {
	t.Helper()
	for len(msgs) > 0 {
		var more []tea.Msg
		a, more = step(t, a, msgs[0])
		msgs = append(msgs[1:], more...)
	}
	return a
}

func typeNumber(t *testing.T, a App, n string) App {
	t.Helper()
	for _, r := range n {
		a = drive(t, a, keyMsg(string(r)))
	}
	return drive(t, a, keyMsg("enter"))
}

func TestAppRunsTheExperiment(t *testing.T) {
	s := experimentSession(t)
	a := NewApp(New(s))
	closed := 0
	var started []string
	a.Experimenter = func(ctx context.Context, it quiz.Item, progress func(string)) (quiz.Trial, error) {
		started = append(started, it.Question.ID)
		progress("measuring 3 s of the baseline...")
		return &fakeTrial{measured: 142, closed: &closed}, nil
	}
	a, _ = step(t, a, tea.WindowSizeMsg{Width: 90, Height: 24})
	it, _ := s.Current()
	if v := a.View(); !strings.Contains(v, it.Question.Prompt) || !strings.Contains(v, "enter: start the experiment") || strings.Contains(v, "A) It rises") {
		t.Errorf("before the experiment starts:\n%s", v)
	}
	// enter starts it; the app measures the baseline and its question
	// comes with it.
	a, msgs := step(t, a, keyMsg("enter"))
	if len(msgs) != 1 {
		t.Fatalf("starting sent %v", msgs)
	}
	a, msgs = step(t, a, msgs[0])
	var done, progress tea.Msg
	for _, m := range msgs {
		switch m.(type) {
		case baselineDoneMsg:
			done = m
		case experimentProgressMsg:
			progress = m
		}
	}
	if done == nil || progress == nil {
		t.Fatalf("the experiment's commands sent %#v", msgs)
	}
	a, _ = step(t, a, progress)
	if v := a.View(); !strings.Contains(v, "⋯ measuring 3 s of the baseline...") || !strings.Contains(v, "Measuring the live system's steady baseline") {
		t.Errorf("while measuring the baseline:\n%s", v)
	}
	a, _ = step(t, a, done)
	if v := a.View(); !strings.Contains(v, "Now 27 reads/s reach the database") || !strings.Contains(v, "a prediction within 40 % of the measured one counts") {
		t.Errorf("the question with its baseline:\n%s", v)
	}
	// The prediction is typed; the app measures, and the quiz grades it.
	a = typeNumber(t, a, "169")
	if v := a.View(); !strings.Contains(v, "✓ Correct: measured 142 reads/s") || !strings.Contains(v, "you predicted 169") ||
		!strings.Contains(v, "Measured: database reads went from 27/s to 142/s") || !strings.Contains(v, "Why it came out so") || strings.Contains(v, "⋯") {
		t.Errorf("after the measurement:\n%s", v)
	}
	if s.Pos() != 1 || len(started) != 1 || started[0] != it.Question.ID || closed != 1 {
		t.Errorf("answered %d, started %v, closed %d", s.Pos(), started, closed)
	}
	// A progress line that comes late changes nothing.
	v := a.View()
	if a, _ = step(t, a, progress); a.View() != v {
		t.Error("a late progress line changed the screen")
	}
	// The second prediction is wrong.
	a = drive(t, a, keyMsg("enter"), keyMsg("enter"))
	a = typeNumber(t, a, "27")
	if v := a.View(); !strings.Contains(v, "✗ Not quite: measured 142 reads/s") || !s.Done() || closed != 2 {
		t.Errorf("after a wrong prediction (closed %d):\n%s", closed, v)
	}
}

func TestAppExperimentThatCannotRun(t *testing.T) {
	s := experimentSession(t)
	a := NewApp(New(s))
	closed := 0
	failStart, failMeasure := true, false
	a.Experimenter = func(ctx context.Context, it quiz.Item, progress func(string)) (quiz.Trial, error) {
		if failStart {
			return nil, errors.New("the system did not start")
		}
		f := &fakeTrial{measured: 142, closed: &closed}
		if failMeasure {
			f.err = errors.New("the system stopped counting seconds")
		}
		return f, nil
	}
	a, _ = step(t, a, tea.WindowSizeMsg{Width: 120, Height: 20})
	a = drive(t, a, keyMsg("enter"))
	if v := a.View(); !strings.Contains(v, "✗ The experiment could not run: the system did not start · r try again · s skip the question · q quit") {
		t.Errorf("after a failed start:\n%s", v)
	}
	if s.Pos() != 0 {
		t.Error("a prediction was graded without measurements")
	}
	// r starts it again; this time it works.
	failStart = false
	a = drive(t, a, keyMsg("r"))
	a = typeNumber(t, a, "150")
	if v := a.View(); s.Pos() != 1 || !strings.Contains(v, "Measured: database reads") || strings.Contains(v, "could not run") {
		t.Errorf("after trying again:\n%s", v)
	}
	// The second fails while measuring; r starts it over from its
	// baseline, and s skips it, to the results.
	failMeasure = true
	a = drive(t, a, keyMsg("enter"), keyMsg("enter"))
	a = typeNumber(t, a, "150")
	if v := a.View(); !strings.Contains(v, "could not run: the system stopped counting seconds") || closed != 2 {
		t.Errorf("after a failed measurement (closed %d):\n%s", closed, a.View())
	}
	a = drive(t, a, keyMsg("r"))
	if v := a.View(); !strings.Contains(v, "Now 27 reads/s") || strings.Contains(v, "could not run") {
		t.Errorf("starting over:\n%s", v)
	}
	a = typeNumber(t, a, "150")
	a = drive(t, a, keyMsg("s"))
	if v := a.View(); s.Len() != 1 || !s.Done() || !strings.Contains(v, "results") || strings.Contains(v, "could not run") || closed != 3 {
		t.Errorf("after skipping (%d questions, closed %d):\n%s", s.Len(), closed, v)
	}
}

func TestAppQuitStopsTheExperiment(t *testing.T) {
	s := experimentSession(t)
	a := NewApp(New(s))
	closed := 0
	a.Experimenter = func(ctx context.Context, it quiz.Item, progress func(string)) (quiz.Trial, error) {
		return &fakeTrial{block: true, closed: &closed}, nil
	}
	a = drive(t, a, keyMsg("enter"))
	for _, r := range "150" {
		a = drive(t, a, keyMsg(string(r)))
	}
	a, msgs := step(t, a, keyMsg("enter"))
	next, cmd := a.Update(msgs[0])
	a = next.(App)
	finished := make(chan struct{})
	measure := cmd
	go func() { run(measure); close(finished) }() // Measure waits until it is stopped
	next, cmd = a.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
	if !next.(App).Interrupted || cmd == nil {
		t.Fatal("ctrl+c did not quit")
	}
	select {
	case <-finished:
		if closed != 1 {
			t.Errorf("the trial was closed %d times", closed)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("quitting did not stop the experiment")
	}
}

// A trial that waits for its prediction when the learner quits is closed,
// which puts back what it changed.
func TestAppQuitClosesAWaitingTrial(t *testing.T) {
	s := experimentSession(t)
	a := NewApp(New(s))
	closed := 0
	a.Experimenter = func(ctx context.Context, it quiz.Item, progress func(string)) (quiz.Trial, error) {
		return &fakeTrial{measured: 142, closed: &closed}, nil
	}
	a = drive(t, a, keyMsg("enter"))
	_, cmd := a.Update(keyMsg("q"))
	for _, m := range run(cmd) {
		next, cmd := a.Update(m)
		a = next.(App)
		run(cmd)
	}
	if closed != 1 {
		t.Errorf("the waiting trial was closed %d times", closed)
	}
}
