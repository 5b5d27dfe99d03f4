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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/archex/archex/components/event"
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
	Seed     uint64
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
	Refused      int64 // publishes that failed as far as the client knows
}

// Queue is the Message Queue component.
type Queue struct {
	cfg     Config
	station *model.Station
	faults  model.Faults
	client  *redis.Client

	mu     sync.Mutex // serialises Kill, Revive and Close
	server *miniredis.Miniredis
	addr   string
	down   atomic.Bool
	closed bool

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
func (q *Queue) Kill() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.down.Load() {
		return
	}
	q.refresh() // the figures a dashboard keeps showing while it is down
	q.down.Store(true)
	q.server.Close()
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
	case q.down.Load() || redisclient.Unreachable(err):
		return fmt.Errorf("%s: %s: %w (%v)", q.cfg.Name, op, model.ErrDown, err)
	}
	return fmt.Errorf("%s: %s: %w", q.cfg.Name, op, err)
}

// Publish appends ev to the stream after the modeled latency. ev.ID must be
// set: it is what makes applying the event idempotent. A zero Published is
// set to now. took includes the modeled latency.
func (q *Queue) Publish(ctx context.Context, ev event.Event) (streamID string, took time.Duration, err error) {
	start := time.Now()
	if ev.ID == "" {
		return "", 0, fmt.Errorf("%s: publish %s: event has no id", q.cfg.Name, ev.Type)
	}
	if ev.Published.IsZero() {
		ev.Published = start
	}
	xadd := func() error {
		streamID, err = publishScript.Run(ctx, q.client, []string{q.cfg.Stream, q.counts()}, encode(ev)...).Text()
		return err
	}
	if q.down.Load() {
		// A refused connection costs nothing on any network: no modeled wait.
		err = xadd()
	} else {
		err = q.station.Serve(ctx, xadd)
	}
	took = time.Since(start)
	if err != nil {
		q.refused.Add(1)
		return "", took, q.fail("XADD "+q.cfg.Stream, err)
	}
	return streamID, took, nil
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
		counts = p.HMGet(ctx, q.counts(), countPublished, countAcked, countDead)
		return nil
	})
	if err != nil {
		return
	}
	c := counts.Val()
	q.last.Published, q.last.Acked, q.last.DeadLettered = count(c[0]), count(c[1]), count(c[2])
	q.last.Depth = int(xlen.Val())
	q.last.Pending = int(pending.Val().Count)
	q.last.Lag = 0
	if m := oldest.Val(); len(m) == 1 {
		q.last.Lag = max(time.Since(idTime(m[0].ID)), 0)
	}
}

// The broker-side counters, fields of one hash per stream.
const (
	countPublished = "published"
	countAcked     = "acked"
	countDead      = "dead-lettered"
)

// counts is the key of the counters' hash.
func (q *Queue) counts() string { return q.cfg.Stream + ":counts" }

func count(v any) int64 {
	s, _ := v.(string)
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// publishScript adds an event and counts it in one step.
//
// KEYS: stream, counters. ARGV: field/value pairs.
var publishScript = redis.NewScript(`
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV))
redis.call('HINCRBY', KEYS[2], '` + countPublished + `', 1)
return id
`)
