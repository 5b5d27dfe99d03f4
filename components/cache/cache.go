// Package cache is the Cache component: an embedded Redis (miniredis) on a
// loopback port, spoken to over real RESP with go-redis. Kill closes the
// server; revive starts a new, empty one on the same address, so the cache
// comes back cold and visibly rebuilds. Keys expire with real time.
package cache

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/redisclient"
)

// Defaults for the cache.
var (
	DefaultLatency = model.Latency{Base: time.Millisecond, Jitter: 200 * time.Microsecond}
	// DefaultDeadHost is what a call to a killed cache costs: a dead host
	// never answers, so the client waits out its connect timeout. On
	// loopback the refusal is instant; the model makes it as slow as in a
	// real network, which is what a circuit breaker saves. The call timeout
	// (DefaultTimeout) ends the wait sooner.
	DefaultDeadHost = 20 * time.Millisecond
	// DefaultTimeout bounds every call: ten times the modeled latency (a
	// card's slower cache gets ten times its own). A
	// cache that answers later than that is no faster than the database it
	// stands in front of; the caller gives up, falls back and counts a
	// failure, as Hystrix's timeouts do.
	DefaultTimeout = 10 * time.Millisecond
)

// ErrTimeout is the error of a call that got no answer within the timeout.
var ErrTimeout = errors.New("timed out")

// Config configures a Cache.
type Config struct {
	Name     string // as on the card
	Latency  model.Latency
	Capacity int           // calls served at once (0: unlimited)
	DeadHost time.Duration // cost of a call to a killed cache; <0 for none
	// Timeout bounds every call (default ten times the modeled base
	// latency, at least DefaultTimeout); <0 for none.
	Timeout time.Duration
	Seed    uint64
	// Addr is where to listen ("127.0.0.1:0" when empty).
	Addr string
}

// Stats are the cache's live figures.
type Stats struct {
	Down   bool
	Keys   int
	Hits   int64
	Misses int64
	Errors int64
}

// Cache is the Cache component.
type Cache struct {
	cfg     Config
	station *model.Station
	faults  model.Faults

	mu     sync.Mutex // guards server and client swaps
	server *miniredis.Miniredis
	client atomic.Pointer[redis.Client]
	addr   string
	down   atomic.Bool

	hits, misses, errs atomic.Int64

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// Open starts the cache server and its client.
func Open(cfg Config) (*Cache, error) {
	if cfg.Name == "" {
		cfg.Name = "Cache"
	}
	if cfg.DeadHost == 0 {
		cfg.DeadHost = DefaultDeadHost
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = max(DefaultTimeout, 10*cfg.Latency.Base)
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	c := &Cache{cfg: cfg, stop: make(chan struct{}), done: make(chan struct{})}
	c.station = model.NewStation(cfg.Capacity, cfg.Latency, &c.faults, model.NewRand(cfg.Seed, cfg.Name))
	srv := miniredis.NewMiniRedis()
	if err := srv.StartAddr(cfg.Addr); err != nil {
		return nil, fmt.Errorf("cache: listen on %s: %w", cfg.Addr, err)
	}
	c.server = srv
	c.addr = srv.Addr()
	c.client.Store(redisclient.New(c.addr))
	go c.clock()
	return c, nil
}

// clock moves the server's TTLs on with real time. miniredis only expires
// keys when told time has passed; its ClockTTL mode does this on every
// command by walking every key, which costs more than a tick here.
func (c *Cache) clock() {
	defer close(c.done)
	const tick = 100 * time.Millisecond
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-c.stop:
			return
		case now := <-t.C:
			c.mu.Lock()
			if c.server != nil {
				c.server.FastForward(now.Sub(last))
			}
			c.mu.Unlock()
			last = now
		}
	}
}

// Name is the component's name on the card.
func (c *Cache) Name() string { return c.cfg.Name }

// Addr is the server's address.
func (c *Cache) Addr() string { return c.addr }

// Faults are the chaos applied to every call.
func (c *Cache) Faults() *model.Faults { return &c.faults }

// Latency is the modeled latency of one call.
func (c *Cache) Latency() model.Latency { return c.cfg.Latency }

// Down reports whether the cache has been killed.
func (c *Cache) Down() bool { return c.down.Load() }

// Kill closes the server: every call fails (after the dead-host cost).
func (c *Cache) Kill() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.server == nil {
		return
	}
	c.down.Store(true)
	c.server.Close()
	c.server = nil
}

// Revive starts a new, empty server on the same address: a cold cache.
func (c *Cache) Revive() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.server != nil {
		return nil
	}
	srv := miniredis.NewMiniRedis()
	if err := srv.StartAddr(c.addr); err != nil {
		return fmt.Errorf("cache: restart on %s: %w", c.addr, err)
	}
	c.server = srv
	// Connections to the old server are dead; start the client afresh.
	old := c.client.Swap(redisclient.New(c.addr))
	old.Close()
	c.down.Store(false)
	return nil
}

