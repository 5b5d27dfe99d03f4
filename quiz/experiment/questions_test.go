package experiment

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/archex/archex/quiz"
)

func TestQuestions(t *testing.T) {
	es := All()
	if len(es) < 5 {
		t.Fatalf("%d experiments; the quiz promises at least 5", len(es))
	}
	qs := Questions()
	bankIDs := map[string]bool{}
	for _, q := range quiz.DefaultBank().Questions {
		bankIDs[q.ID] = true
	}
	for i, e := range es {
		q := e.Question
		if qs[i].ID != q.ID {
			t.Errorf("Questions()[%d] is %s, want %s", i, qs[i].ID, q.ID)
		}
		if got, ok := Lookup(q.ID); !ok || got != e {
			t.Errorf("Lookup(%s) = %v, %v", q.ID, got, ok)
		}
		if !strings.HasPrefix(q.ID, "exp-") || bankIDs[q.ID] {
			t.Errorf("%s: ids start with exp- and are not the bank's", q.ID)
		}
		if q.Topic == "" || q.Difficulty == "" || q.Prompt == "" {
			t.Errorf("%s: topic %q, difficulty %q, prompt %q", q.ID, q.Topic, q.Difficulty, q.Prompt)
		}
		if q.Answer() >= 0 {
			t.Errorf("%s: option %d is marked correct; the measurements decide", q.ID, q.Answer())
		}
		if len(q.Options) != 4 || len(e.Outcomes) != len(q.Options) {
			t.Errorf("%s: %d options, %d outcomes", q.ID, len(q.Options), len(e.Outcomes))
		}
		for j, o := range q.Options {
			if o.Text == "" || len(o.Explanation) < 60 {
				t.Errorf("%s option %s: text %q, explanation %q: explain what happens and why", q.ID, quiz.Letter(j), o.Text, o.Explanation)
			}
			// The verdict comes from the measurements, so no explanation
			// may call itself right or wrong.
			for _, w := range []string{"Right.", "Wrong.", "Correct."} {
				if strings.HasPrefix(o.Explanation, w) {
					t.Errorf("%s option %s: explanation starts %q", q.ID, quiz.Letter(j), w)
				}
			}
		}
		if len(e.Needs) == 0 {
			t.Errorf("%s needs no component", q.ID)
		}
		// Each links to the bank's questions on the same idea, and they
		// exist.
		if len(e.Related) == 0 {
			t.Errorf("%s links to no question of the bank", q.ID)
		}
		for _, id := range e.Related {
			if !bankIDs[id] {
				t.Errorf("%s links to %q, which the bank has not", q.ID, id)
			}
		}
	}
	// The session takes them as they are.
	s, err := quiz.NewSession(quiz.Config{Set: quiz.SetExperiments, Experiments: qs, Bank: quiz.DefaultBank(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != len(es) {
		t.Errorf("experiments set has %d questions", s.Len())
	}
	for _, it := range s.Items() {
		if !it.Judged() {
			t.Errorf("%s is not graded at run time", it.Question.ID)
		}
	}
}

// The prompts state the script's figures: they must agree.
func TestPromptsMatchScripts(t *testing.T) {
	for id, want := range map[string]string{
		"exp-worker-kill":       fmt.Sprintf("for %d seconds", workerDown),
		"exp-queue-kill":        fmt.Sprintf("for %d seconds", queueDown),
		"exp-stampede":          fmt.Sprintf("%d requests", stampede),
		"exp-overload":          fmt.Sprintf("%d requests a second", overloadRate),
		"exp-least-connections": fmt.Sprintf("takes %d ms longer", slowBy.Milliseconds()),
	} {
		e, _ := Lookup(id)
		if !strings.Contains(strings.Join(strings.Fields(e.Question.Prompt), " "), want) {
			t.Errorf("%s: the prompt does not say %q: %s", id, want, e.Question.Prompt)
		}
	}
}

func TestLoadRejects(t *testing.T) {
	good := func(id string, outcomes ...string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "  - id: %s\n    topic: cache\n    difficulty: easy\n    prompt: What happens?\n    options:\n", id)
		for _, o := range outcomes {
			fmt.Fprintf(&b, "      - outcome: %s\n        text: it is %s\n        explanation: because %s\n", o, o, o)
		}
		return b.String()
	}
	var all strings.Builder
	for id, s := range scripts {
		all.WriteString(good(id, s.outcomes...))
	}
	if _, err := load([]byte("experiments:\n" + all.String())); err != nil {
		t.Fatalf("a good file: %v", err)
	}
	cache := scripts["exp-cache-kill"].outcomes
	tests := []struct {
		name, yaml, want string
	}{
		{"not YAML", "experiments: [", "experiments.yaml: yaml:"},
		{"unknown field", "experiments:\n  - id: exp-cache-kill\n    colour: red\n", "field colour not found"},
		{"no script", "experiments:\n" + good("exp-mystery", "a", "b"), `experiment 1 ("exp-mystery"): no script has this id`},
		{"twice", "experiments:\n" + good("exp-cache-kill", cache...) + good("exp-cache-kill", cache...), `experiment 2 ("exp-cache-kill"): id used twice`},
		{"bad difficulty", "experiments:\n" + strings.Replace(good("exp-cache-kill", cache...), "easy", "tricky", 1), `difficulty "tricky"`},
		{"no explanation", "experiments:\n" + strings.Replace(good("exp-cache-kill", cache...), "        explanation: because same\n", "", 1), "option B needs an outcome, a text and an explanation"},
		{"an outcome missing", "experiments:\n" + good("exp-cache-kill", cache[:3]...), "the options stand for rise, same, zero; the grader decides rise, same, zero, down"},
		{"an outcome twice", "experiments:\n" + good("exp-cache-kill", "rise", "rise", "zero", "down"), `outcome "rise" is on two options`},
		{"one option", "experiments:\n" + good("exp-cache-kill", "rise"), "has 1 options: give 2 to 4"},
		{"a question missing", "experiments:\n" + good("exp-cache-kill", cache...), "no question for exp-breaker-off, exp-database-kill"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestJudgeRefusesOtherQuestions(t *testing.T) {
	s, err := quiz.NewSession(quiz.Config{Set: quiz.SetAll, Bank: quiz.DefaultBank(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	it, _ := s.Current()
	if _, err := JudgeOn(nil)(context.Background(), it, nil); !errors.Is(err, ErrNotAnExperiment) {
		t.Errorf("judging %s: %v", it.Question.ID, err)
	}
	for _, exp := range []quiz.Experimenter{Trials, TrialsOn(nil)} {
		if tr, err := exp(context.Background(), it, nil); !errors.Is(err, ErrNotAnExperiment) || tr != nil {
			t.Errorf("a trial of %s: %v, %v", it.Question.ID, tr, err)
		}
	}
}
