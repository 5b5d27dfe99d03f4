package quizview

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/quiz"
)

// An experiment's question says, under its options, what running it will
// change; a question with an answer says nothing of the kind.
func TestPreviewUnderAnExperiment(t *testing.T) {
	text := "Running it acts on the live system: first rate 200, singleflight on (a healthy start); then it kills the cache for about 4 s, then revives it; at the end it puts back rate 20, singleflight off."
	var asked []string
	preview := func(it quiz.Item) string { asked = append(asked, it.Question.ID); return text }
	m := New(experimentSession(t), WithPreview(preview))
	m.SetSize(80, 30)
	v := ansi.Strip(m.View())
	flat := strings.Join(strings.Fields(v), " ")
	if !strings.Contains(flat, text) {
		t.Errorf("the preview is not under the experiment:\n%s", v)
	}
	for _, l := range strings.Split(v, "\n") {
		if ansi.StringWidth(l) > 80 {
			t.Errorf("a line wider than the screen: %q", l)
		}
	}
	if len(asked) == 0 {
		t.Error("the preview was not asked")
	}

	plain := New(newSession(t)).WithPreview(preview)
	plain.SetSize(80, 30)
	if strings.Contains(ansi.Strip(plain.View()), "Running it acts") {
		t.Error("a question with an answer shows an experiment's preview")
	}
}
