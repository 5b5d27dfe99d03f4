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
// interrupts (ctrl+c). Embedded in the dashboard, the Model runs in an App
// too, for its experiments.
//
// With an Experimenter, App also runs the experiments: on a
// StartExperimentMsg it starts the trial in a command (the baseline), shows
// its progress on the status line and sends the model the BaselineMsg; on a
// PredictionMsg it measures in another and sends the MeasuredMsg. When the
// experiment cannot run, it says why and offers to start it again (r) or to
// skip the question (s); quitting stops an experiment in progress.
type App struct {
	Model Model
	// Interrupted is set when the program ended on ctrl+c.
	Interrupted bool
	// Experimenter runs the experiments (see quiz/experiment). Without
	// one, an experiment waits for a BaselineMsg from elsewhere.
	Experimenter quiz.Experimenter

	exp experimentState
}

// experimentState is the experiment App is running or that failed.
type experimentState struct {
	run     int // counts the commands, so that a stale message is ignored
	running bool
	cancel  context.CancelFunc
	item    quiz.Item
	// trial is the experiment between its baseline and its measurement.
	trial    quiz.Trial
	progress string // the last thing the experiment said
	failure  string // why it could not run
}

// experimentProgressMsg is a line of progress from command run.
type experimentProgressMsg struct {
	run  int
	text string
	ch   <-chan string
}

// baselineDoneMsg ends command run, which started a trial.
type baselineDoneMsg struct {
	run   int
	trial quiz.Trial
	err   error
}

// measuredDoneMsg ends command run, which measured the trial.
type measuredDoneMsg struct {
	run      int
	problem  quiz.Problem
	evidence string
	err      error
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
		return a, tea.Batch(a.stopExperiment(), tea.Quit)
	case StartExperimentMsg:
		if a.Experimenter != nil {
			a.exp.item = msg.Item
			return a.startBaseline()
		}
	case PredictionMsg:
		if a.exp.trial != nil && !a.exp.running {
			return a.startMeasuring()
		}
	case experimentProgressMsg:
		if msg.run != a.exp.run || !a.exp.running {
			return a, nil
		}
		a.exp.progress = msg.text
		return a, listen(msg.run, msg.ch)
	case baselineDoneMsg:
		if msg.run != a.exp.run || !a.exp.running {
			return a, closeTrial(msg.trial) // nobody waits for it any more
		}
		a.exp.cancel() // the start is over; Measure has a context of its own
		a.exp.running, a.exp.cancel = false, nil
		if msg.err != nil {
			a.exp.failure = msg.err.Error()
			return a, nil
		}
		a.exp.trial, a.exp.progress = msg.trial, ""
		var cmd tea.Cmd
		a.Model, cmd = a.Model.Update(BaselineMsg{Problem: msg.trial.Problem()})
		return a, cmd
	case measuredDoneMsg:
		if msg.run != a.exp.run || !a.exp.running {
			return a, nil
		}
		a.exp.cancel()
		a.exp.running, a.exp.cancel, a.exp.trial = false, nil, nil
		if msg.err != nil {
			a.exp.failure = msg.err.Error()
			return a, nil
		}
		a.exp = experimentState{run: a.exp.run}
		var cmd tea.Cmd
		a.Model, cmd = a.Model.Update(MeasuredMsg{Problem: msg.problem, Evidence: msg.evidence})
		return a, cmd
	case tea.KeyMsg:
		if key.Matches(msg, interruptKey) {
			a.Interrupted = true
			return a, tea.Batch(a.stopExperiment(), tea.Quit)
		}
		if a.exp.failure != "" {
			switch {
			case key.Matches(msg, retryKey):
				a.Model = a.Model.RestartExperiment()
				return a.startBaseline()
			case key.Matches(msg, skipKey):
				a.exp = experimentState{run: a.exp.run}
				a.Model = a.Model.DropPrediction()
				return a, nil
			}
		}
	}
	var cmd tea.Cmd
	a.Model, cmd = a.Model.Update(msg)
	if a.exp.trial != nil && !a.exp.running && a.Model.trial == nil {
		// The model left the experiment (it was dropped): so does the app.
		cmd = tea.Batch(cmd, a.stopExperiment())
		a.exp = experimentState{run: a.exp.run}
	}
	return a, cmd
}