// Close stops the cache for good.
func (c *Cache) Close() {
	c.closeOnce.Do(func() {
		close(c.stop)
		<-c.done
		c.Kill()
		c.client.Load().Close()
	})
}

// Stats returns the live figures.
func (c *Cache) Stats() Stats {
	s := Stats{Down: c.Down(), Hits: c.hits.Load(), Misses: c.misses.Load(), Errors: c.errs.Load()}
	c.mu.Lock()
	if c.server != nil {
		s.Keys = len(c.server.Keys())
	}
	c.mu.Unlock()
	return s
}

// Timeout is how long a call may take before the caller gives up (0: no
// bound).
func (c *Cache) Timeout() time.Duration { return max(c.cfg.Timeout, 0) }

// realBound is how many timeouts the real round trip may take: see call.
const realBound = 10

// call runs one command through the station within the call timeout,
// charging the dead-host cost when the server cannot be reached.
//
// The timeout bounds the modeled answer: a cache whose modeled latency (with
// any chaos slowness) passes it is cut off at it, as is a dead host. The
// real round trip after it takes microseconds on loopback, but on a busy
// machine its goroutines can wait for a CPU longer than the whole timeout;
// counted as a sick cache, that opened the breaker on a healthy cache at 800
// req/s (measured). So the real part has a bound of its own, realBound
// timeouts: it still ends a call to a real server that hangs.
func (c *Cache) call(ctx context.Context, cmd func(ctx context.Context, rc *redis.Client) error) (time.Duration, error) {
	start := time.Now()
	timeout := max(c.cfg.Timeout, 0)
	realLate := false
	err := c.station.ServeWithin(ctx, timeout, func() error {
		rctx := ctx
		if timeout > 0 {
			var cancel context.CancelFunc
			rctx, cancel = context.WithTimeout(ctx, realBound*timeout)
			defer cancel()
		}
		err := cmd(rctx, c.client.Load())
		realLate = err != nil && ctx.Err() == nil && (rctx.Err() != nil || isTimeout(err))
		return err
	})
	if err == nil || errors.Is(err, redis.Nil) {
		return time.Since(start), err
	}
	c.errs.Add(1)
	late := errors.Is(err, model.ErrLate) || realLate
	unreachable := !late && redisclient.Unreachable(err)
	if unreachable && c.cfg.DeadHost > 0 {
		// A dead host never answers: the client waits for it, up to its
		// timeout.
		wait := c.cfg.DeadHost
		if timeout > 0 && timeout < wait {
			wait, late = timeout, true
		}
		if left := wait - time.Since(start); left > 0 {
			model.Sleep(ctx, left)
		}
	}
	switch {
	case unreachable && late:
		err = fmt.Errorf("%s unreachable (no answer within the %v timeout): %w", c.cfg.Name, timeout, downTimedOut{})
	case realLate:
		err = fmt.Errorf("%s %w (no real answer within %v)", c.cfg.Name, ErrTimeout, realBound*timeout)
	case late:
		err = fmt.Errorf("%s %w (no answer within %v)", c.cfg.Name, ErrTimeout, timeout)
	case unreachable && c.cfg.DeadHost > 0:
		err = fmt.Errorf("%s unreachable (no answer in %v): %w", c.cfg.Name, c.cfg.DeadHost, model.ErrDown)
	case unreachable:
		// No dead-host cost modeled: fail at once, but as down all the same.
		err = fmt.Errorf("%s unreachable: %w (%v)", c.cfg.Name, model.ErrDown, err)
	}
	return time.Since(start), err
}

// isTimeout reports whether err is a network timeout (a read deadline).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// downTimedOut is a call to a killed cache that the timeout ended: down, and
// timed out.
type downTimedOut struct{}

func (downTimedOut) Error() string { return model.ErrDown.Error() }

func (downTimedOut) Is(target error) bool { return target == model.ErrDown || target == ErrTimeout }

// Get looks a key up. A miss is not an error: hit is false.
func (c *Cache) Get(ctx context.Context, key string) (value string, hit bool, took time.Duration, err error) {
	took, err = c.call(ctx, func(ctx context.Context, rc *redis.Client) error {
		v, err := rc.Get(ctx, key).Result()
		value = v
		return err
	})
	switch {
	case errors.Is(err, redis.Nil):
		c.misses.Add(1)
		return "", false, took, nil
	case err != nil:
		return "", false, took, err
	}
	c.hits.Add(1)
	return value, true, took, nil
}

// Set stores a key with a time to live.
func (c *Cache) Set(ctx context.Context, key, value string, ttl time.Duration) (time.Duration, error) {
	return c.call(ctx, func(ctx context.Context, rc *redis.Client) error {
		return rc.Set(ctx, key, value, ttl).Err()
	})
}

// Del removes a key.
func (c *Cache) Del(ctx context.Context, key string) (time.Duration, error) {
	return c.call(ctx, func(ctx context.Context, rc *redis.Client) error {
		return rc.Del(ctx, key).Err()
	})
}
