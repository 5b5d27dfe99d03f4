package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/archex/archex/card"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/quiz"
	"github.com/archex/archex/quiz/experiment"
	"github.com/archex/archex/tui"
	"github.com/archex/archex/tui/quizview"
	"github.com/archex/archex/tui/theme"
)

// cmdDashboard opens the dashboard: `archex` with no command.
func cmdDashboard(env *cliEnv, args []string) error {
	var fs *flag.FlagSet
	usage := flagUsage("archex [--card FILE] [--rate 20] [--seed 1] [--theme default|high-contrast]", &fs)
	fs = newFlagSet("archex", usage)
	var sys systemFlags
	sys.register(fs, 20)
	themeName := fs.String("theme", "default", "colour theme: default, or high-contrast for projectors")
	if err := parseFlags(env, fs, usage, args); err != nil {
		return err
	}
	pal, err := parseTheme(*themeName, usage)
	if err != nil {
		return err
	}
	opts, err := sys.options(usage)
	if err != nil {
		return err
	}
	if !env.isTerminal {
		return badUsage(nil, "the dashboard needs a terminal, and stdout is not one: for a headless run use 'archex run' (see 'archex run -h')")
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
	e.Start()
	qv, closeQuiz := dashboardQuiz(env, opts.Card, pal == &theme.HighContrast)
	defer closeQuiz()
	m := tui.New(e, tui.Options{Palette: pal, Quiz: qv})
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithInput(env.stdin), tea.WithOutput(os.Stdout),
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

// parseTheme reads a --theme flag.
func parseTheme(name string, usage func(io.Writer)) (*theme.Palette, error) {
	switch name {
	case "default":
		return &theme.Default, nil
	case "high-contrast":
		return &theme.HighContrast, nil
	}
	return nil, badUsage(usage, "--theme %q: use default or high-contrast", name)
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
