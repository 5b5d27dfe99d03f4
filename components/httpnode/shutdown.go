package httpnode

import "context"

// Shutdown stops the server gracefully: it stops accepting connections at
// once, lets the requests in flight finish (up to ctx), then closes what is
// left. Unlike Kill, no answer in progress is cut. A server shut down is
// down (Revive starts it again on the same address).
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	// Not under mu: Addr and Down must answer while requests finish.
	err := srv.Shutdown(ctx)
	if err != nil {
		srv.Close() // ctx ended first: cut what is left
	}
	<-done
	s.mu.Lock()
	if s.srv == srv {
		s.srv = nil
	}
	s.mu.Unlock()
	return err
}
