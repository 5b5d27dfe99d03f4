package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/archex/archex/card"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/quiz"
	"github.com/archex/archex/quiz/experiment"
	"github.com/archex/archex/recording"
	"github.com/archex/archex/tui"
	"github.com/archex/archex/tui/quizview"
	"github.com/archex/archex/tui/theme"
)

// dashboardSynopsis is the dashboard's usage line.
const dashboardSynopsis = `archex [--card FILE] [--rate 20] [--seed 1] [--theme default|high-contrast] [--fault "kill cache @5s"]... [--script LESSON [--loop]] [--record FILE.cast] [--shots DIR]`

// dashboardFlags are the dashboard's flags beyond the system's.
type dashboardFlags struct {
	sys    systemFlags
	theme  themeFlag
	faults faultList
	script string
	loop   bool
	record string
	shots  string
}

func (d *dashboardFlags) register(fs *flag.FlagSet) {
	d.sys.register(fs, 20)
	d.theme = registerTheme(fs)
	fs.Var(&d.faults, "fault", `a fault at a time since the start, as archex run takes it, e.g. "kill cache @5s" (repeat for more)`)
	fs.StringVar(&d.script, "script", "", "a `LESSON` file to play: at each time a fault, a caption, a pause or a narrated request (the format is in the README); its card line picks the card")
	fs.BoolVar(&d.loop, "loop", false, "play the --script again and again, each time on a system reset to its start (an unattended screen)")
	fs.StringVar(&d.record, "record", "", "record the session as an asciicast v2 `FILE` (play it with asciinema play FILE)")
	fs.StringVar(&d.shots, "shots", "", "the `folder` S saves screenshots to (text and SVG; default: the current folder)")
}

// cmdDashboard opens the dashboard: `archex` with no command.
func cmdDashboard(env *cliEnv, args []string) error {
	var fs *flag.FlagSet
	flags := flagUsage(dashboardSynopsis, &fs)
	usage := func(w io.Writer) {
		mainUsage(w)
		fmt.Fprintln(w)
		fmt.Fprintln(w, "the dashboard:")
		flags(w)
	}
	fs = newFlagSet("archex", usage)
	var d dashboardFlags
	d.register(fs)
	if err := parseFlags(env, fs, usage, args); err != nil {
		return err
	}
	pal, err := d.theme.palette(usage)
	if err != nil {
		return err
	}
	demo, err := d.prepare(env, usage)
	if err != nil {
		return err
	}
	opts, err := d.sys.options(usage, env.stderr)
	if err != nil {
		return err
	}
	if err := demo.checkTraffic(opts); err != nil {
		return badUsage(nil, "%v", err)
	}
	// SIGTERM, SIGHUP and SIGINT end the dashboard as q does, with the
	// terminal restored and the temporary files removed, and exit 128 +
	// the signal (Bubble Tea's own handler would exit 0 on SIGTERM and
	// leave SIGHUP to kill the process).
	ctx, stop := env.stopContext(context.Background())
	defer stop()
	e, err := engine.New(opts)
	if err != nil {
		return err
	}
	defer e.Close()
	// Every problem with the input is told before the one with the
	// terminal.
	if err := demo.checkFaults(e); err != nil {
		return badUsage(nil, "%v", err)
	}
	if !env.isTerminal {
		return badUsage(nil, "the dashboard needs a terminal, and stdout is not one: for a headless run use 'archex run' (see 'archex run -h')")
	}
	rest := e.Plan(demo.faults, 0)
	e.Start()
	qv, closeQuiz := dashboardQuiz(env, opts.Card, pal == &theme.HighContrast)
	defer closeQuiz()
	var model tea.Model = tui.New(e, tui.Options{Palette: pal, Quiz: qv, Lesson: demo.lesson, Loop: d.loop, Faults: rest, Shots: d.shots})
	out := env.screen()
	if d.record != "" {
		rec, err := startRecording(d.record, opts.Card)
		if err != nil {
			return badUsage(nil, "--record: %v", err)
		}
		defer func() {
			if err := rec.Close(); err != nil {
				fmt.Fprintf(env.stderr, "archex: --record %s: %v\n", d.record, err)
				return
			}
			fmt.Fprintf(env.stderr, "archex: recorded the session in %s (play it with: asciinema play %s)\n", d.record, d.record)
		}()
		out, model = rec.Tee(out), recording.Watch(model, rec)
	}
	p := tea.NewProgram(model, tea.WithAltScreen(), tea.WithInput(env.stdin), tea.WithOutput(out),
		tea.WithContext(ctx), tea.WithoutSignalHandler())
	_, err = p.Run()
	if ie := interruption(ctx); ie != nil {
		return ie
	}
	if errors.Is(err, tea.ErrProgramPanic) {
		return fmt.Errorf("the dashboard crashed (the terminal has been restored): %w", err)
	}
	if errors.Is(err, tea.ErrInterrupted) {
		return interruptedError{}
	}
	return err
}

// startRecording opens the recording of a session in the terminal's size.
func startRecording(path string, c *card.Card) (*recording.Recorder, error) {
	w, h := terminalSize()
	return recording.Create(path, w, h, "archex · "+c.Title)
}

// dashboardQuiz builds the quiz for the dashboard's tab: the practice set,
// with the learner's saved progress. close saves answers still in flight.
func dashboardQuiz(env *cliEnv, c *card.Card, highContrast bool) (m *quizview.Model, close func()) {
	now := time.Now()
	store := openProgress(env, now)
	progress := store.Progress()
	cfg := quiz.Config{Set: quiz.SetPractice, Card: c, Bank: quiz.DefaultBank(), Numeric: quiz.Templates(),
		Experiments: experiment.Questions(), Progress: progress, Seed: uint64(now.UnixNano() % 1_000_000), Now: now}
	sess, err := quiz.NewSession(cfg)
	if err != nil {
		// The quiz is a tab of the dashboard, not its reason to exist.
		fmt.Fprintf(env.stderr, "archex: the quiz tab is off: %v\n", err)
		return nil, func() {}
	}
	qs, _ := cfg.Questions()
	ids := quiz.IDs(qs)
	standing := func() quiz.Summary { return store.Progress().Summary(ids, time.Now()) }
	rec := store.Recorder(time.Now)
	styles := quizview.DefaultStyles(nil)
	if highContrast {
		styles = quizview.HighContrastStyles(nil)
	}
	qv := quizview.New(sess, quizview.WithStyles(styles), quizview.WithRecorder(rec.Record),
		quizview.WithStatus(func() string { return standing().String() }),
		quizview.WithStanding(standing, quiz.SetLine(sess, progress.Summary(ids, now))))
	return &qv, func() { rec.Flush(sess.Answers()) }
}
