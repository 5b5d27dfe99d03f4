package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	"go.uber.org/goleak"
	gossh "golang.org/x/crypto/ssh"

	"github.com/archex/archex/classroom"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/quiz/experiment"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	classCode     = "plum-otter-42"
	presenterCode = "cedar-lynx-owl-17"
)

// class is a running class: an engine at a small rate, its class, and the
// server on a loopback port.
type class struct {
	t     testing.TB
	eng   *engine.Engine
	class *classroom.Class
	srv   *Server
	addr  string
	log   *lockedBuffer
}

type classOption func(*Options)

// startClass starts a class whose polls ask the card's quiz, then the
// experiments.
func startClass(t testing.TB, rate float64, options ...classOption) *class {
	t.Helper()
	eng, err := engine.New(engine.Options{Seed: 1, Rate: rate})
	if err != nil {
		t.Fatal(err)
	}
	eng.Start()
	items, err := classroom.Bank{Card: eng.Card(), Experiments: experiment.Questions()}.Questions(classroom.DefaultSources, 1)
	if err != nil {
		t.Fatal(err)
	}
	c := &class{t: t, eng: eng, class: classroom.New(items), log: &lockedBuffer{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.addr = ln.Addr().String()
	opts := Options{System: eng, Class: c.class, ClassCode: classCode, PresenterCode: presenterCode,
		HostKeyDir: t.TempDir() + "/host", JoinHint: "ssh -p " + port(c.addr) + " yourname@127.0.0.1 · class code " + classCode,
		Judge: experiment.JudgeOn(eng), Log: c.log}
	for _, o := range options {
		o(&opts)
	}
	c.srv, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- c.srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		eng.Close()
	})
	return c
}

func port(addr string) string { _, p, _ := net.SplitHostPort(addr); return p }

// client is a student's (or a presenter's) SSH client and terminal: what
// the server writes goes through a virtual terminal, which holds the
// screen as the student would see it.
type client struct {
	t     testing.TB
	user  string
	conn  *gossh.Client
	sess  *gossh.Session
	stdin io.WriteCloser
	done  chan struct{} // the server's output has ended
	stop  chan struct{} // a stalled client stops stalling
	once  sync.Once

	mu     sync.Mutex
	term   *vt.Emulator
	titles []string
	bytes  int // written by the server so far
}

// joinOptions say how a client behaves.
type joinOptions struct {
	w, h int
	// silent terminals never answer the server's queries (OSC 11, DA1).
	silent bool
	// reading false: the client never reads what the server sends.
	stalled bool
}

func (c *class) join(user, code string, o joinOptions) (*client, error) {
	if o.w == 0 {
		o.w, o.h = 80, 24
	}
	cfg := &gossh.ClientConfig{User: user, Auth: []gossh.AuthMethod{gossh.Password(code)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second}
	conn, err := gossh.Dial("tcp", c.addr, cfg)
	if err != nil {
		return nil, err
	}
	sess, err := conn.NewSession()
	if err != nil {
		conn.Close()
		return nil, err
	}
	cl := &client{t: c.t, user: user, conn: conn, sess: sess, done: make(chan struct{}), stop: make(chan struct{}),
		term: vt.NewEmulator(o.w, o.h)}
	cl.term.SetCallbacks(vt.Callbacks{Title: func(s string) { cl.titles = append(cl.titles, s) }})
	stdout, err := sess.StdoutPipe()
	if err == nil {
		cl.stdin, err = sess.StdinPipe()
	}
	if err == nil {
		err = sess.RequestPty("xterm-256color", o.h, o.w, gossh.TerminalModes{})
	}
	if err == nil {
		err = sess.Shell()
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	go func() {
		defer close(cl.done)
		if o.stalled {
			<-cl.stop // reads nothing until it hangs up
			return
		}
		buf := make([]byte, 32<<10)
		for {
			n, err := stdout.Read(buf)
			cl.mu.Lock()
			cl.term.Write(buf[:n])
			cl.bytes += n
			cl.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	// The terminal's answers to queries: passed on, or dropped by a
	// terminal that does not answer.
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := cl.term.Read(buf)
			if err != nil {
				return
			}
			if !o.silent {
				cl.stdin.Write(buf[:n])
			}
		}
	}()
	c.t.Cleanup(cl.close)
	return cl, nil
}

// mustJoin joins at w x h with a terminal that answers.
func (c *class) mustJoin(user, code string, w, h int) *client {
	c.t.Helper()
	cl, err := c.join(user, code, joinOptions{w: w, h: h})
	if err != nil {
		c.t.Fatalf("%s could not join: %v", user, err)
	}
	return cl
}

var debugHang = os.Getenv("DEBUG_HANG") != ""

func (cl *client) screen() string {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.term.String()
}

// press types keys, as one write.
func (cl *client) press(keys string) {
	if _, err := io.WriteString(cl.stdin, keys); err != nil {
		cl.t.Errorf("%s: typing %q: %v", cl.user, keys, err)
	}
}

// waitFor waits until the screen holds every want, for at most d (times
// raceSlack under the race detector).
func (cl *client) waitFor(d time.Duration, want ...string) error {
	d *= raceSlack
	deadline := time.Now().Add(d)
	for {
		s := cl.screen()
		missing := ""
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return nil
		}
		if time.Now().After(deadline) {
			if debugHang {
				panic("hang: " + cl.user)
			}
			return fmt.Errorf("%s's screen lacks %q after %v:\n%s", cl.user, missing, d, s)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func (cl *client) mustSee(d time.Duration, want ...string) {
	cl.t.Helper()
	if err := cl.waitFor(d, want...); err != nil {
		cl.t.Fatal(err)
	}
}

// close hangs up and waits for the server's output to end.
func (cl *client) close() {
	cl.once.Do(func() {
		close(cl.stop)
		cl.sess.Close()
		cl.conn.Close()
		<-cl.done
		// Ends the goroutine passing the terminal's answers on (Close
		// would race with its Read).
		cl.term.InputPipe().(*io.PipeWriter).CloseWithError(io.EOF)
	})
}

// wait waits for the server to end the session, for at most d.
func (cl *client) wait(d time.Duration) error {
	select {
	case <-cl.done:
		return nil
	case <-time.After(d):
		return errors.New(cl.user + ": the session did not end")
	}
}

// each runs f for every client at once and returns the first error.
func each(cls []*client, f func(*client) error) error {
	errs := make(chan error, len(cls))
	for _, cl := range cls {
		go func() { errs <- f(cl) }()
	}
	var first error
	for range cls {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
