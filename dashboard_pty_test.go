package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startDashboard starts archex args (the dashboard) on a pseudo-terminal
// of 100x30, answering its background colour query as a terminal does, and
// waits until it has drawn the card. out is all it wrote; the child is
// killed at the end of the test.
func startDashboard(t *testing.T, tmp string, args ...string) (c *child, out *syncBuffer, screen *os.File) {
	t.Helper()
	term, screen := openPTY(t)
	cmd := childCmd(t, tmp, args...)
	cmd.Env = append(cmd.Env, "TERM=xterm-256color")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = term, term, term
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	out = &syncBuffer{}
	go func() {
		buf := make([]byte, 4096)
		answered := false
		for {
			n, err := screen.Read(buf)
			out.Write(buf[:n])
			if err != nil {
				return
			}
			// Answer the background colour query (OSC 11, then a cursor position report)
			// as a terminal does, or archex waits 5 s for it.
			if !answered && strings.Contains(out.String(), "\x1b]11;?") {
				screen.WriteString("\x1b]11;rgb:0000/0000/0000\x1b\\\x1b[1;1R")
				answered = true
			}
		}
	}()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c = &child{args: append([]string{"(dashboard)"}, args...), cmd: cmd, stderr: out, done: make(chan struct{})}
	c.wait()
	t.Cleanup(func() { cmd.Process.Kill(); <-c.done })
	waitFor(t, 30*time.Second, "the dashboard never drew the card", func() bool {
		return strings.Contains(out.String(), "\x1b[?1049h") && strings.Contains(out.String(), "Cache")
	})
	return c, out, screen
}
