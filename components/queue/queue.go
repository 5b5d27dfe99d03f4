// Package queue is the Message Queue component: Redis Streams on an embedded
// Redis (miniredis) of its own, on a loopback port, spoken to over real RESP
// with go-redis.
//
// A stream with a consumer group gives the at-least-once delivery the card
// relies on: a message read by a consumer stays pending until that consumer
// acknowledges it, and a message left pending too long (its consumer crashed
// or was stopped) is claimed by another one. Every entry is deleted once it is
// acknowledged, so the stream's length is exactly the work not yet done: the
// backlog a dashboard shows. A message that can never be applied goes to a
// dead-letter stream after MaxTries deliveries instead of circling forever.
//
// Publishing is idempotent by event id for a window (DedupeWindow, 2 minutes
// by default, as NATS JetStream's duplicate window; see idBucket): a publisher that timed
// out waiting for an answer cannot know whether the XADD happened, so it
// publishes again, and the broker recognises the event and adds nothing. So
// every event is in the stream at most once and the broker's counts are
// counts of events, not of attempts.
//
// The broker is durable, unlike the cache: Kill closes the server and Revive
// restarts the same instance on the same address, so the backlog survives an
// outage. While it is down every call fails at once (no retries, short
// timeouts) with an error wrapping model.ErrDown, so a publisher never stalls
// on it.
package queue

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/redisclient"
)

// Defaults for the queue.
const (
	DefaultName       = "Message Queue"
	DefaultStream     = "events"
	DefaultGroup      = "workers"
	DefaultDeadLetter = "events.dead"
	DefaultMaxTries   = 5
	// DefaultDedupeWindow is how long the broker remembers an event id.
	DefaultDedupeWindow = 2 * time.Minute
)

// DefaultLatency is none: a publish is real work of a fraction of a
// millisecond, below what the time model can wait (see package model).
var DefaultLatency = model.Latency{}

// statsTimeout bounds Stats: a dashboard frame must never wait on a sick
// broker.
const statsTimeout = 100 * time.Millisecond

// Config configures a Queue. Zero fields take the defaults.
type Config struct {
	Name       string // as on the card
	Stream     string // the stream events are published to
	Group      string // the consumer group of the workers
	DeadLetter string // the stream poison events are moved to
	// Latency is the modeled cost of a publish. As for every component,
	// the zero value means none: the engine passes DefaultLatency.
	Latency  model.Latency
	MaxTries int // deliveries before a rejected event is dead-lettered
	// DedupeWindow is how long after its first XADD an event id is
	// remembered, so that publishing it again adds nothing.
	DedupeWindow time.Duration
	Seed         uint64
}

// Stats are the queue's live figures.
type Stats struct {
	Down bool
	// Depth is the number of messages not yet done (published, not
	// acknowledged). While the queue is down it is the last one seen.
	Depth int
	// Pending is how many of those have been delivered to a consumer and
	// not acknowledged yet.
	Pending int
	// Lag is the age of the oldest message not yet done.
	Lag time.Duration
	// Published, Acked and DeadLettered are counted by the broker itself,
	// in the same script as the XADD, the XACK or the move: a publish whose
	// answer timed out on the way back still counts if it happened.
	Published    int64
	Acked        int64 // events done and acknowledged (dead letters not included)
	DeadLettered int64
	// Deduplicated counts publishes of an event already in the stream
	// (or done) within the dedupe window: retries the broker recognised.
	Deduplicated int64
	Refused      int64 // publishes that failed as far as the client knows
}

// Queue is the Message Queue component.
type Queue struct {
	cfg     Config
	station *model.Station
	faults  model.Faults
	client  *redis.Client

	mu sync.Mutex // serialises Kill, Revive and Close
	// publishing is held (read) by every publish while it talks to the
	// broker; Kill takes it to know that none is half-done when it reads
	// the broker's last figures.
	publishing sync.RWMutex
	server     *miniredis.Miniredis
	addr       string
	down       atomic.Bool
	closed     bool

	refused atomic.Int64

	lastMu sync.Mutex // serialises refresh
	last   Stats      // the last figures read from the broker
}

