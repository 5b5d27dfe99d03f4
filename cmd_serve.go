package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/archex/archex/classroom"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/quiz"
	"github.com/archex/archex/quiz/experiment"
	"github.com/archex/archex/serve"
	"github.com/archex/archex/tui"
	"github.com/archex/archex/tui/theme"
)

// serveFolder is the folder of archex's config directory that holds the
// server's host key and log: a folder of its own (keygen makes it 0700).
const serveFolder = "serve"

// serveFlags are the flags of archex serve.
type serveFlags struct {
	sys                            systemFlags
	addr, joinHost                 string
	theme                          themeFlag
	classCode, presenterCode, keys string
	results, polls                 string
	maxSessions                    int
	idle                           time.Duration
	presenterCodeSet               bool
}

func cmdServe(env *cliEnv, args []string) error {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, stopSignals...)
	defer signal.Stop(stop)
	return runServe(env, args, stop)
}

// stoppedBy is the error of a class ended by signal s: exit 128 + s.
func stoppedBy(s os.Signal) error {
	sig, _ := s.(syscall.Signal)
	if sig == syscall.SIGINT {
		sig = 0 // Ctrl-C
	}
	return interruptedError{sig: sig}
}

// runServe is archex serve, ended by a signal on stop (or, with a terminal,
// by the presenter quitting the dashboard).
func runServe(env *cliEnv, args []string, stop <-chan os.Signal) error {
	var fs *flag.FlagSet
	usage := flagUsage("archex serve [--addr 127.0.0.1:2222] [--class-code CODE] [--presenter-code CODE] [--polls card,experiments] [--results FILE] [--card FILE] [--rate 20]", &fs)
	fs = newFlagSet("serve", usage)
	var f serveFlags
	f.sys.register(fs, 20)
	f.theme = registerTheme(fs)
	fs.StringVar(&f.addr, "addr", serve.DefaultAddr, "address to listen on; beyond 127.0.0.1 the class can join from other machines")
	fs.StringVar(&f.joinHost, "join-host", "", "the host name students type (default: the address listened on, or this machine's address)")
	fs.StringVar(&f.classCode, "class-code", "", "the password students join with (default: a random easy-to-read one, printed)")
	fs.StringVar(&f.presenterCode, "presenter-code", "", "the password a presenter joins over SSH with (default: random, printed once)")
	fs.StringVar(&f.keys, "authorized-keys", "", "an authorized_keys file whose keys join as students without the class code")
	fs.StringVar(&f.results, "results", "", "CSV file for every answer (nickname, question, answer, correct, time, vote)")
	fs.StringVar(&f.polls, "polls", strings.Join(classroom.DefaultSources, ","), "what the polls ask, in order: card, experiments, bank, or question ids, comma-separated")
	fs.IntVar(&f.maxSessions, "max-sessions", serve.DefaultMaxSessions, "most students at once (presenters always get in)")
	fs.DurationVar(&f.idle, "idle", serve.DefaultIdle, "close a student's session after this long without a key pressed")
	if err := parseFlags(env, fs, usage, args); err != nil {
		return err
	}
	pal, err := f.theme.palette(usage)
	if err != nil {
		return err
	}
	if f.maxSessions < 1 {
		return badUsage(usage, "--max-sessions %d: give 1 or more", f.maxSessions)
	}
	if f.idle < time.Second {
		return badUsage(usage, "--idle %v: give at least 1s", f.idle)
	}
	if err := f.codes(usage); err != nil {
		return err
	}
	opts, err := f.sys.options(usage, env.stderr)
	if err != nil {
		return err
	}
	items, err := classroom.Bank{Card: opts.Card, Bank: quiz.DefaultBank(), Experiments: experiment.Questions(), Numeric: quiz.Templates()}.
		Questions(strings.Split(f.polls, ","), f.sys.seed)
	if err != nil {
		return badUsage(usage, "--polls: %v", err)
	}
	if f.results != "" {
		if err := checkWritable(f.results); err != nil {
			return badUsage(usage, "--results %s: %v", f.results, err)
		}
	}
	dir, err := quiz.ConfigDir()
	if err != nil {
		return fmt.Errorf("no folder for the server's host key: %w", err)
	}
	dir = filepath.Join(dir, serveFolder)

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return badUsage(usage, "--addr %s: %v (choose another with --addr)", f.addr, errors.Unwrap(err))
	}
	defer ln.Close()
	e, err := engine.New(opts)
	if err != nil {
		return err
	}
	defer e.Close()
	e.Start()
	return f.run(env, ln, e, classroom.New(items), pal, dir, stop)
}

