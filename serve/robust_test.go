package serve

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/archex/archex/quiz"
)

// session finds the server's session of nick.
func (c *class) session(nick string) *session {
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	for sn := range c.srv.sessions {
		if sn.nick == nick {
			return sn
		}
	}
	return nil
}

// stall joins a client that stops reading, and makes the server fill its
// SSH window (a big terminal, the theme toggled over and over: full
// repaints) until a write to it waits.
func (c *class) stall(t *testing.T, nick string) *client {
	t.Helper()
	cl, err := c.join(nick, classCode, joinOptions{w: 250, h: 80, stalled: true})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if sn := c.session(nick); sn != nil && sn.out.stalled(time.Now()) > 300*time.Millisecond {
			return cl
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's session never stalled", nick)
		}
		cl.press("T")
		time.Sleep(15 * time.Millisecond)
	}
}

// A client that stops reading delays nobody: the others' frames keep
// coming, the presenter's kill reaches every other screen.
func TestStalledClientDelaysNoOne(t *testing.T) {
	c := startClass(t, 5)
	p := c.mustJoin("teacher", presenterCode, 120, 40)
	var others []*client
	for _, n := range []string{"ann", "ben", "cat"} {
		others = append(others, c.mustJoin(n, classCode, 80, 24))
	}
	must(t, each(others, func(cl *client) error { return cl.waitFor(5*time.Second, "you are "+cl.user) }))
	c.stall(t, "slowpoke")
	written := c.session("slowpoke").out.written.Load()

	p.press("c")
	must(t, each(append(others, p), func(cl *client) error { return cl.waitFor(downWithin, "CACHE DOWN") }))
	if sn := c.session("slowpoke"); sn.out.written.Load() != written || sn.out.stalled(time.Now()) == 0 {
		t.Errorf("the stalled session went on writing")
	}
	// Its frames were dropped, not queued: it holds at most the one write
	// under way.
}

// Ending the class says goodbye on every screen within 2 s, closes a client
// that stopped reading, and leaves nothing running.
func TestShutdownSaysGoodbye(t *testing.T) {
	c := startClass(t, 5)
	var cls []*client
	for _, n := range []string{"ann", "ben", "cat"} {
		cls = append(cls, c.mustJoin(n, classCode, 80, 24))
	}
	cls = append(cls, c.mustJoin("teacher", presenterCode, 80, 24))
	must(t, each(cls, func(cl *client) error { return cl.waitFor(5*time.Second, "class") }))
	stalled := c.stall(t, "slowpoke")

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("shutdown took %v", took.Round(time.Millisecond))
	must(t, each(cls, func(cl *client) error {
		if err := cl.wait(time.Second); err != nil {
			return err
		}
		return cl.waitFor(time.Second, "the class has ended. Thank you for taking part!")
	}))
	closed := make(chan struct{})
	go func() { stalled.conn.Wait(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(time.Second):
		t.Error("the stalled client's connection is still open")
	}
	if limit := raceSlack * 2 * time.Second; took > limit {
		t.Errorf("shutdown took %v, want under %v", took, limit)
	}
	if _, err := c.join("late", classCode, joinOptions{}); err == nil {
		t.Error("a student joined after the class ended")
	}
}

// The answers are written to the results file after a reveal.
func TestResultsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "results.csv")
	c := startClass(t, 0, func(o *Options) { o.Results = file })
	p := c.mustJoin("teacher", presenterCode, 120, 40)
	a := c.mustJoin("ann", classCode, 80, 24)
	b := c.mustJoin("ben", classCode, 80, 24)
	p.mustSee(5*time.Second, "2 students")
	p.press("P")
	must(t, each([]*client{a, b}, func(cl *client) error { return cl.waitFor(3*time.Second, "Poll 1") }))
	a.press("A")
	b.press("B")
	p.mustSee(3*time.Second, "2 of 2 answered")
	p.press("R")
	deadline := time.Now().Add(3 * time.Second)
	for {
		data, _ := os.ReadFile(file)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) == 3 {
			// In the order the answers came: ann's and ben's keys race.
			sort.Strings(lines[1:])
			if lines[0] != "nickname,question,answer,correct,time,vote" || !strings.HasPrefix(lines[1], "ann,card-load-balancer,A,") ||
				!strings.HasPrefix(lines[2], "ben,card-load-balancer,B,") || !strings.HasSuffix(lines[2], ",1") {
				t.Errorf("results:\n%s", data)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("results file after the reveal:\n%s", data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An experiment poll runs its experiment at the reveal; every screen sees
// it measure, then the verdict.
func TestExperimentPollReveal(t *testing.T) {
	release := make(chan struct{})
	judge := func(ctx context.Context, it quiz.Item, progress func(string)) (quiz.Verdict, error) {
		progress("killing the cache...")
		select {
		case <-release:
		case <-ctx.Done():
			return quiz.Verdict{}, ctx.Err()
		}
		return quiz.Verdict{Correct: 0, Evidence: "DB reads/s went from 31 to 152"}, nil
	}
	c := startClass(t, 0, func(o *Options) { o.Judge = judge })
	p := c.mustJoin("teacher", presenterCode, 120, 40)
	a := c.mustJoin("ann", classCode, 120, 40)
	p.mustSee(5*time.Second, "1 student")
	for range 4 { // the card's 3 questions, then the first experiment
		p.press("P")
	}
	a.mustSee(3*time.Second, "Poll 4 · experiment")
	a.press("B")
	a.mustSee(3*time.Second, "Your answer: B")
	p.press("R")
	must(t, each([]*client{p, a}, func(cl *client) error {
		return cl.waitFor(3*time.Second, "The experiment is running", "killing the")
	}))
	close(release)
	must(t, each([]*client{p, a}, func(cl *client) error {
		return cl.waitFor(3*time.Second, "revealed", "Measured: DB reads/s went")
	}))
	if r := c.class.Results(); len(r) != 1 || r[0].Question != "exp-cache-kill" || r[0].Correct == "" {
		t.Errorf("results %+v", r)
	}
}

func TestAuthorizedKeys(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := gossh.NewSignerFromKey(key)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	stranger, _ := gossh.NewSignerFromKey(other)
	file := filepath.Join(t.TempDir(), "authorized_keys")
	os.WriteFile(file, append([]byte("# the lab's keys\n"), gossh.MarshalAuthorizedKey(signer.PublicKey())...), 0o600)
	c := startClass(t, 0, func(o *Options) { o.AuthorizedKeys = file })
	for _, s := range []struct {
		signer gossh.Signer
		in     bool
	}{{signer, true}, {stranger, false}} {
		cfg := &gossh.ClientConfig{User: "kay", Auth: []gossh.AuthMethod{gossh.PublicKeys(s.signer)}, HostKeyCallback: gossh.InsecureIgnoreHostKey()}
		conn, err := gossh.Dial("tcp", c.addr, cfg)
		if (err == nil) != s.in {
			t.Errorf("key let in: %v, want %v (%v)", err == nil, s.in, err)
		}
		if conn != nil {
			conn.Close()
		}
	}
}
