package main

import (
	"io"
	"os"

	"github.com/charmbracelet/x/term"
	"github.com/mattn/go-isatty"
)

func stdoutIsTerminal() bool {
	fd := os.Stdout.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

// terminalSize is stdout's size in cells, or 80x24 when it has none.
func terminalSize() (w, h int) {
	w, h, err := term.GetSize(os.Stdout.Fd())
	if err != nil || w <= 0 || h <= 0 {
		return 80, 24
	}
	return w, h
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
