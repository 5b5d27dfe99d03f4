package tui

import (
	"reflect"
	"strings"
	"time"
	"unicode"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/archex/archex/classroom"
	"github.com/archex/archex/quiz"
	"github.com/archex/archex/tui/pollpane"
)

// Class is the class a dashboard is shown to, as one of its members sees it
// (archex serve); a dashboard of one has none. The dashboard reads it on its
// frame ticks and calls it from Update: no method may wait for anything.
type Class interface {
	// Version moves when anything in the class changes.
	Version() uint64
	// View is the class as this member sees it.
	View() classroom.View
	// JoinHint is what a presenter's screen shows students to type
	// ("ssh -p 2222 yourname@10.0.0.5 · class code plum-otter-42").
	JoinHint() string
	// QuitEndsClass reports whether quitting this dashboard ends the class
	// for everyone (the presenter at the server's own terminal).
	QuitEndsClass() bool
	// SummaryLines sums the class up, for the presenter.
	SummaryLines() []string
	// AllowStep reports whether this member may send one more request in
	// step mode now: a few a second each, so that a class of sixty does not
	// become the traffic.
	AllowStep() bool

	// The member's actions. The class refuses what the member's role may
	// not do, with an error to show.
	Vote(option int) error
	OpenNext() error
	Lock() error
	Revote() error
	Reveal() error
	Hand(nick string) error
	TakeBack() error
}

// classWatchEvery is how often a still dashboard in a class looks at the
// system and the class: others change them, not only this keyboard.
const classWatchEvery = 250 * time.Millisecond

// panelPoll is the class's poll, a panel after the others while a poll is
// on.
const panelPoll = panelCount

// classState is what the dashboard keeps of its class.
type classState struct {
	Class
	view    classroom.View
	version uint64
	keys    ClassKeyMap
	pane    pollpane.Model
	peek    bool // a presenter sees the answers so far
	// summary shows the class summary; ending, because the presenter
	// pressed q: q again ends the class.
	summary, ending bool
	// chooser is the cursor in the roster while a presenter hands the
	// controls to a student; -1 when closed.
	chooser int
	// lastSeq and lastState are the poll last seen, to bring it on
	// screen when it opens or moves on.
	lastSeq   int
	lastState classroom.PollState
}

func (m *Model) initClass(c Class) {
	m.cls = &classState{Class: c, keys: DefaultClassKeyMap(), pane: pollpane.New(&m.styles), chooser: -1}
	m.keys.Tab.SetEnabled(false)
	m.refreshClass(true)
}

// refreshClass reads the class again when it changed (or force).
func (m *Model) refreshClass(force bool) {
	c := m.cls
	if c == nil {
		return
	}
	v := c.Version()
	if !force && v == c.version {
		return
	}
	c.version, c.view = v, c.View()
	presenter := c.view.Me.Role == classroom.Presenter
	if p := c.view.Poll; p != nil {
		if p.Seq != c.lastSeq || p.State != c.lastState {
			// A poll that opens, locks, measures or is revealed comes on
			// every screen, whatever panel its member was looking at.
			m.panel = panelPoll
			if p.Seq != c.lastSeq {
				c.peek = false
			}
		}
		c.lastSeq, c.lastState = p.Seq, p.State
	} else if m.panel == panelPoll {
		m.panel = panelFigures
	}
	c.pane.SetPoll(c.view.Poll, presenter, c.peek)
	if c.chooser >= len(c.view.Names) {
		c.chooser = len(c.view.Names) - 1
	}
	m.applyRole()
}

// measuring reports whether an experiment is running on the system.
func (c *classState) measuring() bool {
	return c.view.Poll != nil && c.view.Poll.State == classroom.Measuring
}

// applyRole enables the keys this member may use now, so that the help
// only ever offers what works.
func (m *Model) applyRole() {
	m.keysGen++
	c := m.cls
	for _, b := range m.keys.driving() {
		b.SetEnabled(c.view.CanDrive)
	}
	presenter := c.view.Me.Role == classroom.Presenter
	p := c.view.Poll
	asking := p != nil && (p.State == classroom.Open || p.State == classroom.Locked)
	k := &c.keys
	k.Poll.SetEnabled(presenter && !c.measuring())
	k.Lock.SetEnabled(presenter && asking)
	k.Revote.SetEnabled(presenter && asking && p.Vote < classroom.MaxVotes)
	k.Reveal.SetEnabled(presenter && asking)
	k.Peek.SetEnabled(presenter && asking)
	k.Controls.SetEnabled(presenter)
	k.Summary.SetEnabled(presenter)
	open := !presenter && p != nil && p.State == classroom.Open
	k.Answer.SetEnabled(open)
	if open {
		n := len(p.Options)
		keys := make([]string, 0, 2*n)
		for i := range n {
			keys = append(keys, quiz.Letter(i))
			if !c.view.CanDrive {
				// Lower case too, unless a driver's c must kill the cache.
				keys = append(keys, strings.ToLower(quiz.Letter(i)))
			}
		}
		k.Answer.SetKeys(keys...)
		k.Answer.SetHelp("A-"+quiz.Letter(n-1), "answer the poll")
	}
	m.applyCard()
}

// driving is every key that changes the system: all but the display keys,
// so that a key added to the map is the presenter's until said otherwise.
func (k *KeyMap) driving() []*key.Binding {
	display := map[*key.Binding]bool{
		&k.Step: true, &k.StepNext: true, &k.StepBack: true, &k.StepEnd: true,
		&k.Help: true, &k.Quit: true, &k.Tab: true, &k.SelectUp: true, &k.SelectDown: true,
		&k.SpeedUp: true, &k.SpeedDown: true, &k.Panel: true, &k.Theme: true, &k.ScrollUp: true, &k.ScrollDown: true,
		&k.Legend: true,
	}
	var out []*key.Binding
	v := reflect.ValueOf(k).Elem()
	for i := range v.NumField() {
		if b, ok := v.Field(i).Addr().Interface().(*key.Binding); ok && !display[b] {
			out = append(out, b)
		}
	}
	return out
}

