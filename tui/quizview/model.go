// Package quizview is the Bubble Tea model of a quiz session: a question
// with its options (cursor or letter to answer) or a field to type a number
// in, the feedback with the explanation of every option or the worked
// method, and the results with a score per topic, the learner's standing
// and next review, and a review of the misses.
//
// The model is a component, to be run alone (see App, what `archex quiz`
// runs) or embedded as a tab of the dashboard: its Update returns the
// concrete Model, its owner gives it a size with SetSize, and it never quits
// the program. When the learner quits, it sends FinishedMsg and its owner
// decides what that means.
package quizview

import (
	"slices"
	"sync/atomic"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/archex/archex/quiz"
)

// FinishedMsg is sent when the learner quits the quiz, at any point. Every
// answer given was already passed to the recorder.
type FinishedMsg struct {
	Results quiz.Results
}

// A "predict, then observe" experiment (quiz.Item.Judged) is asked in
// steps, each a message between the model and its owner, which runs the
// experiment (see App): the learner starts it (StartExperimentMsg); the
// owner measures the live system's steady baseline and sends its question
// (BaselineMsg); the learner types a prediction (PredictionMsg); the owner
// measures and sends the result (MeasuredMsg), which the quiz grades.

// StartExperimentMsg is sent when the learner starts an experiment: the
// owner starts its trial (quiz.Experimenter) and answers with BaselineMsg.
type StartExperimentMsg struct {
	Item quiz.Item
}

// BaselineMsg gives the question of the experiment the quiz waits for: its
// Prompt states the measured baseline.
type BaselineMsg struct {
	Problem quiz.Problem
}

// PredictionMsg is sent when the learner has typed a prediction: the owner
// measures (quiz.Trial.Measure) and answers with MeasuredMsg; until then the
// quiz shows the prediction and waits.
type PredictionMsg struct {
	Item  quiz.Item
	Value float64
}

// MeasuredMsg grades the prediction the quiz is waiting for: the problem
// with the measured answer, and what was measured.
type MeasuredMsg struct {
	Problem  quiz.Problem
	Evidence string
}

// savedMsg reports the recorder's result for one answer.
type savedMsg struct {
	id  int64
	err error
}

// Recorder saves one answer (the learner's progress). It runs in a tea.Cmd,
// off the update loop; an error is shown on the screen.
type Recorder func(quiz.Answer) error

type screen int

const (
	screenQuestion  screen = iota
	screenMeasuring        // a prediction waits for its experiment's verdict
	screenFeedback
	screenResults
	screenReview
)

var lastID atomic.Int64

// Model is a quiz session on screen.
type Model struct {
	id      int64
	session *quiz.Session

	// KeyMap is the keys; change them before the first Update.
	KeyMap KeyMap
	styles Styles
	help   help.Model

	record   Recorder
	preview  Preview
	statusFn func() string
	status   string
	// standingFn is the learner's standing, refreshed like status; setLine
	// says what the session asks (or that nothing is due).
	standingFn func() quiz.Summary
	standing   *quiz.Summary
	setLine    string

	width, height int

	screen screen
	// trial is the question of the experiment under way once its baseline
	// is measured; nil before. predicted is the prediction it waits on.
	trial     *quiz.Problem
	predicted float64
	cursor    int         // the option under the cursor, on a question
	number    []rune      // the number being typed, on a numeric question
	badNum    bool        // what was typed is not a number
	last      quiz.Answer // the answer the feedback is about
	review    int         // the miss under review
	offset    int         // lines scrolled, on every screen but the question
	// saveErr is the last failure to save progress, shown until an answer
	// is saved again.
	saveErr string
}

// Option configures a Model.
type Option func(*Model)

// WithStyles sets the styles (DefaultStyles, HighContrastStyles).
func WithStyles(s Styles) Option { return func(m *Model) { m.styles = s } }

// WithKeyMap sets the keys.
func WithKeyMap(k KeyMap) Option { return func(m *Model) { m.KeyMap = k } }

// WithRecorder sets what saves each answer.
func WithRecorder(r Recorder) Option { return func(m *Model) { m.record = r } }

// WithStatus sets what the header shows on the right, such as the
// learner's progress ("24/52 mastered, 3 due"). status is called at the start
// and again after every answer is saved, never in View.
func WithStatus(status func() string) Option { return func(m *Model) { m.statusFn = status } }

// WithStanding sets what the results show of the learner's standing
// (mastered, learning, due, new, and the next review), and setLine, which
// says what the session asks; an empty session shows it instead of a score
// ("Nothing is due ... next review ..."). standing is called at the start
// and after every answer is saved, never in View.
func WithStanding(standing func() quiz.Summary, setLine string) Option {
	return func(m *Model) { m.standingFn, m.setLine = standing, setLine }
}