// Open starts the broker on a loopback port and creates the stream and its
// consumer group.
func Open(cfg Config) (*Queue, error) {
	if cfg.Name == "" {
		cfg.Name = DefaultName
	}
	if cfg.Stream == "" {
		cfg.Stream = DefaultStream
	}
	if cfg.Group == "" {
		cfg.Group = DefaultGroup
	}
	if cfg.DeadLetter == "" {
		cfg.DeadLetter = DefaultDeadLetter
	}
	if cfg.MaxTries <= 0 {
		cfg.MaxTries = DefaultMaxTries
	}
	if cfg.DedupeWindow <= 0 {
		cfg.DedupeWindow = DefaultDedupeWindow
	}
	q := &Queue{cfg: cfg}
	q.station = model.NewStation(0, cfg.Latency, &q.faults, model.NewRand(cfg.Seed, cfg.Name))

	q.server = miniredis.NewMiniRedis()
	if err := q.server.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("%s: start: %w", cfg.Name, err)
	}
	q.addr = q.server.Addr()
	q.client = redisclient.New(q.addr)

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := q.client.XGroupCreateMkStream(ctx, cfg.Stream, cfg.Group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		q.client.Close()
		q.server.Close()
		return nil, fmt.Errorf("%s: create group %s on %s: %w", cfg.Name, cfg.Group, cfg.Stream, err)
	}
	// Loaded now, the scripts run by their hash from the first call: a
	// read's first publish has 2 ms, no time for a NOSCRIPT round trip.
	for _, s := range []*redis.Script{publishScript, ackScript, deadLetterScript} {
		if err := s.Load(ctx, q.client).Err(); err != nil {
			q.client.Close()
			q.server.Close()
			return nil, fmt.Errorf("%s: load scripts: %w", cfg.Name, err)
		}
	}
	return q, nil
}

// Name is the component's name on the card.
func (q *Queue) Name() string { return q.cfg.Name }

// Addr is the broker's address.
func (q *Queue) Addr() string { return q.addr }

// Stream is the name of the stream events are published to.
func (q *Queue) Stream() string { return q.cfg.Stream }

// MaxTries is how many deliveries a rejected event gets before it is
// dead-lettered.
func (q *Queue) MaxTries() int { return q.cfg.MaxTries }

// Latency is the modeled cost of a publish.
func (q *Queue) Latency() model.Latency { return q.cfg.Latency }

// Faults are the chaos applied to every publish.
func (q *Queue) Faults() *model.Faults { return &q.faults }

// Down reports whether the queue has been killed.
func (q *Queue) Down() bool { return q.down.Load() }

// Kill closes the broker: every call fails at once until Revive. The data
// stays in the (stopped) server.
//
// The figures kept for while it is down are read after the last publish in
// flight has finished and the server has closed, so they are the broker's
// final state: the books of events balance against them.
func (q *Queue) Kill() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.down.Load() {
		return
	}
	q.down.Store(true) // new publishes refuse at once
	q.publishing.Lock()
	q.refresh() // the pending count, which only the network reads
	q.server.Close()
	q.publishing.Unlock()
	q.final()
}

// Revive restarts the same broker on the same address: the messages that
// were in the stream, pending or not, are still there.
func (q *Queue) Revive() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || !q.down.Load() {
		return nil
	}
	if err := q.server.Restart(); err != nil {
		return fmt.Errorf("%s: restart on %s: %w", q.cfg.Name, q.addr, err)
	}
	// Pooled connections to the old listener are dead; go-redis checks a
	// connection before reusing it, so the client needs no restart.
	q.down.Store(false)
	return nil
}

