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

Predict, then observe: some questions are experiments on the running
system. archex starts the whole system on this machine (load balancer,
gateway, 3 service replicas, cache, database, queue, worker, with traffic),
waits for a steady state and shows you its baseline ("27 reads/s reach the
database, at 84 % cache hits"); you predict a number ("how many after the
kill?"); then it acts (kills the cache, kills the worker for a few seconds,
slows a replica, ...), measures, grades your prediction against the
measurement within the stated tolerance, and explains the gap from the
measured numbers. Each takes 10 to 20 seconds. A practice set has one when
one is due or new; --set all includes them all; --set experiments asks only
them; --no-experiments leaves them out.
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
		noExp     = fs.Bool("no-experiments", false, "leave out the experiments, which run the system for 10 to 20 s each")
		seed      = fs.Uint64("seed", 0, "fix which questions are drawn and the order of their options (default: from the clock)")
		plain     = fs.Bool("plain", false, "line mode for pipes and screen readers: questions on stdout, one answer (A-D, or a number) per line on stdin")
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
	lab := &labRunner{start: experiment.Trials}
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
		_, err := quiz.RunPlainExperiments(context.Background(), env.stdin, env.stdout, sess, func(a quiz.Answer) { warn(rec.Record(a)) }, lab.plainTrial)
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
	opts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithOutput(env.screen())}
	if env.stdin != io.Reader(os.Stdin) {
		opts = append(opts, tea.WithInput(env.stdin))
	}
	app := quizview.NewApp(m)
	app.Experimenter = lab.trial
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
	res := sess.Results()
	score := res.Score() + " (first answers)"
	if res.Again > 0 {
		score += fmt.Sprintf("; asked again after a miss: %d of %d right the second time", res.AgainRight, res.Again)
	}
	fmt.Fprintf(env.stdout, "score: %s\nprogress: %s\nnext review: %s\n", score, after.Standing(), after.Next())
	if app, ok := final.(quizview.App); ok && app.Interrupted {
		return interruptedError{}
	}
	return nil
}

// openProgress opens the learner's progress. It never fails: a problem is a
// one-line warning, and the quiz runs with what could be recovered.
func openProgress(env *cliEnv, now time.Time) *quiz.Store {
	return openSaved(env, "quiz", "answers", func(dir string) (*quiz.Store, string) { return quiz.OpenStore(dir, now) }, quiz.MemoryStore)
}

func resetProgress(env *cliEnv) error {
	return resetSaved(env, "quiz", quiz.ProgressFile, quiz.ResetProgress)
}

func dirFile(dir string) string { return filepath.Join(dir, quiz.ProgressFile) }

// flagGiven reports whether the flag was given on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// labRunner runs the experiments `archex quiz` asks, each on a fresh system
// of its own, and makes sure none is left running when the command ends:
// close cancels what runs, waits for it, and closes the trials still open.
type labRunner struct {
	start quiz.Experimenter

	mu      sync.Mutex
	closed  bool
	running sync.WaitGroup
	cancels map[int]context.CancelFunc
	open    map[*labTrial]bool
	next    int
}

// begin starts a step of an experiment (a start or a measure) that close
// cancels; done ends it. ok is false once the runner is closed.
func (l *labRunner) begin(ctx context.Context) (_ context.Context, done func(), ok bool) {
	ctx, cancel := context.WithCancel(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		cancel()
		return nil, nil, false
	}
	if l.cancels == nil {
		l.cancels, l.open = map[int]context.CancelFunc{}, map[*labTrial]bool{}
	}
	id := l.next
	l.next++
	l.cancels[id] = cancel
	l.running.Add(1)
	return ctx, func() {
		cancel()
		l.mu.Lock()
		delete(l.cancels, id)
		l.mu.Unlock()
		l.running.Done()
	}, true
}

// trial is a quiz.Experimenter: start, unless the runner is closed.
func (l *labRunner) trial(ctx context.Context, it quiz.Item, progress func(string)) (quiz.Trial, error) {
	ctx, done, ok := l.begin(ctx)
	if !ok {
		return nil, context.Canceled
	}
	defer done()
	t, err := l.start(ctx, it, progress)
	if err != nil {
		return nil, err
	}
	lt := &labTrial{Trial: t, l: l}
	l.mu.Lock()
	l.open[lt] = true
	l.mu.Unlock()
	return lt, nil
}

// plainTrial runs an experiment for --plain, where ctrl+c while it starts
// or measures stops it cleanly (its system undone and closed) and ends the
// quiz; outside those, ctrl+c does what it always does.
func (l *labRunner) plainTrial(ctx context.Context, it quiz.Item, progress func(string)) (quiz.Trial, error) {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	t, err := l.trial(ctx, it, progress)
	if err != nil {
		return nil, err
	}
	return interruptible{t}, nil
}

// interruptible measures with ctrl+c stopping the measurement.
type interruptible struct{ quiz.Trial }

func (t interruptible) Measure(ctx context.Context, progress func(string)) (quiz.Problem, string, error) {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	return t.Trial.Measure(ctx, progress)
}

// labTrial is a trial the runner keeps track of.
type labTrial struct {
	quiz.Trial
	l *labRunner
}

func (t *labTrial) Measure(ctx context.Context, progress func(string)) (quiz.Problem, string, error) {
	ctx, done, ok := t.l.begin(ctx)
	if !ok {
		return quiz.Problem{}, "", context.Canceled
	}
	defer done()
	return t.Trial.Measure(ctx, progress)
}

func (t *labTrial) Close() {
	t.Trial.Close()
	t.l.mu.Lock()
	delete(t.l.open, t)
	t.l.mu.Unlock()
}

// close stops the experiments still running, waits for them to end, and
// closes the trials still open (which puts back and closes their systems).
func (l *labRunner) close() {
	l.mu.Lock()
	l.closed = true
	for _, cancel := range l.cancels {
		cancel()
	}
	open := make([]*labTrial, 0, len(l.open))
	for t := range l.open {
		open = append(open, t)
	}
	l.mu.Unlock()
	l.running.Wait()
	for _, t := range open {
		t.Close()
	}
}