// startBaseline starts the trial of the experiment in a command, and
// listens to its progress in another.
func (a App) startBaseline() (App, tea.Cmd) {
	closing := a.stopExperiment()
	item, exp := a.exp.item, a.Experimenter
	a, ctx, progress, listening := a.begin("measuring the live system's steady baseline...")
	run := a.exp.run
	do := func() tea.Msg {
		t, err := exp(ctx, item, progress.send)
		progress.close()
		return baselineDoneMsg{run: run, trial: t, err: err}
	}
	return a, tea.Batch(closing, do, listening)
}

// startMeasuring measures the trial in a command: it acts, measures and
// puts back what it changed, then the trial is closed.
func (a App) startMeasuring() (App, tea.Cmd) {
	trial := a.exp.trial
	a, ctx, progress, listening := a.begin("running the experiment...")
	run := a.exp.run
	do := func() tea.Msg {
		p, evidence, err := trial.Measure(ctx, progress.send)
		trial.Close()
		progress.close()
		return measuredDoneMsg{run: run, problem: p, evidence: evidence, err: err}
	}
	return a, tea.Batch(do, listening)
}

// begin starts a command of the experiment: a new run, a context to cancel
// it, and the channel its progress comes through.
func (a App) begin(first string) (App, context.Context, progressLine, tea.Cmd) {
	ctx, cancel := context.WithCancel(context.Background())
	run := a.exp.run + 1
	a.exp = experimentState{run: run, running: true, cancel: cancel, item: a.exp.item, trial: a.exp.trial, progress: first}
	ch := make(chan string, 64)
	return a, ctx, progressLine{ch: ch}, listen(run, ch)
}

// progressLine carries an experiment's progress to the screen.
type progressLine struct{ ch chan string }

func (p progressLine) send(s string) {
	select {
	case p.ch <- s:
	default: // the screen shows the latest anyway
	}
}

func (p progressLine) close() { close(p.ch) }

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

// stopExperiment cancels the experiment in progress, if any, and returns
// the command that closes a trial waiting for its prediction (which puts
// back what it changed).
func (a *App) stopExperiment() tea.Cmd {
	if a.exp.cancel != nil {
		a.exp.cancel()
		a.exp.cancel = nil
	}
	var cmd tea.Cmd
	if !a.exp.running {
		cmd = closeTrial(a.exp.trial) // a running command closes its own
	}
	a.exp.running, a.exp.trial = false, nil
	return cmd
}

// closeTrial closes t in a command; nil for none.
func closeTrial(t quiz.Trial) tea.Cmd {
	if t == nil {
		return nil
	}
	return func() tea.Msg { t.Close(); return nil }
}

// DropPrediction takes the experiment on screen, measuring or waiting for
// its prediction, out of the session, ungraded, because it could not run;
// the model shows the next question, or the results. It does nothing when
// no experiment is under way. (App uses it with the s key after a failure.)
func (m Model) DropPrediction() Model {
	if m.screen != screenMeasuring && m.trial == nil {
		return m
	}
	m.trial = nil
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

// RestartExperiment starts the experiment on screen again from its
// baseline, after it could not run: the model waits for a BaselineMsg. It
// does nothing when no experiment is on screen.
func (m Model) RestartExperiment() Model {
	it, ok := m.session.Current()
	if !ok || !it.Judged() || m.screen == screenFeedback {
		return m
	}
	m.trial, m.number, m.badNum = nil, nil, false
	m.screen, m.offset = screenMeasuring, 0
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
