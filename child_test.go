package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests that send signals, close pipes and kill processes run archex
// itself in a child process: this test binary, told by ARCHEX_CHILD to run
// main with those arguments instead of the tests.
func TestMain(m *testing.M) {
	if args := os.Getenv("ARCHEX_CHILD"); args != "" {
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			panic(err)
		}
		os.Args = append([]string{"archex"}, argv...)
		main()
		return
	}
	os.Exit(m.Run())
}

// syncBuffer is a buffer a child writes into while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// child is archex running in a process of its own, with TMPDIR (and its
// config directory) in tmp.
type child struct {
	args           []string
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan struct{}
	code           int
}

// childCmd makes the command for archex args, its temporary files in tmp.
func childCmd(t *testing.T, tmp string, args ...string) *exec.Cmd {
	t.Helper()
	argv, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ARCHEX_CHILD="+string(argv), "TMPDIR="+tmp,
		"HOME="+filepath.Join(tmp, "home"), "XDG_CONFIG_HOME="+filepath.Join(tmp, "config"))
	return cmd
}

// startChild starts archex args with its output in buffers.
func startChild(t *testing.T, tmp string, args ...string) *child {
	t.Helper()
	c := &child{args: args, cmd: childCmd(t, tmp, args...), stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	c.cmd.Stdout, c.cmd.Stderr = c.stdout, c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.wait()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.done
	})
	return c
}

// wait collects the child's exit code in the background.
func (c *child) wait() {
	go func() {
		c.cmd.Wait()
		c.code = c.cmd.ProcessState.ExitCode()
		if c.code < 0 {
			c.code = -1 // killed by a signal
		}
		close(c.done)
	}()
}

// exit waits for the child to end and returns its exit code.
func (c *child) exit(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case <-c.done:
		return c.code
	case <-time.After(within):
		t.Fatalf("archex %s still running after %v; stderr: %s", strings.Join(c.args, " "), within, c.stderr.String())
		return 0
	}
}

// tempDirs lists the engines' directories in tmp.
func tempDirs(t *testing.T, tmp string) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(tmp, "archex-*"))
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// noTempDirLeft fails when an engine's directory is left in tmp.
func noTempDirLeft(t *testing.T, tmp string) {
	t.Helper()
	if dirs := tempDirs(t, tmp); len(dirs) > 0 {
		t.Errorf("left behind: %s", strings.Join(dirs, ", "))
	}
}
