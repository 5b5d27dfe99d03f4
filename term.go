package main

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

func stdoutIsTerminal() bool {
	fd := os.Stdout.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

// stdinIsTerminal reports whether the command reads the process's own
// terminal.
func stdinIsTerminal(env *cliEnv) bool {
	if env.stdin != io.Reader(os.Stdin) {
		return false
	}
	fd := os.Stdin.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}
