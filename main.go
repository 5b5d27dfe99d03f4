// Command archex runs a small production system inside its own process and
// shows it live: a dashboard in the terminal (archex), a headless run with a
// per-second timeline (archex run), one traced request (archex trace), an
// architecture quiz (archex quiz), hands-on challenges (archex learn) and a
// classroom over SSH (archex serve).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"syscall"
	"unicode/utf8"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130 // Ctrl-C; other signals: 128 + the signal
)

// usageError is bad input from the user: a one-line message, then usage on
// stderr and exit code 2.
type usageError struct {
	msg   string
	usage func(io.Writer)
}

func (e *usageError) Error() string { return e.msg }

func badUsage(usage func(io.Writer), format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), usage: usage}
}

// command is one subcommand. run gets the arguments after the subcommand name.
type command struct {
	name    string
	summary string
	run     func(env *cliEnv, args []string) error
}

// cliEnv is what a command may touch: its streams and the process's way out.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// isTerminal reports whether stdout is an interactive terminal.
	isTerminal bool
	// out is stdout when it is the process's (nil in tests): it tells when
	// its reader has gone.
	out *pipeOut
}

func commands() []command {
	return []command{
		{"run", "run the system headless and print a per-second timeline", cmdRun},
		{"trace", "send one request and print its hops", cmdTrace},
		{"quiz", "practise with the architecture quiz", cmdQuiz},
		{"learn", "hands-on challenges: fix a broken system with real levers", cmdLearn},
		{"serve", "serve the class: everyone on one live system over SSH", cmdServe},
		{"import", "print a card (page text or YAML) as a YAML card", cmdImport},
	}
}

func main() {
	catchSIGPIPE()
	out := newPipeOut(os.Stdout)
	env := &cliEnv{stdin: os.Stdin, stdout: out, stderr: os.Stderr, isTerminal: stdoutIsTerminal(), out: out}
	os.Exit(runMain(env, os.Args[1:]))
}

// screen is what a full-screen program writes to: the process's own
// stdout, not the wrapper that notices a closed pipe, since Bubble Tea
// reads the terminal's size from the file it writes to, and without a size
// it cannot erase what a shorter line leaves behind. In tests, stdout.
func (env *cliEnv) screen() io.Writer {
	if env.out != nil {
		return os.Stdout
	}
	return env.stdout
}

// runMain dispatches to a subcommand and turns its error into an exit code.
func runMain(env *cliEnv, args []string) int {
	err := dispatch(env, args)
	var ue *usageError
	var ie interruptedError
	var ec exitCode
	switch {
	case errors.As(err, &ie):
		return ie.exitCode()
	case errors.As(err, &ec):
		return int(ec) // the command has said what there was to say
	case env.out != nil && env.out.closed():
		// The reader of stdout has gone (| head): nothing to say to anyone.
		return 128 + int(syscall.SIGPIPE)
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(env.stderr, "archex: %s\n", shortLine(ue.msg))
		if ue.usage != nil {
			ue.usage(env.stderr)
		}
		return exitUsage
	default:
		fmt.Fprintf(env.stderr, "archex: %s\n", shortLine(err.Error()))
		return exitFailure
	}
}

// maxErrorLine bounds an error line: whatever input an error quotes (a
// question file of one 50 MB line), the user reads one short line.
const maxErrorLine = 1000

// shortLine cuts msg to maxErrorLine bytes, on a character boundary.
func shortLine(msg string) string {
	if len(msg) <= maxErrorLine {
		return msg
	}
	cut := maxErrorLine
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + fmt.Sprintf("… (%d more bytes)", len(msg)-cut)
}

func dispatch(env *cliEnv, args []string) error {
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		for _, c := range commands() {
			if c.name == args[0] {
				return c.run(env, args[1:])
			}
		}
		if args[0] == "help" {
			mainUsage(env.stdout)
			return nil
		}
		return badUsage(mainUsage, "unknown command %q: try 'archex help'", args[0])
	}
	return cmdDashboard(env, args)
}

func mainUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: archex [flags]            open the dashboard")
	fmt.Fprintln(w, "       archex <command> [flags]")
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "'archex <command> -h' shows a command's flags.")
	fmt.Fprintln(w, "exit codes: 0 done, 1 failed, 2 bad input, 128+N stopped by signal N (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP, 141 stdout closed)")
}

// newFlagSet makes a flag set that reports errors to the caller instead of
// exiting, and prints nothing itself (runMain prints the one-line error).
func newFlagSet(name string, usage func(io.Writer)) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args and turns a flag error into a usage error. -h prints
// the usage on stdout and returns flag.ErrHelp.
func parseFlags(env *cliEnv, fs *flag.FlagSet, usage func(io.Writer), args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		usage(env.stdout)
		return err
	}
	if err != nil {
		return badUsage(usage, "%s %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return badUsage(usage, "%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// flagUsage returns a usage printer for a flag set with a synopsis line.
func flagUsage(synopsis string, fs **flag.FlagSet) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintf(w, "usage: %s\n", synopsis)
		(*fs).SetOutput(w)
		(*fs).PrintDefaults()
		(*fs).SetOutput(io.Discard)
	}
}

// helpFlagSet is newFlagSet for a command whose usage ends with a text of
// its own after the flags.
func helpFlagSet(name, synopsis, help string) (*flag.FlagSet, func(io.Writer)) {
	var fs *flag.FlagSet
	flags := flagUsage(synopsis, &fs)
	usage := func(w io.Writer) {
		flags(w)
		fmt.Fprint(w, help)
	}
	fs = newFlagSet(name, usage)
	return fs, usage
}
