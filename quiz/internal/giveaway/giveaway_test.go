package giveaway

import (
	"strings"
	"testing"

	"github.com/archex/archex/card"
)

// The detectors themselves.
func TestDetectors(t *testing.T) {
	for s, want := range map[string]bool{
		"Right. The gateway ...": true, "Wrong: it ...": true, "Correct, because": true, "No, the cache": true,
		"Yes. It": true, "Not quite: the": true, "That is right: ": true, "Exactly. One": true,
		"No published event is lost": false, "Rightly or not": false, "The right answer": false, "Yesterday": false,
	} {
		if got := Verdict.MatchString(s); got != want {
			t.Errorf("Verdict(%q) = %v, want %v", s, got, want)
		}
	}
	for s, want := range map[string]bool{"Because it": true, "since then": true, "As the": true, "So that": false, "Asked": false, "As soon as it reads": false} {
		if got := Justification.MatchString(s); got != want {
			t.Errorf("Justification(%q) = %v, want %v", s, got, want)
		}
	}
	for s, want := range map[string]bool{"It never fails": true, "Only for GET": true, "all of them": true, "Nothing: the": true, "allowed": false, "usually": false} {
		if got := Absolute.MatchString(s); got != want {
			t.Errorf("Absolute(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestMeasure(t *testing.T) {
	q := card.Question{ID: "q", Options: []card.Option{
		{Text: "the longest of the options", Correct: true, Explanation: "Right."},
		{Text: "Because short", Explanation: "fine"},
		{Text: "never", Explanation: "fine"},
	}}
	judged := card.Question{ID: "e", Options: []card.Option{{Text: "a much longer option than the other"}, {Text: "b"}}}
	g := Measure([]card.Question{q, judged})
	if g.Questions != 1 || g.Longest != 1 || g.WrongBecause != 1 || g.WrongAbsolute != 1 || len(g.Verdicts) != 1 {
		t.Errorf("measured %+v", g)
	}
	problems := strings.Join(g.Problems(), "\n")
	for _, want := range []string{"strictly longest in 1 of 1", "1 of 2 wrong options open with a justification, 0 of 1 right ones: q B",
		"1 of 2 wrong options claim an absolute, 0 of 1 right ones: q C (never)", `an explanation opens with a verdict: q option A: "Right."`} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems lack %q:\n%s", want, problems)
		}
	}
	if p := Measure(nil).Problems(); len(p) != 0 {
		t.Errorf("no questions: %v", p)
	}
}
