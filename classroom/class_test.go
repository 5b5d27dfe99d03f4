package classroom

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/quiz"
)

var t0 = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// A marked question (the right answer is in its data) and one an
// experiment decides.
var (
	marked = card.Question{ID: "q-marked", Topic: "cache", Prompt: "Which is faster?", Options: []card.Option{
		{Text: "the cache", Correct: true, Explanation: "1 ms against 8"}, {Text: "the database", Explanation: "8 ms"},
		{Text: "the same", Explanation: "no"}, {Text: "it depends", Explanation: "not here"}}}
	judged = card.Question{ID: "q-judged", Prompt: "Kill the cache: DB reads?", Options: []card.Option{
		{Text: "rise"}, {Text: "same"}, {Text: "zero"}}}
)

func newClass(t *testing.T) *Class {
	t.Helper()
	items, err := Bank{Card: &card.Card{Quiz: []card.Question{marked}}, Experiments: []card.Question{judged}}.Questions(DefaultSources, 7)
	if err != nil {
		t.Fatal(err)
	}
	return New(items)
}

func TestJoinNamesEverySessionUniquely(t *testing.T) {
	c := New(nil)
	var got []string
	for _, user := range []string{"alice", "Alice", "bob", "\x1b[2Jalice", ""} {
		got = append(got, c.Join(user, Student, t0).Nick)
	}
	if want := "alice Alice-2 bob alice-3 student"; strings.Join(got, " ") != want {
		t.Errorf("nicknames %q, want %q", got, want)
	}
	bob := c.Students()[2]
	c.Leave(bob.ID)
	if n := c.Join("bob", Student, t0).Nick; n != "bob" {
		t.Errorf("bob reconnecting is %q, want bob again", n)
	}
	if s := c.Summary(); s.Students != 5 {
		t.Errorf("summary counts %d students, want 5 different nicknames", s.Students)
	}
}

