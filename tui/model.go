package tui

import (
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/archex/archex/card"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/lesson"
	"github.com/archex/archex/quiz/experiment"
	"github.com/archex/archex/tui/diagram"
	"github.com/archex/archex/tui/quizview"
	"github.com/archex/archex/tui/theme"
)

// Sizes the dashboard needs.
const (
	MinWidth  = 80
	MinHeight = 24
)

// frameEvery is the frame tick while something moves.
const frameEvery = 50 * time.Millisecond

// Options configure a dashboard.
type Options struct {
	// Palette is the starting theme (default: theme.Default).
	Palette *theme.Palette
	// Now is the clock (tests pass a fixed one); default time.Now.
	Now func() time.Time
	// NoTick stops the model from scheduling frame ticks itself (tests
	// send frames by hand).
	NoTick bool
	// Quiz, when set, is the quiz shown on its own tab (tab switches).
	Quiz *quizview.Model

	// A front end that sets the scene (a challenge) narrows what the keys
	// do and adds a panel of its own:

	// Levers, when not nil, are the only levers the keys turn (by
	// engine.LeverNames); the keys of the others are disabled.
	Levers []string
	// NoChaos disables the keys that break things or change the traffic
	// (kill, slow, fail, heal, crash, pause, rate, pattern).
	NoChaos bool
	// Side, when set, is a panel shown first on the right.
	Side Panel
	// Keys are the front end's own keys (it handles them before the
	// dashboard), listed in the help.
	Keys []key.Binding
	// Select names the component selected at the start (default the
	// first).
	Select string

	// Lesson, when set, is played from the start (archex --script), again
	// and again with Loop. Faults are the --fault timeline's faults, the
	// system's own clock, to apply at their times (the traffic's rate and
	// pattern faults are better planned with engine.Plan beforehand).
	Lesson *lesson.Lesson
	Loop   bool
	Faults []engine.Fault
	// Shots is the folder the screen is saved to (S); "" is the current
	// one.
	Shots string
	// Class, when set, shows the dashboard to one member of a class
	// (archex serve): the class under the header, the polls, and the keys
	// of the member's role.
	Class Class
	// Renderer is what the styles are built with: over SSH the session's
	// own (its client's colour profile and background); nil means
	// lipgloss.DefaultRenderer(), the local terminal's.
	Renderer *lipgloss.Renderer
}

// Panel is a right-hand panel a front end gives the dashboard: it draws
// itself in w×h on every frame, from whatever it pulls.
type Panel interface {
	Title() string
	View(w, h int) string
}

// panel is what the right-hand side shows.
type panel int

const (
	panelFigures panel = iota
	panelTrace
	panelLog
	panelCard
	panelSide // Options.Side
	panelCount
)

var panelNames = [...]string{"figures", "trace inspector", "event log", "the card", ""}

// Model is the dashboard. It takes a System and needs nothing global, so
// several dashboards can watch one engine.
type Model struct {
	sys  System
	card *card.Card
	opts Options
	keys KeyMap
	help help.Model
	// renderer is the one every style is built with (see Options.Renderer).
	renderer *lipgloss.Renderer
	styles   theme.Styles
	inks     []theme.Ink
	pal      int

	width, height int
	showHelp      bool
	showLegend    bool // the legend on the whole screen (a small one)

	// The diagram: placement is fixed per card; the layout and the static
	// picture are redone on resize and when the figures change.
	placement diagram.Placement
	layout    *diagram.Layout
	layoutKey [3]int
	base      *diagram.Canvas
	frame     *diagram.Canvas

	snap          *engine.Snapshot
	traceCursor   uint64
	noticeCursor  uint64
	now           time.Time
	ticking       bool
	speed         float64
	packets       []*packet
	spawnCredit   float64
	selected      int
	panel         panel
	status        string   // the last action's result or error
	stepping      *stepper // the request step mode tells (step.go); nil: none
	stepPending   bool     // a request to tell is on its way
	stepKeys      bool     // the footer offers the step keys (stepHelp)
	inspect       *engine.Trace
	failure       failureWatch
	expect        map[string]expectation // kills and revives asked for, by target
	pn            panels
	stepSent      int
	lastStep      time.Time
	quiz          *quizTab
	demo          demo
	startRate     float64         // the traffic's rate at the start, on the + / - ladder
	startSwitches engine.Switches // the switches at the start, which r puts back
	cls           *classState     // nil outside a class
	// keysGen moves when the keys or the styles change: what is drawn
	// of them is drawn again.
	keysGen int
	drawn   drawCache
}

