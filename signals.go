package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// stopSignals end a command the way Ctrl-C does: archex stops what it is
// doing, prints what it has (the run's summary, valid JSON with --json),
// removes its temporary files and exits 128 + the signal's number (130 for
// SIGINT, 143 for SIGTERM, 129 for SIGHUP).
var stopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// interruptedError ends a command that a signal stopped, or whose reader
// went away (a closed pipe: SIGPIPE); its exit code is 128 + the signal.
// The zero value is Ctrl-C.
type interruptedError struct{ sig syscall.Signal }

func (e interruptedError) Error() string {
	if e.sig == 0 {
		return "interrupted"
	}
	return "stopped by " + e.sig.String()
}

func (e interruptedError) exitCode() int {
	if e.sig == 0 {
		return exitInterrupted
	}
	return 128 + int(e.sig)
}

// stopContext returns a context that ends at the first stop signal, or when
// stdout's reader goes away, with an interruptedError as its cause. stop
// releases the signals.
func (env *cliEnv) stopContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, stopSignals...)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			cancel(interruptedError{sig: s.(syscall.Signal)})
		case <-env.stdoutGone():
			cancel(interruptedError{sig: syscall.SIGPIPE})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

// interruption is the interruptedError that ended ctx, or nil.
func interruption(ctx context.Context) error {
	var ie interruptedError
	if errors.As(context.Cause(ctx), &ie) {
		return ie
	}
	return nil
}

func (env *cliEnv) stdoutGone() <-chan struct{} {
	if env.out == nil {
		return nil
	}
	return env.out.gone
}

// pipeOut is stdout. When its reader goes away (`archex run | head -1`), a
// write fails with EPIPE instead of killing the process (main asks for
// SIGPIPE, which makes Go return the error), and pipeOut tells whoever
// watches gone, so a command stops at once and cleans up after itself.
type pipeOut struct {
	w    io.Writer
	once sync.Once
	gone chan struct{}
}

func newPipeOut(w io.Writer) *pipeOut { return &pipeOut{w: w, gone: make(chan struct{})} }

func (p *pipeOut) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	if errors.Is(err, syscall.EPIPE) {
		p.once.Do(func() { close(p.gone) })
	}
	return n, err
}

// closed reports whether the reader has gone.
func (p *pipeOut) closed() bool {
	select {
	case <-p.gone:
		return true
	default:
		return false
	}
}

// catchSIGPIPE makes a write to a closed stdout return EPIPE rather than
// end the process before it can remove its temporary files.
func catchSIGPIPE() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
}
