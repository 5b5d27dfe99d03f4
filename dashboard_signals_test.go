//go:build linux

package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY opens a pseudo-terminal of 100x30: the side archex gets as its
// terminal, and the side the test reads the screen from.
func openPTY(t *testing.T) (term, screen *os.File) {
	t.Helper()
	screen, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	var unlock int32
	var n uint32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, screen.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); errno != 0 {
		t.Fatal(errno)
	}
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, screen.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); errno != 0 {
		t.Fatal(errno)
	}
	term, err = os.OpenFile("/dev/pts/"+itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	ws := struct{ rows, cols, x, y uint16 }{30, 100, 0, 0}
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, term.Fd(), syscall.TIOCSWINSZ, uintptr(unsafe.Pointer(&ws))); errno != 0 {
		t.Fatal(errno)
	}
	t.Cleanup(func() { term.Close(); screen.Close() })
	return term, screen
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// SIGTERM and SIGHUP end the dashboard with the terminal restored (the
// alternate screen left, the cursor shown), the temporary directory
// removed and exit 128 + the signal.
func TestSignalsEndTheDashboardWithTheTerminalRestored(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGTERM, 143}, {syscall.SIGHUP, 129}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			c, out, _ := startDashboard(t, tmp, "--rate", "20")
			c.cmd.Process.Signal(tc.sig)
			if code := c.exit(t, 15*time.Second); code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			screenText := out.String()
			enter := strings.LastIndex(screenText, "\x1b[?1049h")
			if leave := strings.LastIndex(screenText, "\x1b[?1049l"); leave < enter {
				t.Errorf("the dashboard did not leave the alternate screen: ...%q", tail(screenText, 200))
			}
			if show := strings.LastIndex(screenText, "\x1b[?25h"); show < enter {
				t.Errorf("the cursor was not shown again: ...%q", tail(screenText, 200))
			}
			noTempDirLeft(t, tmp)
		})
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
