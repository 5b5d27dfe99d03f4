package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGTERM, SIGHUP and SIGINT end `archex run` alike: the summary (valid JSON
// with --json), the temporary directory removed, exit 128 + the signal.
func TestSignalsEndARunWithItsSummary(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
		json bool // else the table, and the signal after its first second
	}{{syscall.SIGTERM, 143, true}, {syscall.SIGHUP, 129, false}, {syscall.SIGINT, 130, true}, {syscall.SIGTERM, 143, false}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			args := []string{"run", "--duration", "60s", "--rate", "50"}
			if tc.json {
				args = append(args, "--json")
			}
			c := startChild(t, tmp, args...)
			waitFor(t, 20*time.Second, "no temporary directory", func() bool { return len(tempDirs(t, tmp)) == 1 })
			if !tc.json {
				waitFor(t, 20*time.Second, "no second closed", func() bool { return strings.Contains(c.stdout.String(), "\n    0 ") })
			}
			c.cmd.Process.Signal(tc.sig)
			if code := c.exit(t, 15*time.Second); code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.code, c.stderr.String())
			}
			noTempDirLeft(t, tmp)
			if !tc.json {
				if out := c.stdout.String(); !strings.Contains(out, "requests  sent") {
					t.Errorf("no summary in %q", out)
				}
				return
			}
			var rep struct {
				Timeline []map[string]any
				Summary  struct{ Sent, OK, Failed, InFlight int64 }
			}
			if err := json.Unmarshal([]byte(c.stdout.String()), &rep); err != nil {
				t.Fatalf("stdout is not the JSON report: %v: %q", err, c.stdout.String())
			}
			if s := rep.Summary; s.Sent != s.OK+s.Failed+s.InFlight {
				t.Errorf("summary %+v does not add up", s)
			}
		})
	}
}

// Ctrl-C while the run waits for the queue to drain ends it there, with the
// summary and exit 130 (it used to exit 0).
func TestInterruptDuringTheDrain(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	// With the worker dead the queue never drains: the drain would wait 60 s.
	c := startChild(t, tmp, "run", "--duration", "1s", "--rate", "50", "--drain", "60s", "--fault", "kill worker @0s")
	waitFor(t, 20*time.Second, "the run's one second never closed", func() bool {
		return strings.Contains(c.stdout.String(), "\n    0 ")
	})
	c.cmd.Process.Signal(syscall.SIGINT)
	if code := c.exit(t, 15*time.Second); code != 130 {
		t.Errorf("exit %d, want 130; stderr: %s", code, c.stderr.String())
	}
	if out := c.stdout.String(); !strings.Contains(out, "requests  sent") || !strings.Contains(out, "drain     incomplete") {
		t.Errorf("no summary with an incomplete drain in %q", out)
	}
	noTempDirLeft(t, tmp)
}

// A closed stdout (`archex run | head -1`, `archex trace | head -1`) ends
// the command at once, silently, with its temporary directory removed and
// exit 141 (128 + SIGPIPE), as a pipeline expects.
func TestClosedStdoutEndsTheCommandCleanly(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--duration", "60s", "--rate", "50"},
		{"run", "--duration", "60s", "--rate", "50", "--json"},
		{"trace"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			cmd := childCmd(t, tmp, args...)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			stderr := &syncBuffer{}
			cmd.Stderr = stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			c := &child{args: args, cmd: cmd, stderr: stderr, done: make(chan struct{})}
			switch {
			case args[0] == "trace":
				// Gone before archex writes a word.
			case args[len(args)-1] != "--json":
				// head -1: read the header, then go.
				bufio.NewReader(out).ReadString('\n')
			default:
				waitFor(t, 20*time.Second, "no temporary directory", func() bool { return len(tempDirs(t, tmp)) == 1 })
			}
			out.Close()
			if args[len(args)-1] == "--json" {
				// The JSON comes at the end: stop the run, and the write fails.
				cmd.Process.Signal(syscall.SIGTERM)
			}
			c.wait()
			code := c.exit(t, 20*time.Second)
			want := 141
			if args[len(args)-1] == "--json" {
				want = 143 // the signal came first
			}
			if code != want {
				t.Errorf("exit %d, want %d; stderr: %s", code, want, stderr.String())
			}
			if s := stderr.String(); s != "" {
				t.Errorf("stderr %q, want nothing", s)
			}
			noTempDirLeft(t, tmp)
		})
	}
}

// A directory left by a killed process (SIGKILL: nothing runs) is removed
// by the next start, and a running process's is not.
func TestTheNextStartRemovesAKilledProcesssTempDir(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	killed := startChild(t, tmp, "run", "--duration", "60s", "--rate", "20")
	waitFor(t, 20*time.Second, "no temporary directory", func() bool { return len(tempDirs(t, tmp)) == 1 })
	left := tempDirs(t, tmp)[0]
	killed.cmd.Process.Kill()
	killed.exit(t, 10*time.Second)
	if got := tempDirs(t, tmp); len(got) != 1 {
		t.Fatalf("after SIGKILL: %v, want the killed process's directory left", got)
	}
	running := startChild(t, tmp, "run", "--duration", "60s", "--rate", "20")
	waitFor(t, 20*time.Second, "the second run made no directory of its own", func() bool {
		dirs := tempDirs(t, tmp)
		return len(dirs) == 1 && dirs[0] != left
	})
	mine := tempDirs(t, tmp)[0]
	trace := startChild(t, tmp, "trace")
	if code := trace.exit(t, 20*time.Second); code != 0 {
		t.Fatalf("trace: exit %d: %s", code, trace.stderr.String())
	}
	if got := tempDirs(t, tmp); len(got) != 1 || got[0] != mine {
		t.Errorf("after another start: %v, want only the running process's %s", got, mine)
	}
	running.cmd.Process.Signal(syscall.SIGTERM)
	if code := running.exit(t, 15*time.Second); code != 143 {
		t.Errorf("exit %d, want 143", code)
	}
	noTempDirLeft(t, tmp)
}

// A full-screen program writes to the terminal's file itself, not to the
// wrapper that notices a closed pipe: Bubble Tea learns the size from that
// file, and without it leaves what a shorter line does not cover on screen
// (the quiz showed "✓ Correctlity · easy · new").
func TestFullScreenProgramsWriteToTheTerminalsFile(t *testing.T) {
	var buf bytes.Buffer
	process := &cliEnv{stdout: newPipeOut(os.Stdout), out: newPipeOut(os.Stdout)}
	if f, ok := process.screen().(*os.File); !ok || f != os.Stdout {
		t.Errorf("the process's screen is %T, want os.Stdout", process.screen())
	}
	test := &cliEnv{stdout: &buf}
	if test.screen() != io.Writer(&buf) {
		t.Errorf("a test's screen is %T, want its stdout", test.screen())
	}
}