// codes checks the codes given and makes up those not given.
func (f *serveFlags) codes(usage func(io.Writer)) error {
	var err error
	if f.classCode == "" {
		if f.classCode, err = serve.NewClassCode(); err != nil {
			return err
		}
	}
	f.presenterCodeSet = f.presenterCode != ""
	if !f.presenterCodeSet {
		if f.presenterCode, err = serve.NewPresenterCode(); err != nil {
			return err
		}
	}
	if f.classCode == f.presenterCode {
		return badUsage(usage, "--class-code and --presenter-code are the same: students would join as presenters")
	}
	return nil
}

// checkWritable makes sure the results can be written, before the class
// starts rather than at its end.
func checkWritable(path string) error {
	if _, err := os.Stat(path); err == nil {
		fh, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return errors.Unwrap(err)
		}
		return fh.Close()
	}
	fh, err := os.Create(path)
	if err != nil {
		return errors.Unwrap(err)
	}
	fh.Close()
	return os.Remove(path)
}

// run serves the class until the presenter quits or a signal comes.
func (f *serveFlags) run(env *cliEnv, ln net.Listener, e *engine.Engine, class *classroom.Class, pal *theme.Palette, dir string, stop <-chan os.Signal) error {
	tcp := ln.Addr().(*net.TCPAddr)
	host := f.joinHost
	if host == "" {
		host = serve.ReachableHost(tcp.IP)
	}
	command := serve.JoinCommand(host, tcp.Port)
	local := env.isTerminal && stdinIsTerminal(env)
	logw := env.stdout
	if local {
		// The dashboard owns the terminal: the log goes to a file.
		logf, err := openLog(dir)
		if err != nil {
			return err
		}
		defer logf.Close()
		logw = logf
	}
	srv, err := serve.New(serve.Options{System: e, Class: class, ClassCode: f.classCode, PresenterCode: f.presenterCode,
		AuthorizedKeys: f.keys, HostKeyDir: dir, JoinHint: serve.JoinHint(command, f.classCode), MaxSessions: f.maxSessions,
		Idle: f.idle, Palette: pal, Judge: experiment.JudgeOn(e), Results: f.results, Log: logw})
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	if !tcp.IP.IsLoopback() {
		fmt.Fprintf(env.stderr, "archex serve: warning: %s listens beyond this machine: anyone who reaches it with the class code joins (see the README on firewalls)\n", ln.Addr())
	}
	fmt.Fprintf(env.stdout, "archex serve: the class joins with\n\n    %s\n\nclass code:     %s\n", command, f.classCode)
	if f.presenterCodeSet {
		fmt.Fprintln(env.stdout, "presenter code: as given with --presenter-code")
	} else {
		fmt.Fprintf(env.stdout, "presenter code: %s   (to present over SSH too; printed only here)\n", f.presenterCode)
	}

	var interrupted error
	if local {
		interrupted = f.present(env, srv, e, class, pal, stop)
	} else {
		fmt.Fprintln(env.stdout, "No terminal here: a presenter joins over SSH with the presenter code. Ctrl+C (SIGINT, SIGTERM or SIGHUP) ends the class.")
		interrupted = stoppedBy(<-stop)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(ctx)
	if serr := <-served; err == nil {
		err = serr
	}
	fmt.Fprintln(env.stdout, "\nThe class:")
	for _, l := range srv.Summary() {
		fmt.Fprintln(env.stdout, "  "+l)
	}
	if err != nil {
		return err
	}
	return interrupted
}

// present runs the presenter's dashboard on this terminal until the
// presenter ends the class (or a signal comes).
func (f *serveFlags) present(env *cliEnv, srv *serve.Server, e *engine.Engine, class *classroom.Class, pal *theme.Palette, stop <-chan os.Signal) error {
	if !f.presenterCodeSet {
		// The dashboard takes the screen: give the presenter time to note
		// the code first.
		fmt.Fprint(env.stdout, "\nStudents can join now. Press enter to open the presenter's dashboard here.")
		bufio.NewReader(env.stdin).ReadString('\n')
	}
	seat, id := srv.Seat("presenter")
	defer class.Leave(id)
	m := tui.New(e, tui.Options{Palette: pal, Class: seat})
	// Signals are this command's (stop), not Bubble Tea's: each ends the
	// class the same way.
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithInput(env.stdin), tea.WithOutput(env.screen()), tea.WithoutSignalHandler())
	var signalled error
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case s := <-stop:
			signalled = stoppedBy(s)
			p.Quit()
		case <-done:
		}
	}()
	_, err := p.Run()
	switch {
	case errors.Is(err, tea.ErrProgramPanic):
		return fmt.Errorf("the dashboard crashed (the terminal has been restored): %w", err)
	case errors.Is(err, tea.ErrInterrupted):
		return interruptedError{}
	case err != nil:
		return err
	}
	return signalled
}

// openLog opens the server's log in dir, for appending.
func openLog(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("the server's folder %s: %w", dir, err)
	}
	return os.OpenFile(filepath.Join(dir, "serve.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
}