// Close stops the broker and its client for good.
func (q *Queue) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.closed = true
	q.down.Store(true)
	q.client.Close()
	q.server.Close()
}

// fail turns an error from the client into one that names the queue and the
// command, and that wraps model.ErrDown when the broker cannot be reached.
func (q *Queue) fail(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, model.ErrInjected), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %s: %w", q.cfg.Name, op, err)
	case !q.down.Load() && isTimeout(err):
		return fmt.Errorf("%s: %s: no answer in time (%v)", q.cfg.Name, op, err)
	case q.down.Load() || redisclient.Unreachable(err):
		return fmt.Errorf("%s: %s: %w (%v)", q.cfg.Name, op, model.ErrDown, err)
	}
	return fmt.Errorf("%s: %s: %w", q.cfg.Name, op, err)
}

// isTimeout reports whether err is a network deadline that passed: the
// broker is up but did not answer in time (a busy machine, a short
// deadline), which is not the same as down.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Stats returns the live figures. It asks the broker with a short timeout;
// while the queue is down it returns the last figures read, marked Down.
func (q *Queue) Stats() Stats {
	if !q.down.Load() {
		q.refresh()
	}
	q.lastMu.Lock()
	s := q.last
	q.lastMu.Unlock()
	s.Down = q.down.Load()
	s.Refused = q.refused.Load()
	return s
}

// refresh reads the depth, the pending count and the lag from the broker.
// A broker that does not answer in time leaves the last figures.
func (q *Queue) refresh() {
	q.lastMu.Lock()
	defer q.lastMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), statsTimeout)
	defer cancel()
	var (
		xlen    *redis.IntCmd
		pending *redis.XPendingCmd
		oldest  *redis.XMessageSliceCmd
		counts  *redis.SliceCmd
	)
	_, err := q.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		xlen = p.XLen(ctx, q.cfg.Stream)
		pending = p.XPending(ctx, q.cfg.Stream, q.cfg.Group)
		oldest = p.XRangeN(ctx, q.cfg.Stream, "-", "+", 1)
		counts = p.HMGet(ctx, q.counts(), countPublished, countAcked, countDead, countDeduplicated)
		return nil
	})
	if err != nil {
		return
	}
	c := counts.Val()
	q.last.Published, q.last.Acked, q.last.DeadLettered, q.last.Deduplicated = count(c[0]), count(c[1]), count(c[2]), count(c[3])
	q.last.Depth = int(xlen.Val())
	q.last.Pending = int(pending.Val().Count)
	q.last.Lag = 0
	if m := oldest.Val(); len(m) == 1 {
		q.last.Lag = max(time.Since(idTime(m[0].ID)), 0)
	}
}

// final reads the figures straight from the closed server's memory: what
// acks and dead-letter moves did after refresh is counted too.
func (q *Queue) final() {
	q.lastMu.Lock()
	defer q.lastMu.Unlock()
	get := func(f string) int64 { n, _ := strconv.ParseInt(q.server.HGet(q.counts(), f), 10, 64); return n }
	q.last.Published, q.last.Acked, q.last.DeadLettered, q.last.Deduplicated =
		get(countPublished), get(countAcked), get(countDead), get(countDeduplicated)
	entries, _ := q.server.Stream(q.cfg.Stream)
	q.last.Depth, q.last.Lag = len(entries), 0
	q.last.Pending = min(q.last.Pending, len(entries))
	if len(entries) > 0 {
		q.last.Lag = max(time.Since(idTime(entries[0].ID)), 0)
	}
}

// The broker-side counters, fields of one hash per stream.
const (
	countPublished    = "published"
	countAcked        = "acked"
	countDead         = "dead-lettered"
	countDeduplicated = "deduplicated"
)

// counts is the key of the counters' hash.
func (q *Queue) counts() string { return q.cfg.Stream + ":counts" }

func count(v any) int64 {
	s, _ := v.(string)
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
