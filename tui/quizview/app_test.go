package quizview

import (
	"context"
	"errors"
	"fmt"
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

func TestAppRunsTheExperiment(t *testing.T) {
	s := experimentSession(t)
	a := NewApp(New(s))
	var judged []string
	a.Judge = func(ctx context.Context, it quiz.Item, progress func(string)) (quiz.Verdict, error) {
		judged = append(judged, it.Question.ID)
		progress("killing the cache...")
		return quiz.Verdict{Correct: 0, Evidence: "DB reads went from 31/s to 152/s"}, nil
	}
	a, _ = step(t, a, tea.WindowSizeMsg{Width: 90, Height: 20})
	it, _ := s.Current()
	rises := it.Shown(0)
	// The model asks for a verdict; the app runs the judge.
	a, msgs := step(t, a, keyMsg(strings.ToLower(quiz.Letter(rises))))
	if len(msgs) != 1 {
		t.Fatalf("answering sent %v", msgs)
	}
	a, msgs = step(t, a, msgs[0])
	// The judge's command ran to its end; the listener read the progress.
	var done, progress tea.Msg
	for _, m := range msgs {
		switch m.(type) {
		case experimentDoneMsg:
			done = m
		case experimentProgressMsg:
			progress = m
		}
	}
	if done == nil || progress == nil {
		t.Fatalf("the experiment's commands sent %#v", msgs)
	}
	a, _ = step(t, a, progress)
	if v := a.View(); !strings.Contains(v, "⋯ killing the cache...") || !strings.Contains(v, "Your prediction: ") {
		t.Errorf("while measuring:\n%s", v)
	}
	a, _ = step(t, a, done)
	if v := a.View(); !strings.Contains(v, "✓ Correct") || !strings.Contains(v, "Measured: DB reads went from 31/s to 152/s") || strings.Contains(v, "⋯") {
		t.Errorf("after the verdict:\n%s", v)
	}
	if s.Pos() != 1 || len(judged) != 1 || judged[0] != it.Question.ID {
		t.Errorf("answered %d, judged %v", s.Pos(), judged)
	}
	// A progress line that comes late changes nothing.
	v := a.View()
	if a, _ = step(t, a, progress); a.View() != v {
		t.Error("a late progress line changed the screen")
	}
}

func TestAppExperimentThatCannotRun(t *testing.T) {
	s := experimentSession(t)
	a := NewApp(New(s))
	fail := true
	a.Judge = func(ctx context.Context, it quiz.Item, progress func(string)) (quiz.Verdict, error) {
		if fail {
			return quiz.Verdict{}, errors.New("the system did not start")
		}
		return quiz.Verdict{Correct: 1, Evidence: "measured"}, nil
	}
	a, _ = step(t, a, tea.WindowSizeMsg{Width: 120, Height: 20})
	answer := func(a App) App {
		a, msgs := step(t, a, keyMsg("a"))
		a, msgs = step(t, a, msgs[0])
		for _, m := range msgs {
			if _, ok := m.(experimentDoneMsg); ok {
				a, _ = step(t, a, m)
			}
		}
		return a
	}
	a = answer(a)
	if v := a.View(); !strings.Contains(v, "✗ The experiment could not run: the system did not start · r try again · s skip the question · q quit") {
		t.Errorf("after a failed run:\n%s", v)
	}
	if s.Pos() != 0 {
		t.Error("a prediction was graded without measurements")
	}
	// r runs it again; this time it works.
	fail = false
	a, msgs := step(t, a, keyMsg("r"))
	for _, m := range msgs {
		if _, ok := m.(experimentDoneMsg); ok {
			a, _ = step(t, a, m)
		}
	}
	if v := a.View(); s.Pos() != 1 || !strings.Contains(v, "Measured: measured") || strings.Contains(v, "could not run") {
		t.Errorf("after trying again:\n%s", v)
	}
	// The second fails; s skips it, to the results.
	fail = true
	a, _ = step(t, a, keyMsg("enter"))
	a = answer(a)
	a, _ = step(t, a, keyMsg("s"))
	if v := a.View(); s.Len() != 1 || !s.Done() || !strings.Contains(v, "results") || strings.Contains(v, "could not run") {
		t.Errorf("after skipping (%d questions):\n%s", s.Len(), v)
	}
}

func TestAppQuitStopsTheExperiment(t *testing.T) {
	s := experimentSession(t)
	a := NewApp(New(s))
	stopped := make(chan error, 1)
	a.Judge = func(ctx context.Context, it quiz.Item, progress func(string)) (quiz.Verdict, error) {
		<-ctx.Done()
		stopped <- ctx.Err()
		return quiz.Verdict{}, ctx.Err()
	}
	a, msgs := step(t, a, keyMsg("a"))
	next, cmd := a.Update(msgs[0])
	a = next.(App)
	go run(cmd) // the judge waits until it is stopped
	next, cmd = a.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
	if !next.(App).Interrupted || cmd == nil {
		t.Fatal("ctrl+c did not quit")
	}
	select {
	case err := <-stopped:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the experiment ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("quitting did not stop the experiment")
	}
}
