package pollpane

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/archex/archex/classroom"
	"github.com/archex/archex/tui/theme"
)

func plainStyles() *theme.Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	st := theme.New(theme.Default, r)
	return &st
}

func poll(state classroom.PollState) *classroom.PollView {
	return &classroom.PollView{Seq: 3, ID: "exp-cache-kill", Prompt: "Requests are flowing. If you kill the cache now, what happens to the reads per second that reach the database?",
		Options: []string{"They rise several times over", "They stay about the same", "They drop to zero"},
		Judged:  true, State: state, Vote: 1, Answered: 7, Of: 9, Mine: []int{1}, Correct: -1}
}

func draw(p *classroom.PollView, presenter, peek bool, w, h int) string {
	m := New(plainStyles())
	m.SetSize(w, h)
	m.SetPoll(p, presenter, peek)
	return ansi.Strip(m.View())
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestWhatEachMemberSees(t *testing.T) {
	measuring := poll(classroom.Measuring)
	measuring.Progress = "measuring 3 s with the cache down..."
	failed := poll(classroom.Locked)
	failed.Failure, failed.Mine = "the cache is not in this card", []int{-1}
	peeked := poll(classroom.Open)
	peeked.Counts, peeked.Mine = [][]int{{4, 3, 0}}, []int{-1}
	cases := []struct {
		name            string
		p               *classroom.PollView
		presenter, peek bool
		want, not       []string
	}{
		{"student open", poll(classroom.Open), false, false,
			[]string{"Poll 3 · experiment · open", "▸B They stay about the same", "Your answer: B. Change it with A–C until the poll is locked.", "7 of 9 answered"}, []string{"█"}},
		{"presenter open", peeked, true, false,
			[]string{"7 of 9 answered", "O: see the answers so far (only you)", "L locks the answers"}, []string{"█", "▸"}},
		{"presenter peeks", peeked, true, true,
			[]string{"Answers so far (only you see them):", "A ██", "4 57%", "B ██"}, nil},
		{"student locked", poll(classroom.Locked), false, false,
			[]string{"Answers locked (7 of 9 answered): the presenter reveals next.", "Your answer: B"}, nil},
		{"measuring", measuring, false, false,
			[]string{"The experiment is running on the live system: watch the diagram.", "▸ measuring 3 s with the cache down..."}, nil},
		{"failed run", failed, true, false,
			[]string{"The experiment could not run: the cache is not in this card", "R reveals"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := oneLine(draw(c.p, c.presenter, c.peek, 60, 30))
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("lacks %q:\n%s", w, out)
				}
			}
			for _, w := range c.not {
				if strings.Contains(out, w) {
					t.Errorf("shows %q:\n%s", w, out)
				}
			}
		})
	}
}

func revealed() *classroom.PollView {
	p := poll(classroom.Revealed)
	p.Vote, p.Mine = 2, []int{1, 0}
	p.Counts = [][]int{{3, 5, 1}, {8, 1, 0}}
	p.Correct = 0
	p.Explanations = []string{"Every read the cache answered now lands on the database.", "Only if the cache answered few reads.", "Reads do not fail: the database is the fallback."}
	p.Evidence = "DB reads/s went from 31 to 152"
	return p
}

func TestRevealShowsBothVotes(t *testing.T) {
	out := draw(revealed(), false, false, 60, 30)
	for _, w := range []string{"vote 1", "vote 2", "A ✓ █", "Measured: DB reads/s went from 31 to 152", "You answered A: right."} {
		if !strings.Contains(oneLine(out), w) {
			t.Errorf("lacks %q:\n%s", w, out)
		}
	}
	teatest.RequireEqualOutput(t, []byte(out))
}

// A pane too short for the poll scrolls, and says so.
func TestShortPaneScrolls(t *testing.T) {
	m := New(plainStyles())
	m.SetSize(30, 8)
	m.SetPoll(revealed(), false, false)
	first := ansi.Strip(m.View())
	if !strings.Contains(first, "pgdn:") || len(strings.Split(first, "\n")) != 8 {
		t.Fatalf("first page:\n%s", first)
	}
	for range 20 {
		m.ScrollDown(3)
	}
	if last := ansi.Strip(m.View()); !strings.Contains(last, "pgup: back to the top") || !strings.Contains(oneLine(last), "You answered A: right.") {
		t.Errorf("last page:\n%s", last)
	}
}
