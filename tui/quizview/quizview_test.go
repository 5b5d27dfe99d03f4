package quizview

import (
	"bytes"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/archex/archex/card"
	"github.com/archex/archex/quiz"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// newSession is the test bank's three questions in their order, as a
// card's quiz: asked once each, a miss not asked again.
func newSession(t *testing.T) *quiz.Session {
	t.Helper()
	b, err := quiz.ReadBank("testdata/bank.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := quiz.NewSession(quiz.Config{Set: quiz.SetCard, Card: &card.Card{Title: "test", Quiz: b.Questions}, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func status() string { return "0/3 mastered, 0 due" }

func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEscape}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// letter is the key that answers item it rightly or, if !right, wrongly.
func letter(it quiz.Item, right bool) string {
	c := it.Correct()
	if !right {
		c = (c + 1) % it.Len()
	}
	return strings.ToLower(quiz.Letter(c))
}

// play starts the quiz in a test terminal, waits for the first question,
// sends keys, waits until the screen shows want, then quits with q and
// returns the model as it ended.
func play(t *testing.T, s *quiz.Session, w, h int, want string, keys ...string) Model {
	t.Helper()
	tm := teatest.NewTestModel(t, NewApp(New(s, WithStatus(status))), teatest.WithInitialTermSize(w, h))
	first, _ := s.Current()
	waitFor(t, tm, first.Prompt()[:20])
	for _, k := range keys {
		tm.Send(keyMsg(k))
	}
	waitFor(t, tm, want)
	tm.Send(keyMsg("q"))
	app, ok := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(App)
	if !ok {
		t.Fatal("final model is not an App")
	}
	if app.Interrupted {
		t.Error("q counted as an interrupt")
	}
	return app.Model
}

func waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func TestQuestionScreen(t *testing.T) {
	s := newSession(t)
	m := play(t, s, 80, 24, "› B)", "j")
	if m.Done() || m.screen != screenQuestion || m.cursor != 1 {
		t.Errorf("screen %d cursor %d", m.screen, m.cursor)
	}
	teatest.RequireEqualOutput(t, []byte(m.View()))
}

func TestFeedbackScreen(t *testing.T) {
	s := newSession(t)
	first, _ := s.Current()
	m := play(t, s, 80, 24, "(your answer)", letter(first, false))
	if m.screen != screenFeedback || m.last.Right() {
		t.Errorf("screen %d, answer %+v", m.screen, m.last)
	}
	teatest.RequireEqualOutput(t, []byte(m.View()))
}

func TestResultsScreen(t *testing.T) {
	s := newSession(t)
	items := s.Items()
	// 1: wrong by letter; 2: right by letter; 3: right with the cursor.
	keys := []string{letter(items[0], false), "enter", letter(items[1], true), "enter"}
	for range items[2].Correct() {
		keys = append(keys, "down")
	}
	keys = append(keys, "enter", "enter")
	m := play(t, s, 80, 24, "Misses", keys...)
	if !m.Done() || m.screen != screenResults {
		t.Fatalf("screen %d done %v", m.screen, m.Done())
	}
	if r := m.Results(); r.Right != 2 || r.Answered != 3 || len(r.Misses) != 1 {
		t.Errorf("results %+v", r)
	}
	teatest.RequireEqualOutput(t, []byte(m.View()))
}

func TestReviewScreen(t *testing.T) {
	s := newSession(t)
	items := s.Items()
	keys := []string{}
	for _, it := range items {
		keys = append(keys, letter(it, false), "enter")
	}
	keys = append(keys, "r", "n")
	m := play(t, s, 80, 24, "review: miss 2 of 3", keys...)
	teatest.RequireEqualOutput(t, []byte(m.View()))
}

func TestFeedbackScreenWide(t *testing.T) {
	s := newSession(t)
	first, _ := s.Current()
	m := play(t, s, 160, 50, "✓ Correct", letter(first, true))
	teatest.RequireEqualOutput(t, []byte(m.View()))
}

func TestInterruptIsNotQuit(t *testing.T) {
	tm := teatest.NewTestModel(t, NewApp(New(newSession(t))), teatest.WithInitialTermSize(80, 24))
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	app := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(App)
	if !app.Interrupted {
		t.Error("ctrl+c did not mark the app interrupted")
	}
}

// press sends k to m and runs the command it returns, feeding its message
// back, as a program would. It fails the test if the model ever asks to
// quit: quitting is its owner's business.
func press(t *testing.T, m Model, k string) (Model, tea.Msg) {
	t.Helper()
	m, cmd := m.Update(keyMsg(k))
	if cmd == nil {
		return m, nil
	}
	msg := cmd()
	if _, ok := msg.(tea.QuitMsg); ok {
		t.Fatalf("key %q made the model quit the program", k)
	}
	m, _ = m.Update(msg)
	return m, msg
}

func helpLine(m Model) string {
	lines := strings.Split(m.View(), "\n")
	return lines[len(lines)-1]
}

func TestKeysFollowTheScreen(t *testing.T) {
	s := newSession(t)
	items := s.Items()
	var saved []quiz.Answer
	m := New(s, WithRecorder(func(a quiz.Answer) error { saved = append(saved, a); return nil }))
	answer := func(i int) string { return "enter/a-" + strings.ToLower(quiz.Letter(items[i].Len()-1)) + " answer" }
	// unlike is the help of question j, when question i has another number
	// of options: it must not show.
	unlike := func(i, j int) []string {
		if items[i].Len() == items[j].Len() {
			return nil
		}
		return []string{answer(j)}
	}
	steps := []struct {
		key        string
		has, lacks []string
	}{
		{"", []string{"↑/↓ move • " + answer(0) + " • q quit"}, []string{"next", "review", "scroll"}},
		{letter(items[0], false), []string{"enter next", "q quit"}, []string{"answer", "review"}},
		{"enter", []string{answer(1)}, unlike(1, 0)},
		{letter(items[1], true), []string{"enter next"}, nil},
		{"enter", []string{answer(2)}, unlike(2, 1)},
		{letter(items[2], true), []string{"enter results"}, []string{"enter next"}},
		{"enter", []string{"r review misses", "q quit"}, []string{"answer", "enter"}},
		{"r", []string{"esc results"}, []string{"→/n next", "←/p previous", "review misses"}}, // one miss: nowhere to step
		{"esc", []string{"r review misses"}, nil},
	}
	if items[0].Len() == items[1].Len() && items[1].Len() == items[2].Len() {
		t.Fatal("the test bank needs questions with different numbers of options")
	}
	for i, st := range steps {
		if st.key != "" {
			m, _ = press(t, m, st.key)
		}
		h := helpLine(m)
		for _, want := range st.has {
			if !strings.Contains(h, want) {
				t.Errorf("step %d (%q): help %q lacks %q", i, st.key, h, want)
			}
		}
		for _, not := range st.lacks {
			if strings.Contains(h, not) {
				t.Errorf("step %d (%q): help %q shows %q", i, st.key, h, not)
			}
		}
	}
	if len(saved) != 3 || saved[0].Right() || !saved[2].Right() {
		t.Errorf("recorder got %d answers: %+v", len(saved), saved)
	}
	_, msg := press(t, m, "q")
	fin, ok := msg.(FinishedMsg)
	if !ok || fin.Results.Right != 2 || fin.Results.Answered != 3 {
		t.Errorf("q sent %#v, want FinishedMsg with the results", msg)
	}
}

func TestCursorAndEnter(t *testing.T) {
	s := newSession(t)
	it, _ := s.Current()
	m := New(s)
	m, _ = press(t, m, "k") // wraps to the last option
	if m.cursor != it.Len()-1 {
		t.Errorf("cursor after up from the top = %d", m.cursor)
	}
	m, _ = press(t, m, "j") // and back to the first
	m, _ = press(t, m, "j")
	m, _ = press(t, m, "enter")
	if m.screen != screenFeedback || m.last.Chosen != 1 {
		t.Errorf("enter answered %d on screen %d, want option B", m.last.Chosen, m.screen)
	}
	m, _ = press(t, m, "x") // not a key of the feedback
	if m.screen != screenFeedback {
		t.Error("an unbound key left the feedback")
	}
	m, _ = press(t, m, "e") // not an option of the next question either
	if s.Pos() != 1 {
		t.Error("e answered a question")
	}
}

func TestSaveErrorIsShown(t *testing.T) {
	s := newSession(t)
	it, _ := s.Current()
	m := New(s, WithRecorder(func(quiz.Answer) error { return errors.New("progress not saved: disk full") }))
	other := New(newSession(t))
	m, cmd := m.Update(keyMsg(letter(it, true)))
	msg := cmd()
	// A message for another quiz view is not ours.
	if other, _ = other.Update(msg); strings.Contains(other.View(), "disk full") {
		t.Error("another model took the save result")
	}
	m, _ = m.Update(msg)
	if !strings.Contains(m.View(), "✗ progress not saved: disk full") {
		t.Errorf("the save error is not on screen:\n%s", m.View())
	}
}

func TestViewFitsTheSize(t *testing.T) {
	sizes := [][2]int{{80, 24}, {160, 50}, {40, 12}, {24, 8}, {120, 40}}
	for _, size := range sizes {
		w, h := size[0], size[1]
		s := newSession(t)
		m := New(s)
		m.SetSize(w, h)
		keys := []string{"j", "a", "j", "j", "enter", "b", "enter", "a", "enter", "j", "r", "n", "j", "n", "esc"}
		check := func(step string) {
			lines := strings.Split(m.View(), "\n")
			if len(lines) != h {
				t.Errorf("%dx%d after %s: %d lines", w, h, step, len(lines))
			}
			for i, l := range lines {
				if lw := ansi.StringWidth(l); lw > w {
					t.Errorf("%dx%d after %s: line %d is %d wide: %q", w, h, step, i, lw, l)
				}
			}
		}
		check("start")
		for _, k := range keys {
			m, _ = press(t, m, k)
			check(k)
		}
	}
}

func TestScrollAndSmallScreens(t *testing.T) {
	s := newSession(t)
	it, _ := s.Current()
	m := New(s)
	m.SetSize(40, 10)
	for range it.Len() - 1 {
		m, _ = press(t, m, "j")
	}
	last := quiz.Letter(it.Len()-1) + ")"
	if !strings.Contains(m.View(), "› "+last) {
		t.Errorf("the cursor's option is scrolled off a small screen:\n%s", m.View())
	}
	m, _ = press(t, m, "enter")
	if !strings.Contains(m.View(), "↓ more below") || !strings.Contains(helpLine(m), "↑/↓ scroll") {
		t.Errorf("a long feedback gives no hint that it scrolls:\n%s", m.View())
	}
	top := m.View()
	for range 100 {
		m, _ = press(t, m, "down")
	}
	if m.View() == top || strings.Contains(m.View(), "↓ more below") {
		t.Errorf("scrolling down did not reach the end:\n%s", m.View())
	}
	// The app passes the window size on.
	app := NewApp(New(newSession(t)))
	next, _ := app.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	if n := strings.Count(next.View(), "\n") + 1; n != 30 {
		t.Errorf("after a 100x30 window the view has %d lines", n)
	}
}

func TestExperimentWaitsForItsMeasurements(t *testing.T) {
	predict := card.Question{ID: "predict-cache-kill", Topic: "cache", Difficulty: "medium",
		Prompt: "If you kill the cache now, what happens to database queries per second?",
		Options: []card.Option{
			{Text: "They fall", Explanation: "Misses go to the database, so it gets more work, not less."},
			{Text: "They rise many times over", Explanation: "Every read is now a miss."},
		}}
	s, err := quiz.NewSession(quiz.Config{Set: quiz.SetExperiments, Experiments: []card.Question{predict}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var saved []quiz.Answer
	m := New(s, WithRecorder(func(a quiz.Answer) error { saved = append(saved, a); return nil }))
	if h := helpLine(m); !strings.Contains(h, "enter start the experiment") || strings.Contains(h, "a-b") {
		t.Errorf("help before the experiment: %q", h)
	}
	// Letters do nothing: the options are a class poll's.
	if m2, cmd := m.Update(keyMsg("b")); cmd != nil || m2.View() != m.View() {
		t.Error("a letter answered an experiment")
	}
	m, cmd := m.Update(keyMsg("enter"))
	sm, ok := cmd().(StartExperimentMsg)
	if !ok || sm.Item.Question.ID != predict.ID || !strings.Contains(m.View(), "Measuring the live system's steady baseline") {
		t.Fatalf("starting sent %#v:\n%s", sm, m.View())
	}
	baseline := quiz.Problem{Prompt: "Now 27 reads/s reach the database, at 84 % cache hits. How many after the kill?", Answer: math.NaN(), Unit: "reads/s", Tolerance: 0.4, Measured: true}
	m, _ = m.Update(BaselineMsg{Problem: baseline})
	if v := m.View(); !strings.Contains(v, "Now 27 reads/s reach the database") || !strings.Contains(v, "Type a number (a prediction within 40 % of the measured one counts)") ||
		!strings.Contains(helpLine(m), "enter predict") {
		t.Errorf("the question with its baseline:\n%s", v)
	}
	for _, k := range []string{"1", "6", "9"} {
		m, _ = press(t, m, k)
	}
	m, cmd = m.Update(keyMsg("enter"))
	pm, ok := cmd().(PredictionMsg)
	if !ok || pm.Value != 169 || pm.Item.Question.ID != predict.ID {
		t.Fatalf("predicting sent %#v", pm)
	}
	if s.Pos() != 0 || !strings.Contains(m.View(), "Your prediction: 169 reads/s") {
		t.Errorf("the quiz did not wait for the measurements:\n%s", m.View())
	}
	if h := helpLine(m); strings.Contains(h, "answer") || !strings.Contains(h, "q quit") {
		t.Errorf("help while measuring: %q", h)
	}
	measured := baseline
	measured.Answer, measured.Method = 142, []string{"27 / (1 - 0.84) = 169; measured 142: singleflight merged misses."}
	m, cmd = m.Update(MeasuredMsg{Problem: measured, Evidence: "database reads went from 27/s to 142/s"})
	m, _ = m.Update(cmd())
	v := m.View()
	if m.screen != screenFeedback || !strings.Contains(v, "✓ Correct: measured 142 reads/s") || !strings.Contains(v, "Measured: database reads went from 27/s to 142/s") ||
		!strings.Contains(v, "Why it came out so") {
		t.Errorf("feedback after the measurement:\n%s", v)
	}
	if len(saved) != 1 || !saved[0].Right() || !saved[0].Item.Problem.Measured {
		t.Errorf("recorded %+v", saved)
	}
	// A measurement nobody waits for changes nothing.
	if m2, _ := m.Update(MeasuredMsg{Problem: measured}); m2.View() != v {
		t.Error("a stray measurement changed the screen")
	}
	if m2, _ := m.Update(BaselineMsg{Problem: baseline}); m2.View() != v {
		t.Error("a stray baseline changed the screen")
	}
}

func TestOwnerCanDisableKeys(t *testing.T) {
	km := DefaultKeyMap()
	km.Quit.SetEnabled(false) // a dashboard that quits with its own key
	m := New(newSession(t), WithKeyMap(km))
	if h := helpLine(m); strings.Contains(h, "quit") {
		t.Errorf("help shows a disabled key: %q", h)
	}
	if _, cmd := m.Update(keyMsg("q")); cmd != nil {
		t.Error("a disabled quit key still finishes the quiz")
	}
}

// standing is a fixed account of the learner, for the results.
func standing() quiz.Summary {
	now := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	return quiz.Summary{Total: 105, Learning: 3, New: 102, NextDue: now.Add(24 * time.Hour), Now: now}
}

// numericSession asks one numeric question (the pool's capacity), drawn
// with a fixed seed.
func numericSession(t *testing.T) *quiz.Session {
	t.Helper()
	s, err := quiz.NewSession(quiz.Config{Set: quiz.SetAll, Numeric: quiz.Templates()[1:2], Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A numeric question is typed into a field, submitted with enter, and its
// feedback shows the worked method; a miss comes back with new numbers.
func TestNumericQuestion(t *testing.T) {
	s := numericSession(t)
	it, _ := s.Current()
	var saved []quiz.Answer
	m := New(s, WithRecorder(func(a quiz.Answer) error { saved = append(saved, a); return nil }))
	if h := helpLine(m); !strings.Contains(h, "0-9 type") || strings.Contains(h, "a-") || strings.Contains(h, "erase") {
		t.Errorf("help on a numeric question: %q", h)
	}
	for _, k := range []string{"1", "x", "2"} { // x is not part of a number
		m, _ = press(t, m, k)
	}
	if !strings.Contains(m.View(), "› 12█") || !strings.Contains(helpLine(m), "⌫ erase") {
		t.Errorf("typed 1, x, 2:\n%s", m.View())
	}
	m, _ = press(t, m, "-")
	m, _ = press(t, m, "-")
	m, _ = press(t, m, "enter")
	if m.screen != screenQuestion || !strings.Contains(m.View(), "✗ That is not a number") {
		t.Errorf("12-- was taken as a number:\n%s", m.View())
	}
	for range 4 {
		m, _ = m.Update(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	// Typed fast, or pasted, the digits come in one message.
	wrong := quiz.Number(it.Problem.Answer * 2)
	m, _ = press(t, m, wrong)
	m, _ = press(t, m, "enter")
	v := m.View()
	if m.screen != screenFeedback || !strings.Contains(v, "✗ Not quite: the answer is "+it.Problem.Shown()) ||
		!strings.Contains(v, "you typed "+wrong) || !strings.Contains(v, "How to work it out") {
		t.Errorf("feedback on a wrong number:\n%s", v)
	}
	if len(saved) != 1 || saved[0].Right() || saved[0].Value != it.Problem.Answer*2 {
		t.Errorf("saved %+v", saved)
	}
	// The miss comes back at once (nothing else is left), with new numbers.
	m, _ = press(t, m, "enter")
	again, ok := s.Current()
	if !ok || !again.Again || m.screen != screenQuestion || !strings.Contains(m.View(), "again (missed earlier)") {
		t.Fatalf("the miss is not asked again:\n%s", m.View())
	}
	if strings.Contains(m.View(), "›"+" "+wrong) {
		t.Error("the field kept the last number")
	}
	for _, r := range quiz.Number(again.Problem.Answer) {
		m, _ = press(t, m, string(r))
	}
	m, _ = press(t, m, "enter")
	if !strings.Contains(m.View(), "✓ Correct: "+again.Problem.Shown()) {
		t.Errorf("a right number:\n%s", m.View())
	}
}

func TestNumericQuestionScreen(t *testing.T) {
	m := play(t, numericSession(t), 80, 24, "› 37█", "3", "7")
	teatest.RequireEqualOutput(t, []byte(m.View()))
}

func TestNumericFeedbackScreen(t *testing.T) {
	m := play(t, numericSession(t), 80, 24, "How to work it out", "1", "2", "5", "enter")
	teatest.RequireEqualOutput(t, []byte(m.View()))
}

// The results show the standing and the next review.
func TestResultsWithStanding(t *testing.T) {
	s := newSession(t)
	var keys []string
	for i, it := range s.Items() {
		keys = append(keys, letter(it, i != 1), "enter")
	}
	tm := teatest.NewTestModel(t, NewApp(New(s, WithStatus(status), WithStanding(standing, "This set: 0 to review, 3 new."))), teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "Why is a load")
	for _, k := range keys {
		tm.Send(keyMsg(k))
	}
	waitFor(t, tm, "next review")
	tm.Send(keyMsg("q"))
	m := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(App).Model
	v := m.View()
	for _, want := range []string{"2 of 3 right", "Your standing", "0 mastered + 3 learning + 0 due + 102 new = 105 questions", "next review: Tue 11 Mar 09:00 (in 1 day)"} {
		if !strings.Contains(v, want) {
			t.Errorf("results lack %q:\n%s", want, v)
		}
	}
	teatest.RequireEqualOutput(t, []byte(v))
}

// An empty practice set says that nothing is due, and when to come back.
func TestNothingToAsk(t *testing.T) {
	b, _ := quiz.ReadBank("testdata/bank.yaml")
	p := quiz.NewProgress()
	now := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	for _, q := range b.Questions {
		p.Record(q.ID, true, now)
	}
	s, err := quiz.NewSession(quiz.Config{Bank: b, Progress: p, Now: now.Add(time.Hour), Seed: 1})
	if err != nil || s.Len() != 0 {
		t.Fatalf("session of %d, %v", s.Len(), err)
	}
	sum := p.Summary(quiz.IDs(b.Questions), now.Add(time.Hour))
	m := New(s, WithStanding(func() quiz.Summary { return sum }, quiz.SetLine(s, sum)))
	v := m.View()
	for _, want := range []string{"Nothing to ask now", "Nothing is due and no question is new: the next review is Tue 11 Mar 09:00 (in 23 h).", "next review: Tue 11 Mar 09:00"} {
		if !strings.Contains(strings.Join(strings.Fields(ansi.Strip(v)), " "), want) {
			t.Errorf("the empty set lacks %q:\n%s", want, v)
		}
	}
	teatest.RequireEqualOutput(t, []byte(v))
}

// In a practice set a miss comes back three questions later.
func TestMissComesBackInPractice(t *testing.T) {
	b, _ := quiz.ReadBank("testdata/bank.yaml")
	s, _ := quiz.NewSession(quiz.Config{Bank: b, Seed: 2})
	first, _ := s.Current()
	m := New(s)
	m, _ = press(t, m, letter(first, false))
	if s.Len() != 4 {
		t.Fatalf("after a miss the set has %d questions, want 3 + 1", s.Len())
	}
	m, _ = press(t, m, "enter")
	if !strings.Contains(m.View(), "question 2 of 4") {
		t.Errorf("the header does not count the second asking:\n%s", m.View())
	}
	for i := 0; i < 2; i++ {
		it, _ := s.Current()
		m, _ = press(t, m, letter(it, true))
		m, _ = press(t, m, "enter")
	}
	it, _ := s.Current()
	if !it.Again || it.Question.ID != first.Question.ID || !strings.Contains(m.View(), "again (missed earlier)") {
		t.Errorf("question 4 is %s (again %v):\n%s", it.Question.ID, it.Again, m.View())
	}
}