func TestRolesAndControls(t *testing.T) {
	c := New(nil)
	p := c.Join("teacher", Presenter, t0)
	a := c.Join("alice", Student, t0)
	b := c.Join("bob", Student, t0)
	check := func(when string, want map[ID]bool) {
		t.Helper()
		for id, can := range want {
			if c.CanDrive(id) != can {
				t.Errorf("%s: member %d can drive: %v, want %v", when, id, !can, can)
			}
		}
	}
	check("at first", map[ID]bool{p.ID: true, a.ID: false, b.ID: false})
	if err := c.Hand(a.ID, b.ID); !errors.Is(err, ErrNotPresenter) {
		t.Errorf("a student handing the controls: %v", err)
	}
	if err := c.Hand(p.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	check("handed to alice", map[ID]bool{p.ID: true, a.ID: true, b.ID: false})
	if v := c.View(b.ID); v.Driver != "alice" || v.CanDrive {
		t.Errorf("bob's view: driver %q, can drive %v", v.Driver, v.CanDrive)
	}
	c.Leave(a.ID)
	check("alice left", map[ID]bool{p.ID: true, a.ID: false, b.ID: false})
	if v := c.View(b.ID); v.Driver != "" {
		t.Errorf("controls still with %q after she left", v.Driver)
	}
	if err := c.Hand(p.ID, a.ID); err == nil {
		t.Error("handed the controls to a student who left")
	}
	_ = c.Hand(p.ID, b.ID)
	_ = c.TakeBack(p.ID)
	check("taken back", map[ID]bool{p.ID: true, b.ID: false})
}

func TestOnlyPresentersSeeNames(t *testing.T) {
	c := New(nil)
	p := c.Join("teacher", Presenter, t0)
	a := c.Join("alice", Student, t0)
	c.Join("bob", Student, t0)
	if v := c.View(p.ID); v.Students != 2 || strings.Join(v.Names, ",") != "alice,bob" || v.Presenters != 1 {
		t.Errorf("presenter's view: %d students %q, %d presenters", v.Students, v.Names, v.Presenters)
	}
	if v := c.View(a.ID); v.Students != 2 || v.Names != nil {
		t.Errorf("a student's view: %d students, names %q", v.Students, v.Names)
	}
}

// A poll as peer instruction runs it: answers hidden from the class until
// the reveal, changeable until the lock, a second vote after discussion.
func TestPollHidesAnswersUntilTheReveal(t *testing.T) {
	c := newClass(t)
	p := c.Join("teacher", Presenter, t0)
	var students []Member
	for i := range 6 {
		students = append(students, c.Join(fmt.Sprintf("s%d", i), Student, t0))
	}
	if err := c.Vote(students[0].ID, 0, t0); !errors.Is(err, ErrNoPoll) {
		t.Errorf("a vote with no poll: %v", err)
	}
	if err := c.OpenNext(students[0].ID); !errors.Is(err, ErrNotPresenter) {
		t.Errorf("a student opening a poll: %v", err)
	}
	must(t, c.OpenNext(p.ID))
	right := c.View(p.ID).Poll.Correct
	if right != -1 {
		t.Fatalf("the right answer shows before the reveal")
	}
	v := c.View(p.ID).Poll
	if v.Options[0] == "" || v.Vote != 1 || v.State != Open {
		t.Fatalf("poll view %+v", v)
	}
	// Four answer A, two answer B; one changes her mind.
	for i, s := range students {
		must(t, c.Vote(s.ID, min(i/4, 1), t0.Add(time.Duration(i)*time.Second)))
	}
	must(t, c.Vote(students[5].ID, 2, t0.Add(time.Minute)))
	if err := c.Vote(p.ID, 0, t0); err == nil {
		t.Error("the presenter voted")
	}
	if err := c.Vote(students[0].ID, 9, t0); err == nil {
		t.Error("a vote for option J of four was taken")
	}
	sv := c.View(students[5].ID).Poll
	if sv.Counts != nil || sv.Answered != 6 || sv.Of != 6 || sv.Mine[0] != 2 || sv.Explanations != nil {
		t.Errorf("before the reveal a student sees counts %v, %d of %d answered, mine %v, explanations %v",
			sv.Counts, sv.Answered, sv.Of, sv.Mine, sv.Explanations)
	}
	if pv := c.View(p.ID).Poll; fmt.Sprint(pv.Counts) != "[[4 1 1 0]]" || pv.Mine[0] != -1 {
		t.Errorf("the presenter sees counts %v, mine %v", pv.Counts, pv.Mine)
	}

	must(t, c.Lock(p.ID))
	if err := c.Vote(students[0].ID, 3, t0); err == nil {
		t.Error("a vote was changed after the lock")
	}
	must(t, c.Revote(p.ID))
	if err := c.Revote(p.ID); err == nil {
		t.Error("a third vote was opened")
	}
	for _, s := range students {
		must(t, c.Vote(s.ID, 0, t0.Add(2*time.Minute)))
	}
	run, _, err := c.Reveal(p.ID)
	if err != nil || run != nil {
		t.Fatalf("reveal of a marked question: %v, experiment %v", err, run)
	}
	sv = c.View(students[5].ID).Poll
	if !sv.Revealed() || fmt.Sprint(sv.Counts) != "[[4 1 1 0] [6 0 0 0]]" || fmt.Sprint(sv.Mine) != "[2 0]" {
		t.Errorf("after the reveal a student sees %v, counts %v, mine %v", sv.State, sv.Counts, sv.Mine)
	}
	if sv.Correct < 0 || sv.Options[sv.Correct] != "the cache" || sv.Explanations[sv.Correct] != "1 ms against 8" {
		t.Errorf("revealed answer %d of %q", sv.Correct, sv.Options)
	}
	if err := c.Vote(students[0].ID, 1, t0); err == nil {
		t.Error("a vote after the reveal was taken")
	}
}

// An experiment decides its poll at the reveal: the class sees it measure,
// then the verdict; a run that fails can be tried again.
func TestExperimentPoll(t *testing.T) {
	c := newClass(t)
	p := c.Join("teacher", Presenter, t0)
	a := c.Join("alice", Student, t0)
	must(t, c.OpenNext(p.ID))
	must(t, c.OpenNext(p.ID))
	v := c.View(a.ID).Poll
	if !v.Judged || v.ID != "q-judged" {
		t.Fatalf("second poll is %q (judged %v)", v.ID, v.Judged)
	}
	rise := indexOf(v.Options, "rise")
	must(t, c.Vote(a.ID, rise, t0))
	run, seq, err := c.Reveal(p.ID)
	if err != nil || run == nil || run.Question.ID != "q-judged" {
		t.Fatalf("reveal: %v, run %v", err, run)
	}
	if err := c.OpenNext(p.ID); err == nil {
		t.Error("the next poll opened while the experiment runs")
	}
	c.Progress(seq, "killing the cache...")
	if v := c.View(a.ID).Poll; v.State != Measuring || v.Progress != "killing the cache..." || v.Counts != nil {
		t.Errorf("while measuring a student sees %v %q counts %v", v.State, v.Progress, v.Counts)
	}
	c.Measured(seq, quiz.Verdict{}, errors.New("the cache is not in this card"))
	if v := c.View(a.ID).Poll; v.State != Locked || !strings.Contains(v.Failure, "not in this card") {
		t.Errorf("after a failed run: %v %q", v.State, v.Failure)
	}
	if _, _, err := c.Reveal(p.ID); err != nil {
		t.Fatal(err)
	}
	c.Measured(seq, quiz.Verdict{Correct: 0, Evidence: "DB reads/s went from 31 to 152"}, nil)
	v = c.View(a.ID).Poll
	if !v.Revealed() || v.Correct != rise || v.Evidence != "DB reads/s went from 31 to 152" || v.Failure != "" {
		t.Errorf("verdict: %v correct %d (rise is %d) %q %q", v.State, v.Correct, rise, v.Evidence, v.Failure)
	}
	res := c.Results()
	if len(res) != 1 || res[0].Correct != "true" {
		t.Errorf("results %+v", res)
	}
	if err := c.OpenNext(p.ID); err == nil || !strings.Contains(err.Error(), "no questions left") {
		t.Errorf("past the last question: %v", err)
	}
}

func TestResultsCSVAndSummary(t *testing.T) {
	c := newClass(t)
	p := c.Join("teacher", Presenter, t0)
	a := c.Join("alice", Student, t0)
	b := c.Join("bob,\"the\"", Student, t0)
	must(t, c.OpenNext(p.ID))
	right := c.questions[0].Correct()
	must(t, c.Vote(a.ID, right, t0.Add(3*time.Second)))
	must(t, c.Vote(b.ID, (right+1)%4, t0.Add(5*time.Second)))
	if r := c.Results(); r[0].Correct != "" {
		t.Errorf("correct %q before the reveal", r[0].Correct)
	}
	must(t, c.Revote(p.ID))
	must(t, c.Vote(b.ID, right, t0.Add(9*time.Second)))
	_, _, _ = c.Reveal(p.ID)
	must(t, c.OpenNext(p.ID)) // asked, never revealed
	c.Leave(a.ID)

	var buf bytes.Buffer
	if err := WriteCSV(&buf, c.Results()); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	L := quiz.Letter
	want := [][]string{
		CSVHeader,
		{"alice", "q-marked", L(right), "true", "2026-11-26T09:00:03Z", "1"},
		{"bobthe", "q-marked", L((right + 1) % 4), "false", "2026-11-26T09:00:05Z", "1"},
		{"bobthe", "q-marked", L(right), "true", "2026-11-26T09:00:09Z", "2"},
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("CSV\n%v\nwant\n%v", rows, want)
	}

	lines := c.Summary().Lines()
	for _, w := range []string{"2 students joined, 2 polls asked.", "vote 1: 2 answered, 50% right; vote 2: 1 answered, 100% right",
		"2. Kill the cache: DB reads? (q-judged) — not revealed — vote: 0 answered"} {
		if !strings.Contains(strings.Join(lines, "\n"), w) {
			t.Errorf("summary lacks %q:\n%s", w, strings.Join(lines, "\n"))
		}
	}
}

func TestVersionMovesOnEveryChange(t *testing.T) {
	c := newClass(t)
	last := c.Version()
	step := func(what string, f func()) {
		t.Helper()
		f()
		if v := c.Version(); v == last {
			t.Errorf("%s did not move the version", what)
		} else {
			last = v
		}
	}
	var p, a Member
	step("join", func() { p = c.Join("t", Presenter, t0); a = c.Join("a", Student, t0) })
	step("open", func() { must(t, c.OpenNext(p.ID)) })
	step("vote", func() { must(t, c.Vote(a.ID, 1, t0)) })
	step("lock", func() { must(t, c.Lock(p.ID)) })
	step("hand", func() { must(t, c.Hand(p.ID, a.ID)) })
	step("leave", func() { c.Leave(a.ID) })
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