// New builds a dashboard on a system.
func New(sys System, opts Options) *Model {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	m := &Model{
		sys: sys, card: sys.Card(), opts: opts, keys: DefaultKeyMap(), help: help.New(),
		renderer: opts.Renderer, speed: 1, width: MinWidth, height: MinHeight,
	}
	if m.renderer == nil {
		m.renderer = lipgloss.DefaultRenderer()
	}
	pal := theme.Default
	if opts.Palette != nil {
		pal = *opts.Palette
	}
	for i, p := range theme.Palettes {
		if p.Name == pal.Name {
			m.pal = i
		}
	}
	m.newPanels()
	m.applyCard()
	m.setPalette(pal)
	m.restrictKeys()
	for i, c := range m.card.Components {
		if c.Name == opts.Select {
			m.selected = i
		}
	}
	if opts.Side != nil {
		m.panel = panelSide
	}
	if opts.Quiz != nil {
		app := quizview.NewApp(*opts.Quiz)
		// Experiments run on this very system, on screen.
		app.Experimenter = experiment.TrialsOn(sys)
		app.Model = app.Model.WithPreview(experiment.PreviewOn(sys))
		m.quiz = &quizTab{app: app}
	} else {
		m.keys.Tab.SetEnabled(false)
	}
	if opts.Class != nil {
		m.initClass(opts.Class)
	}
	m.placement = diagram.Place(m.card)
	m.now = opts.Now()
	m.newDemo(opts)
	m.snap = sys.Snapshot()
	m.failure.card = m.card
	if m.snap != nil {
		m.startRate, m.startSwitches = m.snap.Requests.SetRate, m.snap.Switches
		m.failure.observe(m.snap)
		m.pn.setSnapshot(m.snap)
	}
	return m
}

// frameMsg is a frame tick.
type frameMsg time.Time

// stepMsg brings the trace of a request sent in step mode.
type stepMsg struct {
	trace engine.Trace
	err   error
}

// actionMsg reports the result of a chaos or traffic action.
type actionMsg struct{ text string }

func (m *Model) tick() tea.Cmd { return m.tickIn(frameEvery) }

func (m *Model) tickIn(d time.Duration) tea.Cmd {
	if m.opts.NoTick || m.ticking {
		return nil
	}
	m.ticking = true
	return tea.Tick(d, func(t time.Time) tea.Msg { return frameMsg(t) })
}

// Init starts the frame ticks.
func (m *Model) Init() tea.Cmd { return m.tick() }

// Update routes a message: global keys first, then the dashboard's.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, handled := m.updateQuiz(msg); handled {
		return m, tea.Batch(cmd, m.tick())
	} else if cmd != nil {
		return m, cmd
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
		m.base = nil
		return m, nil
	case frameMsg:
		m.ticking = false
		m.onFrame(time.Time(msg))
		cmd := m.playCues()
		if m.moving() {
			return m, tea.Batch(cmd, m.tick())
		}
		if m.cls != nil {
			// Others change the system and the class: keep looking, slowly.
			return m, tea.Batch(cmd, m.tickIn(classWatchEvery))
		}
		return m, cmd
	case demoMsg:
		return m, tea.Batch(m.onDemoMsg(msg), m.tick())
	case stepMsg:
		m.onStep(msg)
		return m, m.tick()
	case actionMsg:
		m.status = msg.text
		return m, m.tick()
	case tea.KeyMsg:
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			// Keys that arrived together (a fast typist, a slow link over
			// SSH) come as one message: each is a key of its own.
			cmds := make([]tea.Cmd, 0, len(msg.Runes)+1)
			for _, r := range msg.Runes {
				cmds = append(cmds, m.onKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
			}
			return m, tea.Batch(append(cmds, m.tick())...)
		}
		cmd := m.onKey(msg)
		return m, tea.Batch(cmd, m.tick())
	}
	return m, nil
}

