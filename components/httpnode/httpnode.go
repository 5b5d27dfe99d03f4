// Package httpnode is an HTTP server on a fixed loopback address that can be
// killed and revived: kill closes the listener and every connection (callers
// see a refused or reset connection, as with a crashed process); revive
// listens again on the same address. A panic in a handler is recovered and
// reported, never a crash of the process.
package httpnode

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"
)

// PanicFunc is told about a recovered panic: which component, and the value.
type PanicFunc func(component string, v any)

// Server is a killable HTTP server.
type Server struct {
	name    string
	handler http.Handler

	mu   sync.Mutex
	addr string
	srv  *http.Server
	done chan struct{} // closed when the current Serve returns
}

// Listen starts serving h on addr ("127.0.0.1:0" picks a port). onPanic may be
// nil.
func Listen(name, addr string, h http.Handler, onPanic PanicFunc) (*Server, error) {
	s := &Server{name: name, handler: Recover(name, h, onPanic), addr: addr}
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) start() error {
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("%s: listen on %s: %w", s.name, s.addr, err)
	}
	s.addr = ln.Addr().String()
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       30 * time.Second,
		// net/http would log to stderr, which would corrupt the dashboard.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	s.done = make(chan struct{})
	go func(srv *http.Server, done chan struct{}) {
		defer close(done)
		_ = srv.Serve(ln) // returns ErrServerClosed on kill
	}(s.srv, s.done)
	return nil
}

// Addr is the address the server listens on (the same across revives).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// URL is the server's base URL.
func (s *Server) URL() string { return "http://" + s.Addr() }

// Down reports whether the server has been killed.
func (s *Server) Down() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.srv == nil
}

// Kill closes the listener and every open connection.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return
	}
	s.srv.Close()
	<-s.done
	s.srv = nil
}

// Revive listens again on the same address.
func (s *Server) Revive() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return nil
	}
	return s.start()
}

// Close stops the server for good.
func (s *Server) Close() { s.Kill() }

// Recover wraps h so that a panic in it is reported and answered with a 500,
// except http.ErrAbortHandler, which aborts the connection on purpose.
func Recover(name string, h http.Handler, onPanic PanicFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			if onPanic != nil {
				onPanic(name, v)
			}
			http.Error(w, fmt.Sprintf("%s: internal error (recovered panic)", name), http.StatusInternalServerError)
		}()
		h.ServeHTTP(w, r)
	})
}
