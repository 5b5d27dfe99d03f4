package quiz

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
)

// testExperiments are n questions graded at run time, e1 to en: no option
// is marked correct.
func testExperiments(n int) []card.Question {
	var qs []card.Question
	for i := 1; i <= n; i++ {
		q := card.Question{ID: fmt.Sprintf("e%d", i), Topic: "cache", Difficulty: Medium, Prompt: fmt.Sprintf("If you kill thing %d, what happens?", i)}
		for _, o := range []string{"rises", "stays", "falls", "stops"} {
			q.Options = append(q.Options, card.Option{Text: "It " + o, Explanation: "Because it " + o + "."})
		}
		qs = append(qs, q)
	}
	return qs
}

func countExperiments(ids []string) int {
	n := 0
	for _, id := range ids {
		if strings.HasPrefix(id, "e") {
			n++
		}
	}
	return n
}

func TestExperimentSets(t *testing.T) {
	b, exps := testBank(t), testExperiments(3)
	s, err := NewSession(Config{Set: SetExperiments, Bank: b, Experiments: exps, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	ids := IDs(questionsOf(s))
	if got := slices.Sorted(slices.Values(ids)); !slices.Equal(got, []string{"e1", "e2", "e3"}) {
		t.Errorf("experiments set = %v", ids)
	}
	for _, it := range s.Items() {
		if !it.Judged() || it.Correct() != -1 {
			t.Errorf("%s: judged %v, correct %d", it.Question.ID, it.Judged(), it.Correct())
		}
	}
	if _, err := s.Answer(0); err == nil {
		t.Error("an experiment was graded without a verdict")
	}
	if ids := practiceIDs(t, Config{Set: SetAll, Bank: b, Experiments: exps, Seed: 4}); len(ids) != 15 || countExperiments(ids) != 3 {
		t.Errorf("all = %v, want the bank's 12 and the 3 experiments", ids)
	}
	if ids := practiceIDs(t, Config{Set: SetCard, Card: cards.Default(), Experiments: exps, Seed: 4}); countExperiments(ids) != 0 {
		t.Errorf("card set = %v, want the card's questions only", ids)
	}
	if _, err := NewSession(Config{Set: SetExperiments, Bank: b}); !errors.Is(err, ErrNoQuestions) {
		t.Errorf("experiments set without experiments: %v", err)
	}
	// Without experiments, sessions are as they were: the same seed gives
	// the same questions.
	if a, c := practiceIDs(t, Config{Bank: b, Seed: 4, Now: t0}), practiceIDs(t, Config{Bank: b, Seed: 4, Now: t0, Experiments: nil}); !slices.Equal(a, c) {
		t.Errorf("%v != %v", a, c)
	}
}

func questionsOf(s *Session) []card.Question {
	var qs []card.Question
	for _, it := range s.Items() {
		qs = append(qs, it.Question)
	}
	return qs
}

func TestPracticeHasOneExperimentWhenOneIsDueOrNew(t *testing.T) {
	b, exps := testBank(t), testExperiments(3)
	cfg := Config{Bank: b, Experiments: exps, Seed: 5, Now: t0, PracticeSize: 6}
	ids := practiceIDs(t, cfg)
	if len(ids) != 6 || countExperiments(ids) != 1 {
		t.Errorf("a new learner's practice = %v, want 6 with one experiment", ids)
	}
	// All three predicted right today: none is due, so none is asked.
	p := NewProgress()
	for _, q := range exps {
		p.Record(q.ID, true, t0)
	}
	cfg.Progress, cfg.Now = p, t0.Add(time.Hour)
	if ids := practiceIDs(t, cfg); len(ids) != 6 || countExperiments(ids) != 0 {
		t.Errorf("practice with every experiment learnt = %v, want 6 bank questions", ids)
	}
	// e2 mispredicted: it comes back first.
	p.Record("e2", false, t0)
	if ids := practiceIDs(t, cfg); len(ids) != 6 || !slices.Contains(ids, "e2") || countExperiments(ids) != 1 {
		t.Errorf("practice after missing e2 = %v", ids)
	}
	// A practice set of one is the experiment.
	cfg.PracticeSize = 1
	if ids := practiceIDs(t, cfg); !slices.Equal(ids, []string{"e2"}) {
		t.Errorf("practice of 1 = %v", ids)
	}
}

func TestExperimentsMustBeJudgedAndUnique(t *testing.T) {
	b := testBank(t)
	clash := testExperiments(1)
	clash[0].ID = "b3"
	if _, err := NewSession(Config{Bank: b, Experiments: clash}); err == nil || !strings.Contains(err.Error(), `question id "b3" is used by an experiment and another question`) {
		t.Errorf("an experiment with a bank's id: %v", err)
	}
	marked := testExperiments(1)
	marked[0].Options[1].Correct = true
	if _, err := NewSession(Config{Set: SetExperiments, Experiments: marked}); err == nil || !strings.Contains(err.Error(), `experiment "e1" has an option marked correct`) {
		t.Errorf("an experiment with a correct option: %v", err)
	}
}

func TestDrop(t *testing.T) {
	s, err := NewSession(Config{Set: SetCard, Card: cards.Default(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	items := s.Items()
	if _, err := s.Answer(items[0].Correct()); err != nil {
		t.Fatal(err)
	}
	dropped, err := s.Drop()
	if err != nil || dropped.Question.ID != items[1].Question.ID {
		t.Fatalf("dropped %s, %v", dropped.Question.ID, err)
	}
	if cur, _ := s.Current(); s.Len() != 2 || s.Pos() != 1 || cur.Question.ID != items[2].Question.ID {
		t.Errorf("after the drop: %d questions, at %d, current %s", s.Len(), s.Pos(), cur.Question.ID)
	}
	if _, err := s.Answer(items[2].Correct()); err != nil {
		t.Fatal(err)
	}
	if r := s.Results(); !s.Done() || r.Asked != 2 || r.Right != 2 {
		t.Errorf("results %+v", r)
	}
	if _, err := s.Drop(); err == nil {
		t.Error("dropped a question from a finished session")
	}
}

// fakeTrial is a trial whose baseline and measurement are given.
type fakeTrial struct {
	problem  Problem
	measured float64
	err      error // from Measure
	closed   *int
}

func (f *fakeTrial) Problem() Problem { return f.problem }

func (f *fakeTrial) Measure(ctx context.Context, progress func(string)) (Problem, string, error) {
	if f.err != nil {
		return Problem{}, "", f.err
	}
	progress("killing the thing...")
	progress("measuring 3 s...")
	p := f.problem
	p.Answer, p.Method = f.measured, []string{"23 / (1 - 0.87) = 177 expected; measured 152: singleflight merged misses."}
	return p, "reads went from 23/s to 152/s", nil
}

func (f *fakeTrial) Close() { *f.closed++ }

func baselineProblem() Problem {
	return Problem{Prompt: "Now 23 database reads/s at 87 % hits. How many after the kill?", Answer: math.NaN(), Unit: "reads/s", Tolerance: 0.25, Measured: true}
}

func TestRunPlainExperiments(t *testing.T) {
	exps := testExperiments(3)
	s, err := NewSession(Config{Set: SetExperiments, Experiments: exps, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	items := s.Items()
	var started []string
	closed := 0
	exp := func(ctx context.Context, it Item, progress func(string)) (Trial, error) {
		started = append(started, it.Question.ID)
		progress("starting a system...")
		if it.Question.ID == items[1].Question.ID {
			return nil, errors.New("the system did not start: no ports left")
		}
		progress("measuring 3 s of the baseline...")
		return &fakeTrial{problem: baselineProblem(), measured: 152, closed: &closed}, nil
	}
	in := "180\n" + // right: within 25 % of 152
		"lots\n23\n" // not a number, then wrong
	var out strings.Builder
	var recorded []Answer
	r, err := RunPlainExperiments(context.Background(), strings.NewReader(in), &out, s, func(a Answer) { recorded = append(recorded, a) }, exp)
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"Question 1 of 3 (cache, medium, new)\n" + items[0].Question.Prompt + "\n" + ExperimentIntro + "\n" +
			"First the live system's steady baseline:\n  starting a system...\n  measuring 3 s of the baseline...\n" +
			"Now 23 database reads/s at 87 % hits. How many after the kill?\nType a number (a prediction within 25 % of the measured one counts):\n" +
			"Your prediction: 180 reads/s\nRunning the experiment...\n  killing the thing...\n  measuring 3 s...\n" +
			"Correct. You predicted 180; measured 152 reads/s (accepted: 114 to 190 reads/s)\nMeasured: reads went from 23/s to 152/s\n" +
			"Why it came out so:\n  23 / (1 - 0.87) = 177 expected; measured 152: singleflight merged misses.\n",
		"  starting a system...\nThe experiment could not run: the system did not start: no ports left\nNothing is graded; the question is left for another time.\n",
		"Question 2 of 2 (cache, medium, new)\n",
		"\"lots\" is not a number",
		"Wrong. You predicted 23; measured 152 reads/s (accepted: 114 to 190 reads/s)\n",
		"To review:\n- Now 23 database reads/s at 87 % hits. How many after the kill?\n  You predicted 23; measured 152 reads/s\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks\n%s\n--- output:\n%s", want, got)
		}
	}
	if strings.Contains(got, "A) It rises") {
		t.Errorf("an experiment showed its poll's options:\n%s", got)
	}
	if !strings.HasSuffix(got, "score: 1/2\n") || r.Asked != 2 || len(recorded) != 2 || len(started) != 3 || closed != 2 {
		t.Errorf("results %+v, recorded %d, started %v, closed %d; output ends %q", r, len(recorded), started, closed, got[max(0, len(got)-80):])
	}
}

func TestRunPlainExperimentsInterrupted(t *testing.T) {
	s, _ := NewSession(Config{Set: SetExperiments, Experiments: testExperiments(2), Seed: 2})
	ctx, cancel := context.WithCancel(context.Background())
	closed := 0
	exp := func(ctx context.Context, it Item, progress func(string)) (Trial, error) {
		return &fakeTrial{problem: baselineProblem(), err: context.Canceled, closed: &closed}, nil
	}
	var out strings.Builder
	_, err := RunPlainExperiments(ctx, strings.NewReader("150\n150\n"), &out, s, nil, exp)
	cancel()
	if !errors.Is(err, context.Canceled) || !strings.Contains(out.String(), "Stopped: the experiment was interrupted after 0 of 2 questions.") ||
		!strings.HasSuffix(out.String(), "score: 0/0\n") || closed != 1 {
		t.Errorf("err %v, closed %d, output:\n%s", err, closed, out.String())
	}
	// The input ends while a trial waits for the prediction: it is closed.
	s, _ = NewSession(Config{Set: SetExperiments, Experiments: testExperiments(1), Seed: 2})
	closed = 0
	out.Reset()
	exp = func(ctx context.Context, it Item, progress func(string)) (Trial, error) {
		return &fakeTrial{problem: baselineProblem(), measured: 152, closed: &closed}, nil
	}
	if _, err := RunPlainExperiments(context.Background(), strings.NewReader(""), &out, s, nil, exp); err != nil || closed != 1 ||
		!strings.Contains(out.String(), "No more answers: stopped after 0 of 1 questions.") {
		t.Errorf("err %v, closed %d, output:\n%s", err, closed, out.String())
	}
	// Without an experimenter, an experiment cannot run: it is dropped.
	s, _ = NewSession(Config{Set: SetExperiments, Experiments: testExperiments(1), Seed: 2})
	out.Reset()
	if _, err := RunPlain(strings.NewReader("a\n"), &out, s, nil); err != nil || !strings.Contains(out.String(), "The experiment could not run: this mode has no live system to run it on") {
		t.Errorf("err %v, output:\n%s", err, out.String())
	}
}
