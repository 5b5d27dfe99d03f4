package quizview

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/quiz"
)

// App runs a Model as a program of its own (`archex quiz`): it gives the
// model the window's size and quits when the learner quits (FinishedMsg) or
// interrupts (ctrl+c). Embedded in the dashboard, the Model is used without
// it.
//
// With a Judge, App also runs the experiments: on a PredictionMsg it runs the
// judge in a command, shows its progress on the status line, and sends the
// model the VerdictMsg. When the experiment cannot run, it says why and
// offers to try again (r) or to skip the question (s); quitting stops an
// experiment in progress.
type App struct {
	Model Model
	// Interrupted is set when the program ended on ctrl+c.
	Interrupted bool
	// Judge runs the experiment behind a prediction (see
	// quiz/experiment). Without one, a prediction waits for a VerdictMsg
	// from elsewhere.
	Judge quiz.Judge

	exp experimentState
}

// experimentState is the experiment App is running or that failed.
type experimentState struct {
	run      int // counts the runs, so that a stale message is ignored
	running  bool
	cancel   context.CancelFunc
	pending  PredictionMsg
	progress string // the last thing the experiment said
	failure  string // why it could not run
}

// experimentProgressMsg is a line of progress from the experiment run run.
type experimentProgressMsg struct {
	run  int
	text string
	ch   <-chan string
}

// experimentDoneMsg ends the experiment run run.
type experimentDoneMsg struct {
	run     int
	verdict quiz.Verdict
	err     error
}

var (
	interruptKey = key.NewBinding(key.WithKeys("ctrl+c"))
	retryKey     = key.NewBinding(key.WithKeys("r"))
	skipKey      = key.NewBinding(key.WithKeys("s"))
)

// NewApp wraps m.
func NewApp(m Model) App { return App{Model: m} }

// Init implements tea.Model.
func (a App) Init() tea.Cmd { return a.Model.Init() }

// Update implements tea.Model.
func (a App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.Model.SetSize(msg.Width, msg.Height)
		return a, nil
	case FinishedMsg:
		a.stopExperiment()
		return a, tea.Quit
	case PredictionMsg:
		if a.Judge != nil {
			return a.startExperiment(msg)
		}
	case experimentProgressMsg:
		if msg.run != a.exp.run || !a.exp.running {
			return a, nil
		}
		a.exp.progress = msg.text
		return a, listen(msg.run, msg.ch)
	case experimentDoneMsg:
		if msg.run != a.exp.run || !a.exp.running {
			return a, nil
		}
		a.stopExperiment()
		if msg.err != nil {
			a.exp.failure = msg.err.Error()
			return a, nil
		}
		a.exp = experimentState{run: a.exp.run}
		var cmd tea.Cmd
		a.Model, cmd = a.Model.Update(VerdictMsg{Verdict: msg.verdict})
		return a, cmd
	case tea.KeyMsg:
		if key.Matches(msg, interruptKey) {
			a.stopExperiment()
			a.Interrupted = true
			return a, tea.Quit
		}
		if a.exp.failure != "" {
			switch {
			case key.Matches(msg, retryKey):
				return a.startExperiment(a.exp.pending)
			case key.Matches(msg, skipKey):
				a.exp = experimentState{run: a.exp.run}
				a.Model = a.Model.DropPrediction()
				return a, nil
			}
		}
	}
	var cmd tea.Cmd
	a.Model, cmd = a.Model.Update(msg)
	return a, cmd
}

// startExperiment runs the judge for p in a command, and listens to its
// progress in another.
func (a App) startExperiment(p PredictionMsg) (App, tea.Cmd) {
	a.stopExperiment()
	ctx, cancel := context.WithCancel(context.Background())
	a.exp = experimentState{run: a.exp.run + 1, running: true, cancel: cancel, pending: p, progress: "starting the experiment..."}
	run, judge := a.exp.run, a.Judge
	ch := make(chan string, 64)
	do := func() tea.Msg {
		v, err := judge(ctx, p.Item, func(s string) {
			select {
			case ch <- s:
			default: // the screen shows the latest anyway
			}
		})
		close(ch)
		return experimentDoneMsg{run: run, verdict: v, err: err}
	}
	return a, tea.Batch(do, listen(run, ch))
}

// listen waits for the experiment's next line of progress.
func listen(run int, ch <-chan string) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-ch
		if !ok {
			return nil
		}
		return experimentProgressMsg{run: run, text: s, ch: ch}
	}
}

// stopExperiment cancels the experiment in progress, if any.
func (a *App) stopExperiment() {
	if a.exp.cancel != nil {
		a.exp.cancel()
		a.exp.cancel = nil
	}
	a.exp.running = false
}

// DropPrediction takes the question whose prediction waits for a verdict
// out of the session, ungraded, because its experiment could not run; the
// model shows the next question, or the results. It does nothing when no
// prediction is waiting. (An owner that runs the experiments itself, such as
// the dashboard, uses it when one fails; App does with the s key.)
func (m Model) DropPrediction() Model {
	if m.screen != screenMeasuring {
		return m
	}
	if _, err := m.session.Drop(); err != nil {
		m.saveErr = err.Error()
		return m
	}
	m.screen, m.cursor, m.offset = screenQuestion, 0, 0
	if m.session.Done() {
		m.screen = screenResults
	}
	m.help.Width = m.contentWidth()
	return m
}

// View implements tea.Model. While an experiment runs, its progress takes
// the model's status line when that is empty; a failure always does.
func (a App) View() string {
	v := a.Model.View()
	var line string
	switch {
	case a.exp.failure != "":
		line = a.Model.styles.Error.Render(ansi.Truncate("✗ The experiment could not run: "+a.exp.failure+" · r try again · s skip the question · q quit", a.Model.contentWidth(), "…"))
	case a.exp.running && a.exp.progress != "":
		line = a.Model.styles.Dim.Render(ansi.Truncate("⋯ "+a.exp.progress, a.Model.contentWidth(), "…"))
	default:
		return v
	}
	lines := strings.Split(v, "\n")
	if len(lines) < 4 {
		return v
	}
	at := len(lines) - 2
	if strings.TrimSpace(ansi.Strip(lines[at])) != "" && a.exp.failure == "" {
		return v
	}
	lines[at] = strings.Repeat(" ", margin) + line
	return strings.Join(lines, "\n")
}