// onClassKey handles a key the class has a say in; handled is false when
// the dashboard should handle it as usual.
func (m *Model) onClassKey(msg tea.KeyMsg) (cmd tea.Cmd, handled bool) {
	m.refreshClass(false) // a key acts on the class as it is now
	c := m.cls
	if c.summary {
		if c.ending && key.Matches(msg, m.keys.Quit) {
			return tea.Quit, true
		}
		c.summary, c.ending = false, false
		return nil, true
	}
	if c.chooser >= 0 {
		m.onChooserKey(msg)
		return nil, true
	}
	k := c.keys
	presenter := c.view.Me.Role == classroom.Presenter
	if presenter {
		// A presenter's key that does not apply now still answers, with
		// the class's reason ("this poll is revealed: P opens the next
		// one").
		k = DefaultClassKeyMap()
		k.Answer.SetEnabled(false)
	}
	switch {
	case msg.String() == "q" && presenter && c.QuitEndsClass():
		c.summary, c.ending = true, true
	case key.Matches(msg, k.Answer):
		letter := strings.ToUpper(msg.String())
		said := "your answer: " + letter
		if p := c.view.Poll; p != nil && p.Mine[len(p.Mine)-1] >= 0 && quiz.Letter(p.Mine[len(p.Mine)-1]) != letter {
			said += " (it was " + quiz.Letter(p.Mine[len(p.Mine)-1]) + ")"
		}
		m.classDo(c.Vote(int(letter[0]-'A')), said)
	case key.Matches(msg, k.Poll):
		m.classDo(c.OpenNext(), "poll opened: the class answers on its own first")
	case key.Matches(msg, k.Lock):
		locked := c.view.Poll != nil && c.view.Poll.State == classroom.Open
		m.classDo(c.Lock(), map[bool]string{true: "answers locked", false: "answers open again"}[locked])
	case key.Matches(msg, k.Revote):
		m.classDo(c.Revote(), "second vote: the class answers again after talking it over")
	case key.Matches(msg, k.Reveal):
		m.classDo(c.Reveal(), "revealed on every screen")
	case key.Matches(msg, k.Peek) && c.view.Poll == nil:
		m.status = classroom.ErrNoPoll.Error() + ": P opens one"
	case key.Matches(msg, k.Peek):
		c.peek = !c.peek
		c.pane.SetPoll(c.view.Poll, true, c.peek)
		m.panel = panelPoll
	case key.Matches(msg, k.Controls):
		switch {
		case c.view.Driver != "":
			m.classDo(c.TakeBack(), "the controls are back with the presenter")
		case len(c.view.Names) == 0:
			m.status = "no student has joined yet to hand the controls to"
		default:
			c.chooser = 0
		}
	case key.Matches(msg, k.Summary):
		c.summary = true
	case !presenter && c.answerLetter(msg) && !c.view.CanDrive:
		m.status = c.whyNoAnswer()
	case key.Matches(msg, m.keys.Step) && !m.narrating() && !c.AllowStep():
		m.status = "step mode: a few requests a second each, wait a moment"
	case m.isDrivingKey(msg) && c.measuring():
		m.status = "an experiment is running on the system: its verdict comes in a few seconds"
	case m.isDrivingKey(msg) && !c.view.CanDrive:
		who := "the presenter drives"
		if c.view.Driver != "" {
			who = c.view.Driver + " drives"
		}
		m.status = who + " the system: your keys change what you see (v, <, >, T, space)"
	default:
		return nil, false
	}
	return nil, true
}

// answerLetter reports whether msg is a letter of the poll on screen, which
// its state does not take now (locked, measuring, revealed).
func (c *classState) answerLetter(msg tea.KeyMsg) bool {
	p := c.view.Poll
	if p == nil || p.State == classroom.Open || len(msg.Runes) != 1 {
		return false
	}
	i := int(unicode.ToUpper(msg.Runes[0]) - 'A')
	return i >= 0 && i < len(p.Options)
}

// whyNoAnswer says why the poll on screen takes no answer now.
func (c *classState) whyNoAnswer() string {
	switch c.view.Poll.State {
	case classroom.Locked:
		return "the answers are locked: the reveal comes next"
	case classroom.Measuring:
		return "the experiment is running: watch the diagram"
	}
	return "this poll is over: the presenter opens the next one"
}

// isDrivingKey reports whether msg is a key that changes the system, even
// one disabled for this member.
func (m *Model) isDrivingKey(msg tea.KeyMsg) bool {
	all := DefaultKeyMap()
	for _, b := range all.driving() {
		if key.Matches(msg, *b) {
			return true
		}
	}
	return false
}

// classDo shows the outcome of a class action and the class as it now is.
func (m *Model) classDo(err error, ok string) {
	if err != nil {
		m.status = err.Error()
	} else {
		m.status = ok
	}
	m.refreshClass(true)
}

func (m *Model) onChooserKey(msg tea.KeyMsg) {
	c := m.cls
	names := c.view.Names
	switch msg.String() {
	case "up", "k":
		c.chooser = max(c.chooser-1, 0)
	case "down", "j":
		c.chooser = min(c.chooser+1, len(names)-1)
	case "enter":
		if c.chooser < len(names) {
			nick := names[c.chooser]
			m.classDo(c.Hand(nick), nick+" drives the system now: G takes the controls back")
		}
		c.chooser = -1
	default:
		c.chooser = -1
	}
}
