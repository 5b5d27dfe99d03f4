package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/archex/archex/card"
	"github.com/archex/archex/quiz"
	"github.com/archex/archex/quiz/experiment"
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
	// experiments are the "predict, then observe" questions; nil with
	// --no-experiments.
	experiments []card.Question
	// numeric are the questions answered with a number; nil with a bank of
	// the learner's own (--questions).
	numeric []quiz.Template
}

// quizHelp follows the flags in `archex quiz -h`.
const quizHelp = `
Spaced practice: a question answered right moves up a box and comes back
after a day, then 3 days, a week, two weeks; a miss comes back later in the
same session and again in the next set. Practice asks only what is due or
new; a right answer before a question is due (--set all) counts but does not
move it up, so mastered means right three times in a row, days apart.

Some questions ask for a number (a database's capacity, a drain time, ...):
type it, and the worked method follows. Their values are drawn afresh.

Predict, then observe: some questions are experiments. You predict what an
action on the running system will do (kill the cache, kill the worker for a
few seconds, kill one of three replicas, ...). Then archex starts the whole
system on this machine (load balancer, gateway, 3 service replicas, cache,
database, queue, worker, with traffic), does it, measures, and grades your
prediction by the numbers, which it shows. Each takes about 10 seconds.
A practice set has one when one is due or new; --set all includes them all;
--set experiments asks only them; --no-experiments leaves them out.
`

// cmdQuiz runs `archex quiz`: a quiz session in the terminal, or line by line
// with --plain (or when stdout is not a terminal). Progress is kept in
// $ARCHEX_CONFIG_DIR, or else os.UserConfigDir()/archex, in progress.json.
func cmdQuiz(env *cliEnv, args []string) error {
	var fs *flag.FlagSet
	flags := flagUsage("archex quiz [--set practice|card|all|experiments] [--seed N] [--plain] [--no-experiments] [--questions FILE] [--card CARD] [--theme default|high-contrast] [--reset]", &fs)
	usage := func(w io.Writer) {
		flags(w)
		fmt.Fprint(w, quizHelp)
	}
	fs = newFlagSet("quiz", usage)
	var (
		setName   = fs.String("set", string(quiz.SetPractice), "which questions: practice (up to 10 due or new ones, missed first, one experiment), card (the card's three), all, or experiments (only them)")
		noExp     = fs.Bool("no-experiments", false, "leave out the experiments, which run the system for about 10 s each")
		seed      = fs.Uint64("seed", 0, "fix which questions are drawn and the order of their options (default: from the clock)")
		plain     = fs.Bool("plain", false, "line mode for pipes and screen readers: questions on stdout, one answer (A-D) per line on stdin")
		reset     = fs.Bool("reset", false, "clear the saved progress, then exit")
		questions = fs.String("questions", "", "question bank (YAML) to use instead of the built-in one (and its numeric questions)")
		cardRef   = fs.String("card", "", "design card whose quiz to ask (a file, or an embedded card's name); default: the production card")
		strict    = registerStrict(fs)
	)
	theme := registerTheme(fs)
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
	if set == quiz.SetExperiments && *noExp {
		return badUsage(usage, "--set experiments asks only the experiments, which --no-experiments leaves out: give one of them")
	}
	high, err := theme.highContrast()
	if err != nil {
		return badUsage(usage, "%v", err)
	}
	c, err := loadCard(*cardRef, *strict, env.stderr)
	if err != nil {
		return badUsage(nil, "--card: %v", err)
	}
	r := &quizRun{env: env, set: set, seed: *seed, plain: *plain, high: high, card: c, now: now}
	if !*noExp {
		r.experiments = experiment.Questions()
	}
	if !flagGiven(fs, "seed") {
		// Short enough to read off the screen and type again.
		r.seed = uint64(now.UnixNano() % 1_000_000)
	}
	if *questions == "" {
		r.bank = quiz.DefaultBank()
		r.numeric = quiz.Templates()
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
	cfg := quiz.Config{
		Set: r.set, Card: r.card, Bank: r.bank, Progress: progress, Seed: r.seed, Now: r.now,
		Experiments: r.experiments, Numeric: r.numeric,
	}
	sess, err := quiz.NewSession(cfg)
	if err != nil {
		return badUsage(nil, "%v", err)
	}
	qs, _ := cfg.Questions() // NewSession has checked them
	ids := quiz.IDs(qs)
	standing := func() quiz.Summary { return store.Progress().Summary(ids, time.Now()) }
	lab := &labRunner{judge: experiment.Judge}
	defer lab.close()
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
		fmt.Fprintf(env.stdout, "progress: %s\n  (%s)\n", summary.Standing(), quiz.StandingTerms)
		fmt.Fprintln(env.stdout, quiz.SetLine(sess, summary))
		if sess.Len() == 0 {
			return nil
		}
		_, err := quiz.RunPlainJudged(context.Background(), env.stdin, env.stdout, sess, func(a quiz.Answer) { warn(rec.Record(a)) }, lab.plainJudge)
		after := standing()
		fmt.Fprintf(env.stdout, "progress: %s\nnext review: %s\n", after.Standing(), after.Next())
		if errors.Is(err, context.Canceled) {
			return interruptedError{}
		}
		return err
	}

	styles := quizview.DefaultStyles(nil)
	if r.high {
		styles = quizview.HighContrastStyles(nil)
	}
	m := quizview.New(sess,
		quizview.WithStyles(styles),
		quizview.WithRecorder(rec.Record),
		quizview.WithStatus(func() string { return standing().String() }),
		quizview.WithStanding(standing, quiz.SetLine(sess, summary)),
	)
	opts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithOutput(env.stdout)}
	if env.stdin != io.Reader(os.Stdin) {
		opts = append(opts, tea.WithInput(env.stdin))
	}
	app := quizview.NewApp(m)
	app.Judge = lab.run
	final, err := tea.NewProgram(app, opts...).Run()
	// An experiment still running (the learner quit during it) is stopped
	// and its system closed before the command returns.
	lab.close()
	// Answers whose save was still in flight when the program ended.
	warn(rec.Flush(sess.Answers()))
	if err != nil {
		return fmt.Errorf("quiz: %w", err)
	}
	after := standing()
	fmt.Fprintf(env.stdout, "score: %s\nprogress: %s\nnext review: %s\n", sess.Results().Score(), after.Standing(), after.Next())
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

