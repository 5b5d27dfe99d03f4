package serve

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"github.com/archex/archex/classroom"
	"github.com/archex/archex/tui"
)

// backgroundWait is how long a session waits for its terminal to say its
// background colour. A terminal that answers the DA1 query (all do) ends
// the wait at once; keys typed meanwhile are kept.
const backgroundWait = time.Second

// forceCloseAfter is how long a session that was asked to end has before
// its connection is closed under it (a client that stopped reading never
// takes its goodbye).
const forceCloseAfter = 1500 * time.Millisecond

// session is one connected dashboard.
type session struct {
	nick   string
	sess   ssh.Session
	prog   *tea.Program
	in     *input
	out    *output
	done   chan struct{} // closed when the session's handler returns
	once   sync.Once
	mu     sync.Mutex
	reason string // the goodbye line, when the server ends the session
}

// end asks the session to quit with a goodbye line, and closes its
// connection if it has not quit in time. It never waits.
func (sn *session) end(reason string) {
	sn.once.Do(func() {
		sn.mu.Lock()
		sn.reason = reason
		sn.mu.Unlock()
		go sn.prog.Quit() // returns when the program reads it, or ends
		go func() {
			select {
			case <-sn.done:
			case <-time.After(forceCloseAfter):
				sn.closeConn()
			}
		}()
	})
}

func (sn *session) goodbye() string {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	return sn.reason
}

// closeConn closes the session's TCP connection: a write blocked on a
// client that stopped reading returns.
func (sn *session) closeConn() {
	if c, ok := sn.sess.Context().Value(ssh.ContextKeyConn).(*gossh.ServerConn); ok {
		c.Close()
	}
}

// handle serves one SSH session: the dashboard, or a line saying why not.
func (s *Server) handle(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		defer next(sess)
		role := roleOf(sess)
		pty, winch, ok := sess.Pty()
		switch {
		case len(sess.Command()) > 0 || sess.Subsystem() != "":
			say(sess, "archex serves the class's dashboard only: connect without a command, as ssh -p PORT yourname@HOST")
			_ = sess.Exit(1)
			return
		case !ok:
			say(sess, "archex needs a terminal: connect with ssh -t -p PORT yourname@HOST")
			_ = sess.Exit(1)
			return
		}
		if reason := s.admit(role); reason != "" {
			say(sess, reason)
			s.logf("refused %s from %s: %s", classroom.Sanitize(sess.User()), remoteIP(sess.RemoteAddr()), reason)
			_ = sess.Exit(1)
			return
		}
		defer s.release(role)
		s.serveDashboard(sess, role, pty, winch)
	}
}

// admit takes a seat for a session, or says why there is none.
func (s *Server) admit(role classroom.Role) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		return "the class has ended."
	case role == classroom.Student && s.students >= s.opts.MaxSessions:
		return fmt.Sprintf("sorry, the class is full: all %d places are taken. Try again when someone leaves, or ask the presenter to start archex serve with a larger --max-sessions.", s.opts.MaxSessions)
	case role == classroom.Student:
		s.students++
	}
	return ""
}

func (s *Server) release(role classroom.Role) {
	if role == classroom.Student {
		s.mu.Lock()
		s.students--
		s.mu.Unlock()
	}
}

// say writes a line to the client, plainly: nothing else is on its screen.
func say(sess ssh.Session, line string) { fmt.Fprintf(sess, "archex: %s\n", line) }