// New returns a model asking session's questions. Its size is 80x24 until
// SetSize.
func New(session *quiz.Session, opts ...Option) Model {
	m := Model{
		id:      lastID.Add(1),
		session: session,
		KeyMap:  DefaultKeyMap(),
		styles:  DefaultStyles(nil),
		help:    help.New(),
		width:   80,
		height:  24,
	}
	for _, o := range opts {
		o(&m)
	}
	m.help.Styles = m.styles.Help
	m.refreshStatus()
	if session.Done() {
		m.screen = screenResults
	}
	m.help.Width = m.contentWidth()
	return m
}

// Init does nothing: the first question is on screen at once.
func (m Model) Init() tea.Cmd { return nil }

// SetSize sets the size the model draws in.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = max(width, 1), max(height, 1)
	m.help.Width = m.contentWidth()
	m.clampOffset()
}

// Done reports whether every question has been answered.
func (m Model) Done() bool { return m.session.Done() }

// Results returns the score so far.
func (m Model) Results() quiz.Results { return m.session.Results() }

// ShortHelp returns the keys that apply now (help.KeyMap).
func (m Model) ShortHelp() []key.Binding { return m.keys().ShortHelp() }

// FullHelp returns the keys that apply now (help.KeyMap).
func (m Model) FullHelp() [][]key.Binding { return m.keys().FullHelp() }

// keys returns the key map with only this screen's keys enabled. A key the
// owner disabled in KeyMap stays disabled.
func (m Model) keys() KeyMap {
	k := m.KeyMap
	applies := map[*key.Binding]bool{&k.Quit: true}
	if m.screen != screenQuestion && m.maxOffset() > 0 {
		applies[&k.Up], applies[&k.Down] = true, true
		k.Up.SetHelp("↑/↓", "scroll")
		k.Down.SetHelp("", "")
	}
	switch m.screen {
	case screenQuestion:
		it, _ := m.current()
		if it.Judged() {
			applies[&k.Choose] = true
			k.Choose.SetHelp(k.Choose.Help().Key, "start the experiment")
			break
		}
		if it.Numeric() {
			applies[&k.Choose], applies[&k.Answer], applies[&k.Erase] = true, true, len(m.number) > 0
			k.Answer.SetKeys(numberKeys...)
			k.Answer.SetHelp("0-9", "type")
			if m.trial != nil {
				k.Choose.SetHelp(k.Choose.Help().Key, "predict")
			}
			break
		}
		n := it.Len()
		applies[&k.Up], applies[&k.Down], applies[&k.Choose], applies[&k.Answer] = true, true, true, true
		k.Up.SetHelp("↑/↓", "move")
		k.Down.SetHelp("", "")
		k.Answer.SetKeys(letterKeys(n)...)
		// One help entry for both ways to answer.
		k.Choose.SetHelp(k.Choose.Help().Key+"/a-"+string(rune('a'+n-1)), k.Choose.Help().Desc)
		k.Answer.SetHelp("", "")
	case screenFeedback:
		applies[&k.Next] = true
		if m.session.Done() {
			k.Next.SetHelp(k.Next.Help().Key, "results")
		}
	case screenResults:
		applies[&k.Review] = len(m.session.Results().Misses) > 0
	case screenReview:
		n := len(m.session.Results().Misses)
		applies[&k.PrevMiss], applies[&k.NextMiss], applies[&k.Back] = m.review > 0, m.review < n-1, true
	}
	for _, b := range k.all() {
		b.SetEnabled(b.Enabled() && applies[b])
	}
	return k
}

// Update handles keys and the recorder's results; other messages are not
// the quiz's and are ignored.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case savedMsg:
		if msg.id == m.id {
			m.saveErr = ""
			if msg.err != nil {
				m.saveErr = msg.err.Error()
			}
			m.refreshStatus()
		}
		return m, nil
	case BaselineMsg:
		if m.screen != screenMeasuring || m.trial != nil {
			return m, nil
		}
		p := msg.Problem
		m.trial, m.screen, m.number, m.badNum = &p, screenQuestion, nil, false
		return m, nil
	case MeasuredMsg:
		if m.screen != screenMeasuring || m.trial == nil {
			return m, nil
		}
		a, err := m.session.AnswerMeasured(m.predicted, msg.Problem, msg.Evidence)
		if err != nil {
			m.saveErr = err.Error()
			return m, nil
		}
		m.trial = nil
		return m.showFeedback(a)
	case tea.KeyMsg:
		return m.handleKey(msg)
	}
	return m, nil
}

