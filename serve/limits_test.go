package serve

import (
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	gossh "golang.org/x/crypto/ssh"
)

func TestWrongCodeIsRefused(t *testing.T) {
	c := startClass(t, 0)
	for _, code := range []string{"", "plum-otter-41", classCode + " ", strings.ToUpper(classCode)} {
		if cl, err := c.join("mallory", code, joinOptions{}); err == nil {
			cl.close()
			t.Errorf("code %q let mallory in", code)
		} else if !strings.Contains(err.Error(), "unable to authenticate") {
			t.Errorf("code %q: %v", code, err)
		}
	}
	if got := strings.Count(c.log.String(), "a wrong code from 127.0.0.1 (user \"mallory\")"); got < 4 {
		t.Errorf("the log counts %d wrong codes:\n%s", got, c.log)
	}
	if d := c.srv.penalty.delay("127.0.0.1", time.Now()); d < firstPenalty {
		t.Errorf("after 4 wrong codes the next attempt waits %v", d)
	}
	if c.class.View(0).Students != 0 {
		t.Error("a refused client is in the class")
	}
}

// Nothing a student names themselves reaches another screen as an escape
// sequence: the nickname is sanitised and cut.
func TestHostileNickname(t *testing.T) {
	c := startClass(t, 0)
	p := c.mustJoin("teacher", presenterCode, 120, 40)
	hostile := "\x1b]0;pwned\x07\x1b[2J\x1b[31m" + strings.Repeat("A", 500) + "\x1b[H"
	s := c.mustJoin(hostile, classCode, 80, 24)
	nick := strings.Repeat("A", 16)
	p.mustSee(5*time.Second, "1 student", nick)
	s.mustSee(5*time.Second, "you are "+nick)
	if strings.Contains(p.screen(), strings.Repeat("A", 17)) {
		t.Errorf("the nickname was not cut to 16 characters:\n%s", p.screen())
	}
	p.mu.Lock()
	titles := p.titles
	p.mu.Unlock()
	if len(titles) > 0 {
		t.Errorf("a student's nickname set the presenter's window title: %q", titles)
	}
	if !strings.Contains(p.screen(), "join: ssh -p") {
		t.Errorf("the presenter's screen was wiped:\n%s", p.screen())
	}
}

// The first key a student types is never lost, whether the terminal answers
// the server's colour query or not (pitfall 1).
func TestFirstKeystroke(t *testing.T) {
	c := startClass(t, 0)
	for _, silent := range []bool{false, true} {
		cl, err := c.join(map[bool]string{false: "answers", true: "silent"}[silent], classCode, joinOptions{w: 100, h: 30, silent: silent})
		if err != nil {
			t.Fatal(err)
		}
		cl.press("v") // before the first frame, while the server waits for the answer
		cl.mustSee(5*time.Second, "trace inspector")
		cl.close()
	}
}

func TestIdleStudentsAreClosed(t *testing.T) {
	c := startClass(t, 0, func(o *Options) { o.Idle = 400 * time.Millisecond })
	p := c.mustJoin("teacher", presenterCode, 80, 24)
	idle := c.mustJoin("dozy", classCode, 80, 24)
	busy := c.mustJoin("busy", classCode, 80, 24)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				busy.press(">")
			}
		}
	}()
	if err := idle.wait(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	idle.mustSee(time.Second, "closed after 400ms without a key pressed.", "To come back: ssh -p "+port(c.addr)+" doz")
	for _, cl := range []*client{p, busy} {
		select {
		case <-cl.done:
			t.Errorf("%s was closed too", cl.user)
		default:
		}
	}
	if !strings.Contains(c.log.String(), "dozy was idle for 400ms: closed") {
		t.Errorf("log:\n%s", c.log)
	}
}

func TestMaxSessions(t *testing.T) {
	c := startClass(t, 0, func(o *Options) { o.MaxSessions = 2 })
	c.mustJoin("a", classCode, 80, 24).mustSee(5*time.Second, "you are a")
	c.mustJoin("b", classCode, 80, 24).mustSee(5*time.Second, "you are b")
	late := c.mustJoin("c", classCode, 80, 24)
	if err := late.wait(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	late.mustSee(time.Second, "sorry, the class is full: all 2 places are taken")
	// The presenter always gets in.
	c.mustJoin("teacher", presenterCode, 80, 24).mustSee(5*time.Second, "2 students")
}

// The server serves the dashboard and nothing else.
func TestNoShellNoCommandNoForwarding(t *testing.T) {
	c := startClass(t, 0)
	cfg := &gossh.ClientConfig{User: "eve", Auth: []gossh.AuthMethod{gossh.Password(classCode)}, HostKeyCallback: gossh.InsecureIgnoreHostKey()}
	conn, err := gossh.Dial("tcp", c.addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sess, _ := conn.NewSession()
	out, err := sess.CombinedOutput("cat /etc/passwd")
	if err == nil || !strings.Contains(string(out), "connect without a command") {
		t.Errorf("a command: %v %q", err, out)
	}
	sess, _ = conn.NewSession()
	if err := sess.RequestSubsystem("sftp"); err == nil {
		t.Error("the sftp subsystem was granted")
	}
	sess.Close()
	sess, _ = conn.NewSession()
	out, _ = sess.CombinedOutput("")
	if !strings.Contains(string(out), "archex needs a terminal") {
		t.Errorf("a shell without a terminal: %q", out)
	}
	if fwd, err := conn.Dial("tcp", c.addr); err == nil {
		fwd.Close()
		t.Error("local port forwarding was allowed")
	}
	if ln, err := conn.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
		t.Error("remote port forwarding was allowed")
	}
}

// Closed sessions leave no goroutine behind: a student who quits, one who
// hangs up, one whose terminal never answered, one who stopped reading.
func TestClosedSessionsLeaveNoGoroutine(t *testing.T) {
	c := startClass(t, 0)
	before := goleak.IgnoreCurrent()
	teacher := c.mustJoin("teacher", presenterCode, 80, 24)
	teacher.mustSee(5*time.Second, "join:")
	quits := c.mustJoin("quits", classCode, 80, 24)
	hangs := c.mustJoin("hangs", classCode, 80, 24)
	silent, err := c.join("silent", classCode, joinOptions{silent: true})
	if err != nil {
		t.Fatal(err)
	}
	stalled, err := c.join("stalled", classCode, joinOptions{stalled: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range []*client{quits, hangs, silent} {
		cl.mustSee(5*time.Second, "you are "+cl.user)
	}
	quits.press("q")
	if err := quits.wait(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	for _, cl := range []*client{quits, hangs, silent, stalled, teacher} {
		cl.close()
	}
	// The engine's own connections (HTTP between its parts, RESP to its
	// miniredis) come and go: they are not sessions.
	goleak.VerifyNone(t, before, goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"), goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
		goleak.IgnoreAnyFunction("github.com/alicebob/miniredis/v2/server.(*Server).servePeer"),
		goleak.IgnoreAnyFunction("github.com/alicebob/miniredis/v2/server.(*Server).servePeer.func2"))
}
