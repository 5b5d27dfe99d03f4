package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/archex/archex/challenge"
	"github.com/archex/archex/tui/learn"
	"github.com/archex/archex/tui/theme"
)

// learnHelp follows the flags in `archex learn -h`.
const learnHelp = `
A path of hands-on challenges, easy to hard. Each puts the live system in a
broken situation (a fault, too much traffic, a setting gone wrong) and gives
you levers to fix it with, and a budget: a replica costs 2 credits, a worker
consumer 1, a database connection 1; settings and switches are free. The
system's own measurements over a window of seconds grade the result.

  archex learn            the path, then the challenge you choose (dashboard)
  archex learn 3          challenge 3 on the dashboard
  archex learn --list     the path: number, title, state (done, next, locked)
  archex learn 3 --plain  challenge 3 line by line: type levers in the fault
                          words (scale service 4, pool 6, shedding on), "hint"
                          for a hint, "go" to run; a line per condition with
                          its measured value, then "passed" (exit 0) or
                          "failed" (exit 1)

Progress is kept in $ARCHEX_CONFIG_DIR, or else your config directory, in
learn.json; a challenge opens once the ones before it are done.
`

// learnRun is one `archex learn` after its flags are read.
type learnRun struct {
	env     *cliEnv
	path    *challenge.Path
	number  int // 0: none given
	plain   bool
	list    bool
	palette *theme.Palette // the theme asked for (--theme)
	store   *challenge.Store
}

func cmdLearn(env *cliEnv, args []string) error {
	fs, usage := helpFlagSet("learn", "archex learn [N] [--list] [--plain] [--challenges FILE] [--theme default|high-contrast] [--reset]", learnHelp)
	var (
		list  = fs.Bool("list", false, "print the path, one challenge a line (number, title, state), then exit")
		plain = fs.Bool("plain", false, "line mode for scripts and screen readers: play challenge N, reading levers from stdin")
		file  = fs.String("challenges", "", "a path of challenges of your own (YAML, the format of challenge/path.yaml) instead of archex's")
		reset = fs.Bool("reset", false, "clear the saved progress of the challenges, then exit")
		th    = registerTheme(fs)
	)
	// The challenge's number may come before the flags (archex learn 3
	// --plain): the flag package stops at the first argument that is not
	// a flag, so it is taken out first.
	number, rest, err := takeNumber(args)
	if err != nil {
		return badUsage(usage, "learn: %v", err)
	}
	if err := parseFlags(env, fs, usage, rest); err != nil {
		return err
	}
	pal, err := th.palette(usage)
	if err != nil {
		return err
	}
	if *reset {
		return resetLearn(env)
	}
	r := &learnRun{env: env, number: number, plain: *plain, list: *list, palette: pal}
	if *file == "" {
		r.path = challenge.Shipped()
	} else if r.path, err = challenge.Load(*file); err != nil {
		return badUsage(nil, "--challenges: %v", err)
	}
	if number > len(r.path.Challenges) {
		return badUsage(usage, "learn: there is no challenge %d: the path has %d (archex learn --list)", number, len(r.path.Challenges))
	}
	if *plain && number == 0 {
		return badUsage(usage, "learn --plain plays one challenge: give its number (archex learn 1 --plain)")
	}
	r.store = openLearnProgress(env)
	switch {
	case r.list:
		return r.printList()
	case r.plain:
		return r.runPlain()
	case !env.isTerminal:
		return badUsage(usage, "learn: stdout is not a terminal: archex learn --list prints the path, archex learn N --plain plays challenge N line by line")
	}
	return r.runTUI()
}

// takeNumber takes a bare whole number out of args (not the value of a
// flag that takes one).
func takeNumber(args []string) (int, []string, error) {
	var rest []string
	n, value := 0, false
	for _, a := range args {
		if strings.HasPrefix(a, "-") || n != 0 || value {
			rest = append(rest, a)
			name := strings.TrimLeft(a, "-")
			value = !value && (name == "challenges" || name == "theme") // its value comes next
			continue
		}
		v, err := strconv.Atoi(a)
		if err != nil || v < 1 {
			return 0, nil, fmt.Errorf("%q is not a challenge's number (1, 2, ...)", a)
		}
		n = v
	}
	return n, rest, nil
}

func openLearnProgress(env *cliEnv) *challenge.Store {
	return openSaved(env, "learn", "results", func(dir string) (*challenge.Store, string) { return challenge.OpenStore(dir, time.Now()) }, challenge.MemoryStore)
}

func resetLearn(env *cliEnv) error {
	return resetSaved(env, "learn", challenge.ProgressFile, challenge.ResetProgress)
}

// printList prints the path: number, title, state.
func (r *learnRun) printList() error {
	states := r.store.States(r.path)
	for i, c := range r.path.Challenges {
		fmt.Fprintf(r.env.stdout, "%2d  %-42s  %s\n", c.Number, c.Title, states[i])
	}
	return nil
}