// moving reports whether anything on screen can change without a key: then
// frames keep coming; otherwise the dashboard sleeps (a paused, still
// dashboard uses no CPU) until the next key.
func (m *Model) moving() bool {
	if len(m.packets) > 0 || m.stepPending || (m.stepping != nil && m.stepping.animating(m.now, m.speed)) || m.demo.playing(m.now) {
		return true
	}
	s := m.snap
	if s == nil {
		return true
	}
	if !s.Requests.Paused && s.Requests.SetRate > 0 {
		return true
	}
	return s.Requests.InFlight > 0 || s.Events.Queued > 0 || s.Events.Pending() > 0
}

func (m *Model) onKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	if m.cls != nil {
		if cmd, handled := m.onClassKey(msg); handled {
			m.showHelp = false
			return cmd
		}
	}
	if m.showHelp || m.showLegend {
		pg := &m.pn.help
		if m.showLegend {
			pg = &m.pn.legend
		}
		switch {
		case key.Matches(msg, k.Quit):
			return tea.Quit
		case key.Matches(msg, k.ScrollUp):
			pg.ScrollUp(m.height / 2)
		case key.Matches(msg, k.ScrollDown):
			pg.ScrollDown(m.height / 2)
		default:
			m.showHelp, m.showLegend = false, false
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp, m.pn.help.top = true, 0
	case m.onStepKey(msg):
	case key.Matches(msg, k.Step):
		return m.sendStep()
	case key.Matches(msg, k.Panel):
		m.panel = m.nextPanel()
		m.status = "panel: " + m.panelName()
	case key.Matches(msg, k.Legend):
		m.toggleLegend()
	case key.Matches(msg, k.Theme):
		m.pal = (m.pal + 1) % len(theme.Palettes)
		m.setPalette(theme.Palettes[m.pal])
		m.status = "theme: " + theme.Palettes[m.pal].Name
	case key.Matches(msg, k.SpeedUp):
		m.speed = min(m.speed*2, 4)
		m.status = fmt.Sprintf("animation speed %gx", m.speed)
	case key.Matches(msg, k.SpeedDown):
		m.speed = max(m.speed/2, 0.25)
		m.status = fmt.Sprintf("animation speed %gx", m.speed)
	case key.Matches(msg, k.SelectUp):
		m.selected = (m.selected + len(m.card.Components) - 1) % len(m.card.Components)
		m.base = nil
		m.status = m.selectedLeverText()
	case key.Matches(msg, k.SelectDown):
		m.selected = (m.selected + 1) % len(m.card.Components)
		m.base = nil
		m.status = m.selectedLeverText()
	case key.Matches(msg, k.LeverUp), key.Matches(msg, k.LeverDown):
		return m.onLeverKey(key.Matches(msg, k.LeverUp))
	case key.Matches(msg, k.ScrollUp):
		m.scrollPanel(false)
	case key.Matches(msg, k.ScrollDown):
		m.scrollPanel(true)
	case key.Matches(msg, k.Reset, k.Next, k.Shot):
		return m.onDemoKey(msg)
	default:
		return m.onChaosKey(msg)
	}
	return nil
}

func (m *Model) setPalette(p theme.Palette) {
	m.styles = theme.New(p, m.renderer)
	m.keysGen++
	m.help.Styles = m.styles.Help
	m.inks = makeInks(m.styles)
	m.panelStyles()
	if m.cls != nil {
		m.cls.pane.SetStyles(&m.styles)
	}
	m.base = nil
}
