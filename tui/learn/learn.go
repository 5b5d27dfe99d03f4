// Package learn is `archex learn` on the screen: the path of challenges
// (done, next, locked), then a challenge: the dashboard of a live system
// put in the challenge's situation, with a goal panel (each condition with
// its live value and ✓ or ✗, the budget spent, the time left in the window,
// then passed or not, the explanation and the next challenge). h reveals
// the next hint, r restarts on a fresh system. It is built on the
// dashboard (package tui), given a panel of its own, the challenge's
// levers only and no chaos keys; the grading is package challenge's.
package learn

import (
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/archex/archex/challenge"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/tui"
	"github.com/archex/archex/tui/theme"
)

// Attempt is a challenge being played: what the screen needs of a
// *challenge.Session (tests give it scripted phases and verdicts).
type Attempt interface {
	Challenge() *challenge.Challenge
	Engine() *engine.Engine
	Turn(f engine.Fault) error
	Spent() int
	Phase(now time.Time) challenge.Phase
	Clock(now time.Time) (elapsed, left time.Duration)
	Verdict() challenge.Verdict
	Go()
	Close()
}

// Starter starts an attempt on a fresh system.
type Starter func(c *challenge.Challenge) (Attempt, error)

// StartSession is the Starter of the real thing.
func StartSession(c *challenge.Challenge) (Attempt, error) {
	return challenge.New(c, challenge.Options{})
}

// Options configure the app.
type Options struct {
	Palette *theme.Palette
	Start   Starter // default StartSession
	Open    int     // a challenge's number to open at once; 0: the path
	Now     func() time.Time
	// Frozen: tests. No ticks of its own, and the dashboard's clock reads
	// the attempt's.
	Frozen bool
}

// App is the root model of `archex learn`.
type App struct {
	path   *challenge.Path
	store  *challenge.Store
	opts   Options
	styles theme.Styles
	keys   keyMap
	help   help.Model

	width, height int
	cursor        int
	status        string
	play          *play // the challenge being played; nil on the path
	attempts      int   // counts the attempts started, for play.gen
	// Interrupted is set when the program ended on ctrl+c.
	Interrupted bool
}

// New builds the app on a path and the learner's progress.
func New(p *challenge.Path, store *challenge.Store, opts Options) *App {
	if opts.Start == nil {
		opts.Start = StartSession
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	pal := theme.Default
	if opts.Palette != nil {
		pal = *opts.Palette
	}
	a := &App{path: p, store: store, opts: opts, styles: theme.New(pal, nil), keys: defaultKeys(), help: help.New(), width: tui.MinWidth, height: tui.MinHeight}
	a.help.Styles = a.styles.Help
	a.cursor = a.nextIndex()
	if opts.Open > 0 {
		a.cursor = opts.Open - 1
	}
	return a
}

// nextIndex is the first challenge not done, or the last.
func (a *App) nextIndex() int {
	for i, s := range a.store.States(a.path) {
		if s == challenge.Next {
			return i
		}
	}
	return len(a.path.Challenges) - 1
}

// Init opens the challenge asked for, if any.
func (a *App) Init() tea.Cmd {
	if a.opts.Open > 0 {
		return a.enter(a.cursor)
	}
	return nil
}

// Close ends the attempt in progress, if any (its system goes).
func (a *App) Close() {
	if a.play != nil {
		a.play.close()
		a.play = nil
	}
}

// Update routes: the window's size to everyone, ctrl+c anywhere, then the
// screen shown.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		a.help.Width = msg.Width
		if a.play != nil {
			return a, a.play.toDashboard(msg)
		}
		return a, nil
	case tea.KeyMsg:
		if msg.String() == "ctrl+c" {
			a.Interrupted = true
			return a, tea.Quit
		}
	case startedMsg:
		return a, a.onStarted(msg)
	}
	if a.play != nil {
		return a, a.updatePlay(msg)
	}
	if k, ok := msg.(tea.KeyMsg); ok {
		return a, a.onPathKey(k)
	}
	return a, nil
}

// View draws the screen shown.
func (a *App) View() string {
	if a.width < tui.MinWidth || a.height < tui.MinHeight {
		return a.tooSmall()
	}
	if a.play != nil {
		return a.play.view(a)
	}
	return a.pathView()
}

// keyMap is the app's own keys.
type keyMap struct {
	Up, Down, Enter, Quit          key.Binding
	Start, Hint, Restart, Briefing key.Binding
	Next, Back, Look               key.Binding
}

func defaultKeys() keyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Up:       b([]string{"up", "k"}, "↑/↓", "choose"),
		Down:     b([]string{"down", "j"}, "↓", "next"),
		Enter:    b([]string{"enter"}, "enter", "play"),
		Quit:     b([]string{"q"}, "q", "quit"),
		Start:    b([]string{"enter"}, "enter", "start the clock"),
		Hint:     b([]string{"h"}, "h", "next hint"),
		Restart:  b([]string{"r"}, "r", "restart (a fresh system)"),
		Briefing: b([]string{"i"}, "i", "the briefing"),
		Next:     b([]string{"n"}, "n", "next challenge"),
		Back:     b([]string{"esc"}, "esc", "the path"),
		Look:     b([]string{"tab"}, "tab", "look at the system first"),
	}
}
