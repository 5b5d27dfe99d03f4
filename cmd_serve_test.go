package main

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

func TestServeBadInput(t *testing.T) {
	t.Setenv("ARCHEX_CONFIG_DIR", t.TempDir())
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--theme", "neon"}, `--theme "neon"`},
		{[]string{"--class-code", "same", "--presenter-code", "same"}, "are the same"},
		{[]string{"--polls", "card,no-such-question"}, `no question "no-such-question"`},
		{[]string{"--polls", "num-littles-law"}, "answered with a number"},
		{[]string{"--max-sessions", "0"}, "--max-sessions 0"},
		{[]string{"--idle", "10ms"}, "--idle 10ms"},
		{[]string{"--results", "/no/such/dir/results.csv"}, "--results /no/such/dir/results.csv"},
		{[]string{"--addr", busy.Addr().String()}, "address already in use"},
		{[]string{"--addr", "nowhere:http"}, "--addr nowhere:http"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"serve"}, tc.args...)...)
			first, _, _ := strings.Cut(stderr, "\n")
			if code != exitUsage || stdout != "" || !strings.Contains(first, tc.want) {
				t.Errorf("exit %d, stdout %q, first line %q: want exit 2 naming %q", code, stdout, first, tc.want)
			}
		})
	}
}

// archex serve without a terminal: it prints how to join and the codes,
// serves until a signal, then prints the class summary and writes the
// results.
func TestServeUntilSignalled(t *testing.T) {
	config := t.TempDir()
	t.Setenv("ARCHEX_CONFIG_DIR", config)
	results := filepath.Join(t.TempDir(), "answers.csv")
	out, errb := &syncBuffer{}, &syncBuffer{}
	env := &cliEnv{stdin: strings.NewReader(""), stdout: out, stderr: errb}
	stop := make(chan os.Signal, 1)
	done := make(chan error, 1)
	go func() {
		done <- runServe(env, []string{"--addr", "127.0.0.1:0", "--rate", "2", "--class-code", "plum-otter-42", "--results", results}, stop)
	}()
	port := ""
	for deadline := time.Now().Add(10 * time.Second); port == ""; time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`ssh -p (\d+) yourname@127\.0\.0\.1`).FindStringSubmatch(out.String()); m != nil {
			port = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no join line:\n%s\n%s", out, errb)
		}
	}
	presenter := regexp.MustCompile(`presenter code: ([a-z]+-[a-z]+-[a-z]+-\d\d) `).FindStringSubmatch(out.String())
	if presenter == nil || !strings.Contains(out.String(), "class code:     plum-otter-42") {
		t.Fatalf("the codes are not printed:\n%s", out)
	}
	if errb.String() != "" {
		t.Errorf("a loopback server warned: %q", errb)
	}
	for _, code := range []string{"plum-otter-42", presenter[1]} {
		conn, err := gossh.Dial("tcp", "127.0.0.1:"+port, &gossh.ClientConfig{User: "alice",
			Auth: []gossh.AuthMethod{gossh.Password(code)}, HostKeyCallback: gossh.InsecureIgnoreHostKey()})
		if err != nil {
			t.Fatalf("joining with %q: %v", code, err)
		}
		conn.Close()
	}
	if fi, err := os.Stat(filepath.Join(config, serveFolder, "host_ed25519")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("host key: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(config, serveFolder)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("the host key's folder: %v %v", fi.Mode(), err)
	}
	stop <- syscall.SIGINT
	select {
	case err := <-done:
		if ie, ok := err.(interruptedError); !ok || ie.exitCode() != 130 {
			t.Errorf("serve ended with %v, want interrupted (130)", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop on SIGINT")
	}
	if !strings.Contains(out.String(), "The class:\n  0 students joined, 0 polls asked.") {
		t.Errorf("no summary:\n%s", out)
	}
	if data, err := os.ReadFile(results); err != nil || string(data) != "nickname,question,answer,correct,time,vote\n" {
		t.Errorf("results %q %v", data, err)
	}
}

func TestServeWarnsBeyondLoopback(t *testing.T) {
	t.Setenv("ARCHEX_CONFIG_DIR", t.TempDir())
	out, errb := &syncBuffer{}, &syncBuffer{}
	env := &cliEnv{stdin: strings.NewReader(""), stdout: out, stderr: errb}
	stop := make(chan os.Signal, 1)
	done := make(chan error, 1)
	go func() {
		done <- runServe(env, []string{"--addr", "0.0.0.0:0", "--rate", "0", "--join-host", "lab.example"}, stop)
	}()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "yourname@lab.example"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no join line:\n%s", out)
		}
	}
	stop <- syscall.SIGTERM
	if ie, ok := (<-done).(interruptedError); !ok || ie.exitCode() != 143 {
		t.Errorf("SIGTERM: want exit 143")
	}
	if lines := strings.Split(strings.TrimSpace(errb.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "listens beyond this machine") {
		t.Errorf("warning %q: want one line", errb)
	}
}
