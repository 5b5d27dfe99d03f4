package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/archex/archex/card"
	"github.com/archex/archex/quiz"
	"github.com/archex/archex/tui/quizview"
)

// quizRun is one `archex quiz` after its flags are read.
type quizRun struct {
	env   *cliEnv
	set   quiz.Set
	seed  uint64
	plain bool
	high  bool
	card  *card.Card
	bank  *quiz.Bank
	now   time.Time
}

// cmdQuiz runs `archex quiz`: a quiz session in the terminal, or line by line
// with --plain (or when stdout is not a terminal). Progress is kept in
// $ARCHEX_CONFIG_DIR, or else os.UserConfigDir()/archex, in progress.json.
func cmdQuiz(env *cliEnv, args []string) error {
	var fs *flag.FlagSet
	usage := flagUsage("archex quiz [--set practice|card|all] [--seed N] [--plain] [--questions FILE] [--card CARD] [--reset]", &fs)
	fs = newFlagSet("quiz", usage)
	var (
		setName   = fs.String("set", string(quiz.SetPractice), "which questions: practice (about 10, missed and due ones first), card (the card's three) or all")
		seed      = fs.Uint64("seed", 0, "fix which questions are drawn and the order of their options (default: from the clock)")
		plain     = fs.Bool("plain", false, "line mode for pipes and screen readers: questions on stdout, one answer (A-D) per line on stdin")
		reset     = fs.Bool("reset", false, "clear the saved progress, then exit")
		questions = fs.String("questions", "", "question bank (YAML) to use instead of the built-in one")
		cardRef   = fs.String("card", "", "design card whose quiz to ask (a file, or an embedded card's name); default: the production card")
		high      = fs.Bool("high-contrast", false, "high-contrast colours")
	)
	if err := parseFlags(env, fs, usage, args); err != nil {
		return err
	}
	now := time.Now()
	set, err := quiz.ParseSet(*setName)
	if err != nil {
		return badUsage(usage, "--set: %v", err)
	}
	if *reset {
		return resetProgress(env)
	}
	c, err := loadCard(*cardRef)
	if err != nil {
		return badUsage(nil, "--card: %v", err)
	}
	r := &quizRun{env: env, set: set, seed: *seed, plain: *plain, high: *high, card: c, now: now}
	if !flagGiven(fs, "seed") {
		// Short enough to read off the screen and type again.
		r.seed = uint64(now.UnixNano() % 1_000_000)
	}
	if *questions == "" {
		r.bank = quiz.DefaultBank()
	} else if r.bank, err = quiz.ReadBank(*questions); err != nil {
		// The file is the problem, not the command line: one line, no usage.
		return badUsage(nil, "--questions: %v", err)
	}
	return r.run()
}

func (r *quizRun) run() error {
	env := r.env
	store := openProgress(env, r.now)
	progress := store.Progress()
	sess, err := quiz.NewSession(quiz.Config{
		Set: r.set, Card: r.card, Bank: r.bank, Progress: progress, Seed: r.seed, Now: r.now,
	})
	if err != nil {
		return badUsage(nil, "%v", err)
	}
	pool, _ := quiz.Pool(r.card, r.bank) // NewSession has checked it
	ids := quiz.IDs(pool)
	summary := progress.Summary(ids, r.now)
	rec := store.Recorder(time.Now)
	warned := false
	warn := func(err error) {
		if err != nil && !warned {
			warned = true
			fmt.Fprintf(env.stderr, "archex quiz: warning: %v\n", err)
		}
	}

	if !r.plain && !env.isTerminal {
		fmt.Fprintln(env.stderr, "archex quiz: stdout is not a terminal: asking in --plain mode")
		r.plain = true
	}
	if r.plain {
		fmt.Fprintf(env.stdout, "archex quiz: %s set, %d questions (seed %d)\n", sess.Set(), sess.Len(), r.seed)
		fmt.Fprintf(env.stdout, "progress: %s\n", summary)
		_, err := quiz.RunPlain(env.stdin, env.stdout, sess, func(a quiz.Answer) { warn(rec.Record(a)) })
		return err
	}

	styles := quizview.DefaultStyles()
	if r.high {
		styles = quizview.HighContrastStyles()
	}
	m := quizview.New(sess,
		quizview.WithStyles(styles),
		quizview.WithRecorder(rec.Record),
		quizview.WithStatus(func() string { return store.Progress().Summary(ids, time.Now()).String() }),
	)
	opts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithOutput(env.stdout)}
	if env.stdin != io.Reader(os.Stdin) {
		opts = append(opts, tea.WithInput(env.stdin))
	}
	final, err := tea.NewProgram(quizview.NewApp(m), opts...).Run()
	// Answers whose save was still in flight when the program ended.
	warn(rec.Flush(sess.Answers()))
	if err != nil {
		return fmt.Errorf("quiz: %w", err)
	}
	after := store.Progress().Summary(ids, time.Now())
	fmt.Fprintf(env.stdout, "progress: %s\n", after)
	fmt.Fprintf(env.stdout, "score: %s\n", sess.Results().Score())
	if app, ok := final.(quizview.App); ok && app.Interrupted {
		return interruptedError{}
	}
	return nil
}

// openProgress opens the learner's progress. It never fails: a problem is a
// one-line warning, and the quiz runs with what could be recovered.
func openProgress(env *cliEnv, now time.Time) *quiz.Store {
	dir, err := quiz.ConfigDir()
	if err != nil {
		fmt.Fprintf(env.stderr, "archex quiz: warning: %v; answers will not be saved\n", err)
		return quiz.MemoryStore()
	}
	store, warning := quiz.OpenStore(dir, now)
	if warning != "" {
		fmt.Fprintf(env.stderr, "archex quiz: warning: %s\n", warning)
	}
	return store
}

func resetProgress(env *cliEnv) error {
	dir, err := quiz.ConfigDir()
	if err != nil {
		return err
	}
	removed, err := quiz.ResetProgress(dir)
	if err != nil {
		return fmt.Errorf("could not clear the progress: %w", err)
	}
	if removed {
		fmt.Fprintf(env.stdout, "archex quiz: progress cleared (%s deleted)\n", dirFile(dir))
	} else {
		fmt.Fprintf(env.stdout, "archex quiz: no progress to clear (%s does not exist)\n", dirFile(dir))
	}
	return nil
}

func dirFile(dir string) string { return filepath.Join(dir, quiz.ProgressFile) }

// flagGiven reports whether the flag was given on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}