// serveDashboard runs the member's dashboard until they quit, go idle, or
// the class ends.
func (s *Server) serveDashboard(sess ssh.Session, role classroom.Role, pty ssh.Pty, winch <-chan ssh.Window) {
	now := s.opts.Now
	member := s.class.Join(sess.User(), role, now())
	defer s.class.Leave(member.ID)
	ip := remoteIP(sess.RemoteAddr())
	s.logf("%s joined as %s from %s (%dx%d, %s)", member.Nick, role, ip, pty.Window.Width, pty.Window.Height, classroom.Sanitize(pty.Term))
	defer s.logf("%s left", member.Nick)

	in := newInput(sess, now)
	go in.pump()
	defer in.Close()
	r := s.renderer(sess, pty, in)
	m := tui.New(s.opts.System, tui.Options{Palette: s.opts.Palette, Renderer: r, Class: s.newSeat(member, false)})
	out := &output{w: sess, now: now}
	prog := tea.NewProgram(m, tea.WithInput(in), tea.WithOutput(out), tea.WithAltScreen(), tea.WithoutSignalHandler())
	sn := &session{nick: member.Nick, sess: sess, prog: prog, in: in, out: out, done: make(chan struct{})}
	defer close(sn.done)
	if !s.add(sn) {
		say(sess, "the class has ended.")
		return
	}
	defer s.remove(sn)

	go resize(sn, winch)
	go s.follow(sn, role, member.Nick)
	_, err := prog.Run()
	prog.Kill()
	reason := sn.goodbye()
	switch {
	case reason != "":
	case err != nil && !errors.Is(err, tea.ErrProgramKilled):
		reason = "the dashboard stopped: " + err.Error()
	default:
		reason = "you have left the class. To come back: ssh " + s.joinCommand(member.Nick)
	}
	// The program has left the alternate screen: this line stays.
	fmt.Fprintf(sess, "\r\narchex: %s\r\n", reason)
}

// stallNote is how long a client may stop reading before the log says so.
const stallNote = 5 * time.Second

// follow ends a student's session after the idle time without a key, and
// notes a client that stopped reading, until the session ends.
func (s *Server) follow(sn *session, role classroom.Role, nick string) {
	idle := s.opts.Idle
	check := time.NewTicker(min(max(idle/10, 10*time.Millisecond), time.Second))
	defer check.Stop()
	noted := false
	for {
		select {
		case <-sn.done:
			return
		case <-sn.sess.Context().Done():
			sn.end("the connection has closed.") // nobody reads this line
			return
		case <-check.C:
			switch stalled := sn.out.stalled(s.opts.Now()); {
			case stalled >= stallNote && !noted:
				s.logf("%s's client stopped reading %v ago: its frames are dropped until it reads again", nick, stalled.Round(time.Second))
				noted = true
			case stalled == 0:
				noted = false
			}
			if role == classroom.Student && s.opts.Now().Sub(sn.in.LastKey()) >= idle {
				s.logf("%s was idle for %v: closed", nick, idle)
				sn.end(fmt.Sprintf("closed after %v without a key pressed. To come back: ssh %s", idle, s.joinCommand(nick)))
				return
			}
		}
	}
}

// resize passes the client's window changes to the dashboard. Send waits
// for the program to read it (or to end): not in follow, which must see a
// stalled client.
func resize(sn *session, winch <-chan ssh.Window) {
	for {
		select {
		case <-sn.done:
			return
		case w, ok := <-winch:
			if !ok {
				return
			}
			sn.prog.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
		}
	}
}

// joinCommand is what a student types to come back.
func (s *Server) joinCommand(nick string) string {
	cmd, _, _ := strings.Cut(s.opts.JoinHint, " · ")
	cmd = strings.TrimPrefix(cmd, "ssh ")
	return strings.Replace(cmd, "yourname@", nick+"@", 1)
}

func (s *Server) add(sn *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.sessions[sn] = struct{}{}
	return true
}

func (s *Server) remove(sn *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, sn)
}

// renderer is the session's own: its client's colour profile (from TERM
// and COLORTERM) and background (asked of its terminal; dark when it does
// not say).
func (s *Server) renderer(sess ssh.Session, pty ssh.Pty, in *input) *lipgloss.Renderer {
	env := environ(append(sess.Environ(), "TERM="+pty.Term))
	if pty.Term == "" || pty.Term == "dumb" {
		r := lipgloss.NewRenderer(sess, termenv.WithProfile(termenv.Ascii))
		r.SetHasDarkBackground(true)
		return r
	}
	r := lipgloss.NewRenderer(sess, termenv.WithEnvironment(env), termenv.WithUnsafe(), termenv.WithColorCache(true))
	dark, known := in.background(sess, backgroundWait)
	r.SetHasDarkBackground(dark || !known)
	return r
}

// environ is a session's environment, for termenv.
type environ []string

func (e environ) Environ() []string { return e }

func (e environ) Getenv(k string) string {
	v := ""
	for _, kv := range e {
		if strings.HasPrefix(kv, k+"=") {
			v = kv[len(k)+1:] // the last one wins, as TERM is appended
		}
	}
	return v
}