// open checks that challenge n may be played.
func (r *learnRun) open(n int) (*challenge.Challenge, error) {
	c := r.path.Challenges[n-1]
	states := r.store.States(r.path)
	if !states[n-1].Open() {
		next := 1
		for i, s := range states {
			if s == challenge.Next {
				next = i + 1
			}
		}
		return nil, badUsage(nil, "challenge %d is locked: pass challenge %d first (archex learn --list shows the path)", n, next)
	}
	return c, nil
}

// runPlain plays one challenge line by line.
func (r *learnRun) runPlain() error {
	c, err := r.open(r.number)
	if err != nil {
		return err
	}
	out := r.env.stdout
	ctx, stop := r.env.stopContext(context.Background())
	defer stop()
	fmt.Fprintf(out, "challenge %d of %d: %s\n", c.Number, len(r.path.Challenges), c.Title)
	fmt.Fprintln(out, c.Story)
	for _, line := range c.Facts() {
		fmt.Fprintln(out, line)
	}
	s, err := challenge.New(c, challenge.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintln(out, "levers now: "+challenge.LeversText(s.Base()))
	fmt.Fprintf(out, "type a lever a line (%s), \"hint\" for a hint (%d in all), \"go\" to run\n", leverExamples(c), len(c.Hints))
	hints, err := r.readLevers(s, c)
	if err != nil {
		return err
	}
	g := s.Challenge().Goal
	fmt.Fprintf(out, "running %s: %s warmup, then the %s window\n", g.Total(), g.Warmup, g.Window)
	s.Go()
	v, err := s.Wait(ctx)
	if ie := interruption(ctx); ie != nil {
		return ie
	}
	if err != nil {
		return err
	}
	for _, rd := range v.Readings {
		fmt.Fprintln(out, rd.Line())
	}
	if serr := r.store.Attempt(r.path, c, v.Passed, hints, time.Now()); serr != nil {
		fmt.Fprintf(r.env.stderr, "archex learn: warning: %v\n", serr)
	}
	if !v.Passed {
		fmt.Fprintln(out, "failed")
		return exitCode(exitFailure)
	}
	for _, line := range strings.Split(c.Explanation, "\n") {
		fmt.Fprintln(out, line)
	}
	fmt.Fprintln(out, "passed")
	return nil
}

// readLevers turns the levers read from stdin until "go" or the end of
// the input, and reports how many hints were shown.
func (r *learnRun) readLevers(s *challenge.Session, c *challenge.Challenge) (hints int, err error) {
	out := r.env.stdout
	sc := bufio.NewScanner(r.env.stdin)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		switch {
		case text == "" || strings.HasPrefix(text, "#"):
			continue
		case text == "go":
			return hints, nil
		case text == "hint":
			if hints == len(c.Hints) {
				fmt.Fprintln(out, "no more hints")
				continue
			}
			hints++
			fmt.Fprintf(out, "hint %d of %d: %s\n", hints, len(c.Hints), c.Hints[hints-1])
			continue
		}
		if err := s.TurnText(text); err != nil {
			return hints, badUsage(nil, "stdin line %d: %v", line, err)
		}
		fmt.Fprintf(out, "ok: %s (spent %d of %s)\n", text, s.Spent(), challenge.Credits(c.Budget))
	}
	return hints, sc.Err()
}

// leverExamples are two lever commands of the challenge's, for the prompt.
func leverExamples(c *challenge.Challenge) string {
	examples := map[string]string{
		"scale service": "scale service 4", "scale worker": "scale worker 4", "pool": "pool 5", "ttl": "ttl 30s",
		"ratelimit": "ratelimit 100", "breaker": "breaker on", "singleflight": "singleflight on", "shedding": "shedding on",
		"algorithm": "algorithm least-connections",
	}
	var out []string
	for _, l := range c.Levers {
		out = append(out, examples[l])
	}
	if len(out) > 2 {
		out = out[:2]
	}
	return strings.Join(out, ", ")
}

// exitCode is an error that only sets the exit code: what to say has been
// said.
type exitCode int

func (e exitCode) Error() string { return "exit " + strconv.Itoa(int(e)) }

// runTUI opens the path (or challenge N) on the screen.
func (r *learnRun) runTUI() error {
	if r.number > 0 {
		if _, err := r.open(r.number); err != nil {
			return err
		}
	}
	pal := r.palette
	// As the dashboard: signals end it with the terminal restored and the
	// system's temporary files removed.
	ctx, stop := r.env.stopContext(context.Background())
	defer stop()
	app := learn.New(r.path, r.store, learn.Options{Palette: pal, Open: r.number})
	defer app.Close()
	p := tea.NewProgram(app, tea.WithAltScreen(), tea.WithInput(r.env.stdin), tea.WithOutput(r.env.screen()),
		tea.WithContext(ctx), tea.WithoutSignalHandler())
	_, err := p.Run()
	app.Close()
	if ie := interruption(ctx); ie != nil {
		return ie
	}
	if errors.Is(err, tea.ErrProgramPanic) {
		return fmt.Errorf("archex learn crashed (the terminal has been restored): %w", err)
	}
	if errors.Is(err, tea.ErrInterrupted) || app.Interrupted {
		return interruptedError{}
	}
	return err
}
