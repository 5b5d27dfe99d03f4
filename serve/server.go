// Package serve is the classroom's SSH server (archex serve): every student
// who connects gets their own dashboard of the one shared system, drawn with
// their own terminal's colours and size, and takes part in the class
// (classroom). The server serves that app and nothing else: no shell, no
// command, no port forwarding, no SFTP.
//
// Students sign in with the class code as their password and their nickname
// as their user name; presenters with the presenter code; optionally public
// keys from an authorized_keys file. Wrong codes are slowed down per address.
// The number of sessions is capped. A session whose client stops reading
// waits on its own connection and drops its frames; nothing else waits for
// it. A student with no key pressed for the idle time is closed. Shutdown
// says goodbye to every session and leaves no goroutine behind.
package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/log"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"

	"github.com/archex/archex/classroom"
	"github.com/archex/archex/quiz"
	"github.com/archex/archex/tui"
	"github.com/archex/archex/tui/theme"
)

// Defaults for the options.
const (
	DefaultAddr        = "127.0.0.1:2222"
	DefaultMaxSessions = 60
	DefaultIdle        = 30 * time.Minute
	// HostKeyFile is the host key's name in its own folder.
	HostKeyFile = "host_ed25519"
)

// Options configure a Server.
type Options struct {
	// System is the live system every session shows (an *engine.Engine).
	System tui.System
	// Class is the class the sessions join.
	Class *classroom.Class
	// ClassCode and PresenterCode are the passwords of students and
	// presenters; they must differ.
	ClassCode, PresenterCode string
	// AuthorizedKeys, when set, is an authorized_keys file whose keys join
	// as students without a code.
	AuthorizedKeys string
	// HostKeyDir is the folder of the server's host key (made with 0700
	// when missing, the key made when missing).
	HostKeyDir string
	// JoinHint is what the presenter's screen shows students to type.
	JoinHint string
	// MaxSessions caps the students' sessions (presenters always get in);
	// 0 means DefaultMaxSessions.
	MaxSessions int
	// Idle closes a student's session after this long with no key pressed;
	// 0 means DefaultIdle.
	Idle time.Duration
	// Palette is the theme a session starts with (default theme.Default).
	Palette *theme.Palette
	// Judge runs a poll's experiment on the live system
	// (experiment.JudgeOn(System)).
	Judge quiz.Judge
	// Results, when set, is the CSV file the answers are written to, after
	// every reveal and at the end.
	Results string
	// Log gets one line per event (a join, a refusal, a wrong code); nil
	// discards them.
	Log io.Writer
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Server is the classroom's SSH server.
type Server struct {
	opts    Options
	ssh     *ssh.Server
	class   *classroom.Class
	penalty *penalties
	// ctx ends at Shutdown: experiments and waits for penalties stop.
	ctx    context.Context
	cancel context.CancelFunc
	save   chan struct{} // the results should be written
	logMu  sync.Mutex

	mu       sync.Mutex
	ln       net.Listener
	closing  bool
	students int // sessions of students, against MaxSessions
	sessions map[*session]struct{}
	conns    map[net.Conn]struct{} // every TCP connection, signed in or not
	wg       sync.WaitGroup        // connections, experiments, the results writer
}

// Errors of New.
var (
	ErrNoCodes = errors.New("the class code and the presenter code must be set, and differ")
)

// New makes a server; Serve starts it.
func New(opts Options) (*Server, error) {
	if opts.ClassCode == "" || opts.PresenterCode == "" || opts.ClassCode == opts.PresenterCode {
		return nil, ErrNoCodes
	}
	if opts.System == nil || opts.Class == nil {
		return nil, errors.New("serve: a system and a class are needed")
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	if opts.Idle <= 0 {
		opts.Idle = DefaultIdle
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.AuthorizedKeys != "" {
		if _, err := readAuthorizedKeys(opts.AuthorizedKeys); err != nil {
			return nil, err
		}
	}
	// wish and charmbracelet/ssh log through charmbracelet/log's default
	// logger, to stderr: that would draw over the presenter's dashboard.
	log.SetOutput(io.Discard)
	s := &Server{opts: opts, class: opts.Class, penalty: newPenalties(), save: make(chan struct{}, 1),
		sessions: map[*session]struct{}{}, conns: map[net.Conn]struct{}{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	keyPath, err := hostKeyPath(opts.HostKeyDir)
	if err != nil {
		return nil, err
	}
	srv, err := wish.NewServer(
		wish.WithHostKeyPath(keyPath),
		wish.WithPasswordAuth(s.password),
		s.publicKeyOption(),
		wish.WithMiddleware(s.handle),
		func(srv *ssh.Server) error {
			srv.ConnCallback = s.track
			srv.Version = "archex"
			return nil
		},
	)
	if err != nil {
		return nil, fmt.Errorf("the SSH server: %w", err)
	}
	s.ssh = srv
	s.wg.Add(1)
	go s.writeResults()
	return s, nil
}

// hostKeyPath is the host key's path in dir, a folder of its own: keygen
// makes it 0700, so it must not be a folder anything else lives in.
func hostKeyPath(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("serve: no folder for the host key")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("the host key's folder %s: %w", dir, err)
	}
	return filepath.Join(dir, HostKeyFile), nil
}

// ListenAndServe listens on addr and serves until Shutdown.
func (s *Server) ListenAndServe(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Serve serves the class on ln until Shutdown; then it returns nil.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.ln = ln
	s.mu.Unlock()
	err := s.ssh.Serve(ln)
	if errors.Is(err, ssh.ErrServerClosed) || s.isClosing() {
		return nil
	}
	return err
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// goodbyeTime is how long Shutdown gives the sessions to say goodbye
// before it closes their connections.
const goodbyeTime = 1500 * time.Millisecond

// Shutdown ends the class: no one new gets in, every session quits with a
// goodbye line, connections still open after goodbyeTime are closed, the
// results are written. It returns when everything the server started has
// stopped, or when ctx ends. Calling it again does no harm.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	sessions := make([]*session, 0, len(s.sessions))
	for sn := range s.sessions {
		sessions = append(sessions, sn)
	}
	if s.ln != nil {
		s.ln.Close()
	}
	s.mu.Unlock()
	s.cancel()
	for _, sn := range sessions {
		sn.end("the class has ended. Thank you for taking part!")
	}
	s.waitSessions(ctx, goodbyeTime)
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	_ = s.ssh.Close()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.saveResults()
}

// waitSessions waits until no session is left, at most d.
func (s *Server) waitSessions(ctx context.Context, d time.Duration) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for {
		s.mu.Lock()
		n := len(s.sessions)
		s.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-poll.C:
		case <-deadline.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// track counts every TCP connection, refusing past a bound (sessions plus
// room for sign-ins), so that Shutdown can close even those still signing
// in.
func (s *Server) track(_ ssh.Context, c net.Conn) net.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || len(s.conns) >= s.opts.MaxSessions+maxSigningIn {
		return nil
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return &trackedConn{Conn: c, srv: s}
}

// maxSigningIn is how many connections beyond the sessions may be signing
// in at once.
const maxSigningIn = 32

type trackedConn struct {
	net.Conn
	srv  *Server
	once sync.Once
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.srv.mu.Lock()
		delete(c.srv.conns, c.Conn)
		c.srv.mu.Unlock()
		c.srv.wg.Done()
	})
	return err
}

// logf writes one line to the server's log.
func (s *Server) logf(format string, args ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.opts.Log, "%s %s\n", s.opts.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// remoteIP is the address a connection comes from, without its port.
func remoteIP(a net.Addr) string {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return strings.TrimPrefix(host, "::ffff:")
}
