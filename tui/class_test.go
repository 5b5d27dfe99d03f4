package tui

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
	"github.com/archex/archex/classroom"
)

// seat is one member of a real class, as the dashboard needs it.
type seat struct {
	c     *classroom.Class
	id    classroom.ID
	ends  bool
	steps int // step requests still allowed
}

func (s *seat) Version() uint64        { return s.c.Version() }
func (s *seat) View() classroom.View   { return s.c.View(s.id) }
func (s *seat) JoinHint() string       { return "ssh -p 2222 yourname@10.1.2.3 · class code plum-otter-42" }
func (s *seat) QuitEndsClass() bool    { return s.ends }
func (s *seat) SummaryLines() []string { return s.c.Summary().Lines() }
func (s *seat) AllowStep() bool        { s.steps--; return s.steps >= 0 }
func (s *seat) Vote(o int) error       { return s.c.Vote(s.id, o, t0) }
func (s *seat) OpenNext() error        { return s.c.OpenNext(s.id) }
func (s *seat) Lock() error            { return s.c.Lock(s.id) }
func (s *seat) Revote() error          { return s.c.Revote(s.id) }
func (s *seat) TakeBack() error        { return s.c.TakeBack(s.id) }
func (s *seat) Reveal() error {
	run, seq, err := s.c.Reveal(s.id)
	if run != nil {
		// What the server does: run the experiment, then report.
		s.c.Progress(seq, "killing the cache...")
	}
	return err
}
func (s *seat) Hand(nick string) error {
	for _, m := range s.c.Students() {
		if m.Nick == nick {
			return s.c.Hand(s.id, m.ID)
		}
	}
	return nil
}

var pollQuestion = card.Question{ID: "q1", Prompt: "The cache is killed at 200 req/s. What do users see?", Options: []card.Option{
	{Text: "Errors until it is back", Explanation: "Reads fall back to the database."},
	{Text: "Slower answers, no errors", Correct: true, Explanation: "Cache-aside falls back to the database: slower, never failed."},
	{Text: "Stale prices", Explanation: "Nothing stale is served: the cache is empty when it comes back."},
	{Text: "Nothing changes", Explanation: "p99 rises and the database works several times harder."}}}

