// Package redisclient makes go-redis clients that suit components on
// loopback: a dead server fails a call at once instead of after seconds of
// retries, and the library never writes to stderr (it would corrupt the
// dashboard).
package redisclient

import (
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/logging"
)

var quiet sync.Once

// New returns a client for the server at addr.
func New(addr string) *redis.Client {
	quiet.Do(logging.Disable)
	return redis.NewClient(&redis.Options{
		Addr: addr,
		// MaxRetries 0 means 3 retries in go-redis; -1 means none.
		MaxRetries: -1,
		// DialerRetries <= 0 means 5; one dial is enough on loopback.
		DialerRetries:         1,
		DialTimeout:           200 * time.Millisecond,
		ReadTimeout:           500 * time.Millisecond,
		WriteTimeout:          500 * time.Millisecond,
		ContextTimeoutEnabled: true,
		PoolSize:              64,
		PoolTimeout:           time.Second,
		Protocol:              2,
		DisableIdentity:       true,
	})
}

// Unreachable reports whether err means the server could not be reached or
// went away mid-call (as opposed to a Redis error reply).
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, redis.ErrClosed) ||
		errors.Is(err, net.ErrClosed)
}