func (m Model) handleKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	k := m.keys()
	switch {
	case key.Matches(msg, k.Quit):
		results := m.session.Results()
		return m, func() tea.Msg { return FinishedMsg{Results: results} }
	case m.screen == screenQuestion:
		return m.handleQuestionKey(msg, k)
	case key.Matches(msg, k.Up):
		m.offset--
	case key.Matches(msg, k.Down):
		m.offset++
	case key.Matches(msg, k.Next):
		m.offset = 0
		m.cursor = 0
		m.number, m.badNum = nil, false
		m.screen = screenQuestion
		if m.session.Done() {
			m.screen = screenResults
		}
	case key.Matches(msg, k.Review):
		m.screen, m.review, m.offset = screenReview, 0, 0
	case key.Matches(msg, k.PrevMiss):
		m.review, m.offset = m.review-1, 0
	case key.Matches(msg, k.NextMiss):
		m.review, m.offset = m.review+1, 0
	case key.Matches(msg, k.Back):
		m.screen, m.offset = screenResults, 0
	}
	m.clampOffset()
	return m, nil
}

// current is the question on screen: the session's current one, with the
// question its trial measured once an experiment has its baseline.
func (m Model) current() (quiz.Item, bool) {
	it, ok := m.session.Current()
	if ok && it.Judged() && m.trial != nil {
		it.Problem = m.trial
	}
	return it, ok
}

func (m Model) handleQuestionKey(msg tea.KeyMsg, k KeyMap) (Model, tea.Cmd) {
	it, ok := m.current()
	if !ok {
		return m, nil
	}
	if it.Judged() {
		if key.Matches(msg, k.Choose) {
			m.screen, m.offset = screenMeasuring, 0
			return m, func() tea.Msg { return StartExperimentMsg{Item: it} }
		}
		return m, nil
	}
	if it.Numeric() {
		return m.handleNumberKey(msg, k)
	}
	switch {
	case key.Matches(msg, k.Up):
		m.cursor = (m.cursor - 1 + it.Len()) % it.Len()
	case key.Matches(msg, k.Down):
		m.cursor = (m.cursor + 1) % it.Len()
	case key.Matches(msg, k.Choose):
		return m.answer(m.cursor)
	case key.Matches(msg, k.Answer):
		if i, ok := quiz.ParseLetter(msg.String(), it.Len()); ok {
			return m.answer(i)
		}
	}
	return m, nil
}

// maxNumber is how many characters a typed number may have.
const maxNumber = 16

// handleNumberKey types, erases or submits the number of a numeric
// question.
func (m Model) handleNumberKey(msg tea.KeyMsg, k KeyMap) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, k.Choose):
		v, ok := quiz.ParseNumber(string(m.number))
		if !ok {
			m.badNum = true
			return m, nil
		}
		if m.trial != nil {
			it, _ := m.session.Current()
			m.predicted, m.screen, m.offset = v, screenMeasuring, 0
			return m, func() tea.Msg { return PredictionMsg{Item: it, Value: v} }
		}
		a, err := m.session.AnswerNumber(v)
		if err != nil {
			return m, nil
		}
		return m.showFeedback(a)
	case key.Matches(msg, k.Erase):
		if len(m.number) > 0 {
			m.number = m.number[:len(m.number)-1]
		}
	case key.Matches(msg, k.Answer) || k.Answer.Enabled() && typesNumber(msg):
		if len(m.number)+len(msg.Runes) <= maxNumber {
			m.number = append(m.number, msg.Runes...)
		}
	}
	m.badNum = false
	return m, nil
}

// typesNumber reports whether msg is several characters of a number at once,
// as a fast typist or a paste delivers them ("375").
func typesNumber(msg tea.KeyMsg) bool {
	if msg.Type != tea.KeyRunes || len(msg.Runes) < 2 {
		return false
	}
	for _, r := range msg.Runes {
		if !slices.Contains(numberKeys, string(r)) {
			return false
		}
	}
	return true
}

// answer grades the current question and shows the feedback; the recorder
// saves the answer in a command.
func (m Model) answer(shown int) (Model, tea.Cmd) {
	m.cursor = shown
	a, err := m.session.Answer(shown)
	if err != nil {
		return m, nil
	}
	return m.showFeedback(a)
}

func (m Model) showFeedback(a quiz.Answer) (Model, tea.Cmd) {
	m.last = a
	m.screen, m.offset = screenFeedback, 0
	if m.record == nil {
		return m, nil
	}
	rec, id := m.record, m.id
	return m, func() tea.Msg { return savedMsg{id: id, err: rec(a)} }
}

func (m *Model) refreshStatus() {
	if m.statusFn != nil {
		m.status = m.statusFn()
	}
	if m.standingFn != nil {
		s := m.standingFn()
		m.standing = &s
	}
}

func (m *Model) clampOffset() {
	m.offset = max(0, min(m.offset, m.maxOffset()))
}

func (m Model) maxOffset() int {
	if m.screen == screenQuestion {
		return 0
	}
	return max(0, len(m.body())-m.bodyHeight())
}
