package experiment

import (
	"strings"

	"github.com/archex/archex/quiz"
)

// Preview says, before the experiment runs on lab, what it will change
// there: what it sets first so that it starts from a healthy system (from
// the lab's settings now), what it does, and what it puts back at the end.
// It says so when the experiment cannot run on lab's card. It only reads
// the lab.
func (e *Experiment) Preview(lab Lab) string {
	s := lab.Snapshot()
	if s == nil {
		return ""
	}
	for _, n := range e.Needs {
		if err := check(s, n); err != nil {
			return "It cannot run here: " + err.Error() + "."
		}
	}
	found := lab.Settings()
	start := e.start(found)
	first, back := found.Changes(start), start.Changes(found)
	var b strings.Builder
	b.WriteString("Running it acts on the live system: ")
	if len(first) > 0 {
		b.WriteString("first " + strings.Join(first, ", ") + " (a healthy start); then it ")
	} else {
		b.WriteString("it ")
	}
	b.WriteString(e.Acts)
	if len(back) > 0 {
		b.WriteString("; at the end it puts back " + strings.Join(back, ", ") + ".")
	} else {
		b.WriteString("; nothing else changes.")
	}
	return b.String()
}

// PreviewOn returns what an experiment question will change on lab (see
// Preview), for the quiz to show before the learner predicts; "" for a
// question no experiment answers.
func PreviewOn(lab Lab) func(quiz.Item) string {
	return func(it quiz.Item) string {
		e, ok := Lookup(it.Question.ID)
		if !ok {
			return ""
		}
		return e.Preview(lab)
	}
}