// newClassroom is a class with one question, a presenter and n students,
// each with a dashboard at w x h on the fake system.
func newClassroom(t *testing.T, f *fakeSystem, n, w, h int) (*classroom.Class, *Model, []*Model) {
	t.Helper()
	items, err := classroom.Bank{Card: &card.Card{Quiz: []card.Question{pollQuestion}}}.Questions([]string{"card"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	c := classroom.New(items)
	open := func(user string, role classroom.Role) *Model {
		s := &seat{c: c, id: c.Join(user, role, t0).ID, ends: role == classroom.Presenter, steps: 2}
		m := New(f, Options{Now: func() time.Time { return t0 }, NoTick: true, Class: s})
		m.Update(tea.WindowSizeMsg{Width: w, Height: h})
		m.Update(frameMsg(t0))
		return m
	}
	p := open("teacher", classroom.Presenter)
	var students []*Model
	for _, u := range []string{"alice", "bob", "carol", "dave", "erin"}[:n] {
		students = append(students, open(u, classroom.Student))
	}
	return c, p, students
}

// frame moves every dashboard on one frame, as their ticks would.
func frame(ms ...*Model) {
	for _, m := range ms {
		run(m, frameMsg(t0.Add(time.Second)))
	}
}

// A student's keys change what they see, never the system, and the help
// offers them only those.
func TestStudentCannotDrive(t *testing.T) {
	f := newFake()
	_, _, students := newClassroom(t, f, 1, 120, 40)
	s := students[0]
	for _, k := range []string{"c", "d", "m", "w", "g", "l", "1", "x", "enter", "s", "f", "h", "b", "y", "a", "p", "+", "-", "t"} {
		press(s, k)
		if !strings.Contains(s.status, "the presenter drives the system") {
			t.Errorf("%s: status %q", k, s.status)
		}
	}
	if f.called() != "" {
		t.Errorf("a student's keys changed the system: %s", f.called())
	}
	press(s, "v")
	press(s, ">")
	if s.panel != panelTrace || s.speed != 2 {
		t.Errorf("display keys: panel %v speed %g", s.panel, s.speed)
	}
	press(s, "?")
	help := s.View()
	for _, gone := range []string{"kill/revive the cache", "pause/resume traffic", "circuit breaker"} {
		if strings.Contains(help, gone) {
			t.Errorf("a student's help offers %q", gone)
		}
	}
	if !strings.Contains(help, "the presenter drives the system") || !strings.Contains(help, "animation speed") {
		t.Errorf("a student's help:\n%s", help)
	}
}

// Step mode is rate-limited per student. (Space during a narration pauses
// it; esc ends it, so that the next space sends.)
func TestStudentStepIsRateLimited(t *testing.T) {
	f := newFake()
	_, _, students := newClassroom(t, f, 1, 120, 40)
	for range 3 {
		press(students[0], "space")
		press(students[0], "esc")
	}
	if got := f.called(); got != "send 42; send 42" {
		t.Errorf("three steps sent %q, want two (the seat allows two)", got)
	}
	if !strings.Contains(students[0].status, "a few requests a second") {
		t.Errorf("status %q", students[0].status)
	}
}

func TestHandingTheControls(t *testing.T) {
	f := newFake()
	_, p, students := newClassroom(t, f, 2, 120, 40)
	press(p, "G")
	press(p, "down") // bob
	press(p, "enter")
	frame(students...)
	if !strings.Contains(students[0].View(), "bob drives") || !strings.Contains(students[1].View(), "you drive the system") {
		t.Errorf("after handing to bob:\nalice: %s\nbob: %s", firstLines(students[0].View(), 3), firstLines(students[1].View(), 3))
	}
	press(students[0], "c")
	press(students[1], "c")
	if got := f.called(); got != "kill cache" {
		t.Errorf("alice and bob pressed c: %q, want bob's kill only", got)
	}
	press(p, "G")
	frame(students...)
	press(students[1], "d")
	if got := f.called(); got != "kill cache" {
		t.Errorf("bob drove after the controls were taken back: %q", got)
	}
}

// The presenter's screen shows how to join and who is here; a student's
// shows the class and who drives.
func TestEveryScreenShowsTheClass(t *testing.T) {
	_, p, students := newClassroom(t, newFake(), 3, 120, 40)
	frame(append(students, p)...)
	top := firstLines(p.View(), 4)
	for _, want := range []string{"ssh -p 2222 yourname@10.1.2.3", "plum-otter-42", "3 students", "the presenter drives", "alice bob carol"} {
		if !strings.Contains(top, want) {
			t.Errorf("presenter's screen lacks %q:\n%s", want, top)
		}
	}
	top = firstLines(students[1].View(), 3)
	if !strings.Contains(top, "3 students · the presenter drives · you are bob") || strings.Contains(top, "plum-otter") {
		t.Errorf("bob's screen:\n%s", top)
	}
}

// A poll as a class runs it: the presenter opens it, every screen shows
// it, students answer and may change their answer, the presenter sees how
// many answered, the class sees no distribution until the reveal, then
// every screen shows it with the right answer.
func TestPollOnEveryScreen(t *testing.T) {
	_, p, students := newClassroom(t, newFake(), 3, 120, 40)
	press(p, "P")
	frame(students...)
	for _, s := range students {
		if v := s.View(); !strings.Contains(v, "The cache is killed at 200 req/s.") || !strings.Contains(v, "Answer with A–D") {
			t.Fatalf("a student's screen lacks the poll:\n%s", v)
		}
	}
	right := strings.ToUpper(letterOf(t, students[0].View(), "Slower answers, no errors"))
	wrong := map[string]string{"A": "B", "B": "C", "C": "D", "D": "A"}[right]
	press(students[0], strings.ToLower(right))
	press(students[1], wrong)
	press(students[1], right) // changed her mind
	press(students[2], wrong)
	frame(p)
	pv := p.View()
	if !strings.Contains(pv, "3 of 3 answered") || distribution.MatchString(pv) {
		t.Errorf("presenter's screen before O:\n%s", pv)
	}
	press(p, "O")
	if !distribution.MatchString(p.View()) {
		t.Errorf("O does not show the presenter the answers so far:\n%s", p.View())
	}
	frame(students...)
	for _, s := range students {
		if distribution.MatchString(s.View()) {
			t.Errorf("a student sees the answers before the reveal:\n%s", s.View())
		}
	}
	if !strings.Contains(students[1].View(), "Your answer: "+right) {
		t.Errorf("bob's own answer is not on his screen")
	}
	press(p, "R")
	frame(students...)
	for i, s := range students {
		v := s.View()
		if !strings.Contains(v, "✓ Right answer: "+right) || !strings.Contains(paneText(s), "Cache-aside falls back to the database") {
			t.Errorf("student %d's screen after the reveal:\n%s", i, v)
		}
		if c := countOf(v, right); c != 2 {
			t.Errorf("student %d sees %d for %s, want 2", i, c, right)
		}
	}
	if !strings.Contains(paneText(students[2]), "You answered "+wrong+": not quite") {
		t.Errorf("carol is not told her answer was wrong")
	}
}

// The second vote shows both distributions side by side.
func TestSecondVoteSideBySide(t *testing.T) {
	_, p, students := newClassroom(t, newFake(), 2, 120, 40)
	press(p, "P")
	frame(students...)
	press(students[0], "A")
	press(students[1], "B")
	press(p, "V")
	frame(students...)
	if v := paneText(students[0]); !strings.Contains(v, "vote 2") || !strings.Contains(v, "you said A the first time") || !strings.Contains(v, "Answer again with A–D") {
		t.Errorf("second vote screen:\n%s", v)
	}
	press(students[0], "B")
	press(students[1], "B")
	press(p, "R")
	frame(students...)
	v := students[0].View()
	if !regexp.MustCompile(`vote 1\s+vote 2`).MatchString(v) {
		t.Errorf("no side-by-side votes:\n%s", v)
	}
	if row := rowOf(v, "B"); !regexp.MustCompile(`█*░*\s+1\s+█+░*\s+2`).MatchString(row) {
		t.Errorf("option B's row %q: want 1 in vote 1, 2 in vote 2", row)
	}
}

// The server's own presenter is asked before q ends the class, and sees
// the summary.
func TestPresenterQuitAsksFirst(t *testing.T) {
	_, p, students := newClassroom(t, newFake(), 1, 120, 40)
	if press(p, "q") {
		t.Fatal("q ended the class at once")
	}
	if v := p.View(); !strings.Contains(v, "class summary") || !strings.Contains(v, "1 student joined, 0 polls asked.") {
		t.Errorf("q shows:\n%s", v)
	}
	press(p, "x")
	if press(p, "q"); !press(p, "q") {
		t.Error("q twice did not end the class")
	}
	if !press(students[0], "q") {
		t.Error("a student's q did not leave")
	}
}

// An experiment runs at the reveal: every screen says so, and nobody's
// chaos keys interfere.
func TestExperimentRunsAtTheReveal(t *testing.T) {
	f := newFake()
	items, err := classroom.Bank{Experiments: []card.Question{{ID: "exp", Prompt: "Kill the cache: DB reads?",
		Options: []card.Option{{Text: "rise"}, {Text: "same"}}}}}.Questions([]string{"experiments"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	c := classroom.New(items)
	p := New(f, Options{Now: func() time.Time { return t0 }, NoTick: true, Class: &seat{c: c, id: c.Join("t", classroom.Presenter, t0).ID}})
	p.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	press(p, "P")
	press(p, "R")
	if v := paneText(p); !strings.Contains(v, "running on the live system") || !strings.Contains(v, "killing the cache...") {
		t.Errorf("measuring screen:\n%s", v)
	}
	press(p, "c")
	if f.called() != "" || !strings.Contains(p.status, "experiment is running") {
		t.Errorf("chaos during the experiment: %q, status %q", f.called(), p.status)
	}
}

// The class's keys share no key with the dashboard's.
func TestClassKeysAreTheirOwn(t *testing.T) {
	dash := map[string]string{}
	k := DefaultKeyMap()
	v := reflect.ValueOf(&k).Elem()
	for i := range v.NumField() {
		if b, ok := v.Field(i).Interface().(key.Binding); ok {
			for _, key := range b.Keys() {
				dash[key] = b.Help().Desc
			}
		}
	}
	if len(dash) < 40 {
		t.Fatalf("found %d dashboard keys", len(dash))
	}
	for _, b := range DefaultClassKeyMap().all() {
		for _, key := range b.Keys() {
			if d, ok := dash[key]; ok {
				t.Errorf("%q is both %q and %q", key, b.Help().Desc, d)
			}
		}
	}
}

func TestGoldenPoll(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(sizeName(size), func(t *testing.T) {
			c, p, students := newClassroom(t, newFakeCard(cards.Default()), 2, size[0], size[1])
			press(p, "P")
			frame(students...)
			press(students[0], "A")
			press(students[1], "C")
			press(p, "R")
			frame(students...)
			_ = c
			teatest.RequireEqualOutput(t, []byte(students[0].View()))
		})
	}
}

var distribution = regexp.MustCompile(`[A-D] [✓ ] [█░]+\s+\d`)

// paneText is the poll pane's text as one line, wrapping undone.
func paneText(m *Model) string {
	m.View() // sizes the pane
	return strings.Join(strings.Fields(m.cls.pane.View()), " ")
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// letterOf finds the letter an option is shown under.
func letterOf(t *testing.T, screen, option string) string {
	t.Helper()
	m := regexp.MustCompile(`([A-D])  ` + regexp.QuoteMeta(option)).FindStringSubmatch(screen)
	if m == nil {
		t.Fatalf("%q is not on screen:\n%s", option, screen)
	}
	return m[1]
}

// rowOf is the distribution row of option letter.
func rowOf(screen, letter string) string {
	return regexp.MustCompile(` ` + letter + ` [✓ ] [█░].*`).FindString(screen)
}

// countOf is option letter's count in a one-vote distribution.
func countOf(screen, letter string) int {
	m := regexp.MustCompile(` ` + letter + ` [✓ ] [█░]+\s+(\d+)`).FindStringSubmatch(screen)
	if m == nil {
		return -1
	}
	n := 0
	for _, d := range m[1] {
		n = n*10 + int(d-'0')
	}
	return n
}

// A presenter's class key that does not apply says why.
func TestPresenterKeysSayWhyNot(t *testing.T) {
	_, p, students := newClassroom(t, newFake(), 1, 120, 40)
	for k, want := range map[string]string{"L": "no poll is open", "R": "no poll is open", "O": "no poll is open: P opens one"} {
		press(p, k)
		if !strings.Contains(p.status, want) {
			t.Errorf("%s with no poll: %q", k, p.status)
		}
	}
	press(p, "P")
	frame(students...)
	press(students[0], "a")
	press(students[0], "c")
	if students[0].status != "your answer: C (it was A)" {
		t.Errorf("a changed answer: %q", students[0].status)
	}
	press(p, "R")
	press(p, "V")
	if !strings.Contains(p.status, "this poll is revealed: P opens the next one") {
		t.Errorf("V after the reveal: %q", p.status)
	}
}

// A student's letter that the poll does not take now says why, and is no
// chaos key.
func TestLettersAfterTheLock(t *testing.T) {
	f := newFake()
	_, p, students := newClassroom(t, f, 1, 120, 40)
	press(p, "P")
	press(p, "L")
	frame(students...)
	press(students[0], "a")
	if students[0].status != "the answers are locked: the reveal comes next" || f.called() != "" {
		t.Errorf("a after the lock: %q, calls %q", students[0].status, f.called())
	}
	press(p, "R")
	frame(students...)
	press(students[0], "B")
	if students[0].status != "this poll is over: the presenter opens the next one" {
		t.Errorf("B after the reveal: %q", students[0].status)
	}
}