// labRunner runs the experiments `archex quiz` asks, each on a fresh system
// of its own, and makes sure none is left running when the command ends.
type labRunner struct {
	judge quiz.Judge

	mu      sync.Mutex
	closed  bool
	running sync.WaitGroup
	cancels map[int]context.CancelFunc
	next    int
}

// run is a quiz.Judge: judge, unless the runner is closed.
func (l *labRunner) run(ctx context.Context, it quiz.Item, progress func(string)) (quiz.Verdict, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return quiz.Verdict{}, context.Canceled
	}
	if l.cancels == nil {
		l.cancels = map[int]context.CancelFunc{}
	}
	id := l.next
	l.next++
	l.cancels[id] = cancel
	l.running.Add(1)
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.cancels, id)
		l.mu.Unlock()
		l.running.Done()
	}()
	return l.judge(ctx, it, progress)
}

// plainJudge runs an experiment for --plain, where ctrl+c during an
// experiment stops it cleanly (its system undone and closed) and ends the
// quiz; outside experiments ctrl+c does what it always does.
func (l *labRunner) plainJudge(ctx context.Context, it quiz.Item, progress func(string)) (quiz.Verdict, error) {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	return l.run(ctx, it, progress)
}

// close stops the experiments still running and waits for them to end.
func (l *labRunner) close() {
	l.mu.Lock()
	l.closed = true
	for _, cancel := range l.cancels {
		cancel()
	}
	l.mu.Unlock()
	l.running.Wait()
}
