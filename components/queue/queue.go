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
	"github.com/archex/archex/components/trace"
)

// Defaults for the queue.
const (
	DefaultName       = "Message Queue"
	DefaultStream     = "events"
	DefaultGroup      = "workers"
	DefaultDeadLetter = "events.dead"
	DefaultMaxTries   = 5
)

// DefaultLatency is the modeled cost of one publish: a broker on the same
// network answers an XADD in well under a millisecond.
var DefaultLatency = model.Latency{Base: 500 * time.Microsecond, Jitter: 100 * time.Microsecond}

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

// Delivery is one message handed to a consumer.
type Delivery struct {
	StreamID string
	Event    event.Event
	// Tries counts the deliveries of this message, this one included:
	// 1 the first time, more when it was claimed again after its
	// consumer left it pending.
	Tries int
	// Err is set when the message could not be decoded into an event. Such
	// a message can never be applied; the consumer should dead-letter it.
	Err error

	fields map[string]any // as stored, so a dead letter keeps what was sent
}

// DeadLetter is one message moved to the dead-letter stream.
type DeadLetter struct {
	StreamID string // in the dead-letter stream
	Original string // the id it had in the main stream
	Event    event.Event
	Reason   string
	Tries    int
	At       time.Time // when it was dead-lettered
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
	Lag          time.Duration
	Published    int64 // publishes that succeeded
	Refused      int64 // publishes that failed
	DeadLettered int64
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

	published, refused, deadLettered atomic.Int64

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

// Field names of a message in the streams.
const (
	fieldID        = "id"
	fieldType      = "type"
	fieldProduct   = "product"
	fieldTrace     = "trace"
	fieldPublished = "published" // Unix nanoseconds
	fieldReason    = "reason"
	fieldTries     = "tries"
	fieldOriginal  = "original"
)

func encode(ev event.Event) []any {
	return []any{
		fieldID, ev.ID,
		fieldType, ev.Type,
		fieldProduct, strconv.Itoa(ev.Product),
		fieldTrace, string(ev.Trace),
		fieldPublished, strconv.FormatInt(ev.Published.UnixNano(), 10),
	}
}

// decode reads an event from a message's fields, saying what is wrong with
// a message that is not one.
func decode(fields map[string]any) (event.Event, error) {
	str := func(k string) string { s, _ := fields[k].(string); return s }
	ev := event.Event{ID: str(fieldID), Type: str(fieldType), Trace: trace.ID(str(fieldTrace))}
	var errs []error
	if ev.ID == "" {
		errs = append(errs, errors.New("no event id"))
	}
	if p, err := strconv.Atoi(str(fieldProduct)); err != nil {
		errs = append(errs, fmt.Errorf("product %q is not a number", str(fieldProduct)))
	} else {
		ev.Product = p
	}
	if n, err := strconv.ParseInt(str(fieldPublished), 10, 64); err != nil {
		errs = append(errs, fmt.Errorf("published %q is not a time", str(fieldPublished)))
	} else {
		ev.Published = time.Unix(0, n)
	}
	return ev, errors.Join(errs...)
}

func delivery(m redis.XMessage, tries int) Delivery {
	ev, err := decode(m.Values)
	if err != nil {
		err = fmt.Errorf("malformed message %s: %w", m.ID, err)
	}
	return Delivery{StreamID: m.ID, Event: ev, Tries: tries, Err: err, fields: m.Values}
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
		streamID, err = q.client.XAdd(ctx, &redis.XAddArgs{Stream: q.cfg.Stream, Values: encode(ev)}).Result()
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
	q.published.Add(1)
	return streamID, took, nil
}

// Read delivers up to count messages no consumer of the group has seen yet
// to consumer. It never blocks: an empty stream gives no deliveries and no
// error. (A blocking XREADGROUP on miniredis gets no reply at all once the
// server has been restarted; polling does not depend on it.)
func (q *Queue) Read(ctx context.Context, consumer string, count int) ([]Delivery, error) {
	res, err := q.client.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group:    q.cfg.Group,
		Consumer: consumer,
		Streams:  []string{q.cfg.Stream, ">"},
		Count:    int64(count),
		Block:    -1, // 0 would block forever
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, q.fail("XREADGROUP "+q.cfg.Stream, err)
	}
	var ds []Delivery
	for _, s := range res {
		for _, m := range s.Messages {
			ds = append(ds, delivery(m, 1))
		}
	}
	return ds, nil
}

// Claim hands to consumer up to count messages that other consumers (or
// consumer itself) left pending for at least minIdle: the redelivery that
// makes a crash or a stop lose nothing. Each delivery says how many times
// its message has been delivered, this time included.
func (q *Queue) Claim(ctx context.Context, consumer string, minIdle time.Duration, count int) ([]Delivery, error) {
	msgs, _, err := q.client.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream:   q.cfg.Stream,
		Group:    q.cfg.Group,
		Consumer: consumer,
		MinIdle:  minIdle,
		Start:    "0-0",
		Count:    int64(count),
	}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, q.fail("XAUTOCLAIM "+q.cfg.Stream, err)
	}
	if len(msgs) == 0 {
		return nil, nil
	}
	// XAUTOCLAIM does not say how often a message was delivered; the
	// pending entries list does.
	cmds := make([]*redis.XPendingExtCmd, len(msgs))
	_, err = q.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range msgs {
			cmds[i] = p.XPendingExt(ctx, &redis.XPendingExtArgs{
				Stream: q.cfg.Stream, Group: q.cfg.Group, Start: m.ID, End: m.ID, Count: 1,
			})
		}
		return nil
	})
	if err != nil {
		// The messages are claimed and will be claimed again if not acked:
		// fail the whole call rather than guess the counts.
		return nil, q.fail("XPENDING "+q.cfg.Stream, err)
	}
	ds := make([]Delivery, len(msgs))
	for i, m := range msgs {
		tries := 2 // claimed, so delivered before at least once
		if p := cmds[i].Val(); len(p) == 1 && p[0].ID == m.ID {
			tries = int(p[0].RetryCount)
		}
		ds[i] = delivery(m, tries)
	}
	return ds, nil
}

// Ack marks the messages done and deletes them from the stream, in one
// transaction. done is how many of them this call acknowledged: a message
// another consumer acknowledged first (both were handed it after a long
// stall) is not counted again, so summing done over every consumer counts
// each message once.
func (q *Queue) Ack(ctx context.Context, ids ...string) (done int, err error) {
	if len(ids) == 0 {
		return 0, nil
	}
	acks := make([]*redis.IntCmd, len(ids))
	_, err = q.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			acks[i] = p.XAck(ctx, q.cfg.Stream, q.cfg.Group, id)
		}
		p.XDel(ctx, q.cfg.Stream, ids...)
		return nil
	})
	if err != nil {
		return 0, q.fail("XACK "+q.cfg.Stream, err)
	}
	for _, c := range acks {
		done += int(c.Val())
	}
	return done, nil
}

// deadLetterScript moves one message to the dead-letter stream only if it
// was still pending: two consumers holding the same message after a stall
// must not both dead-letter it.
//
// KEYS: stream, dead-letter stream. ARGV: group, id, then field/value pairs.
var deadLetterScript = redis.NewScript(`
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
	return 0
end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
`)

// DeadLetter moves a delivered message to the dead-letter stream with the
// reason and the number of tries, and removes it from the stream. moved is
// false when the message was no longer pending (another consumer finished
// it first).
func (q *Queue) DeadLetter(ctx context.Context, d Delivery, reason string) (moved bool, err error) {
	args := []any{q.cfg.Group, d.StreamID}
	if d.fields != nil {
		for k, v := range d.fields {
			args = append(args, k, v)
		}
	} else {
		args = append(args, encode(d.Event)...)
	}
	args = append(args, fieldReason, reason, fieldTries, strconv.Itoa(d.Tries), fieldOriginal, d.StreamID)
	n, err := deadLetterScript.Run(ctx, q.client, []string{q.cfg.Stream, q.cfg.DeadLetter}, args...).Int()
	if err != nil {
		return false, q.fail("dead-letter "+d.StreamID, err)
	}
	if n == 1 {
		q.deadLettered.Add(1)
	}
	return n == 1, nil
}

// DeadLetters reads the dead-letter stream, oldest first.
func (q *Queue) DeadLetters(ctx context.Context) ([]DeadLetter, error) {
	msgs, err := q.client.XRange(ctx, q.cfg.DeadLetter, "-", "+").Result()
	if err != nil {
		return nil, q.fail("XRANGE "+q.cfg.DeadLetter, err)
	}
	out := make([]DeadLetter, len(msgs))
	for i, m := range msgs {
		ev, _ := decode(m.Values) // a malformed message is kept as it came
		str := func(k string) string { s, _ := m.Values[k].(string); return s }
		tries, _ := strconv.Atoi(str(fieldTries))
		out[i] = DeadLetter{
			StreamID: m.ID,
			Original: str(fieldOriginal),
			Event:    ev,
			Reason:   str(fieldReason),
			Tries:    tries,
			At:       idTime(m.ID),
		}
	}
	return out, nil
}

// idTime is when a stream entry was added: the milliseconds part of its id.
func idTime(id string) time.Time {
	ms, _, _ := strings.Cut(id, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(n)
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
	s.Published = q.published.Load()
	s.Refused = q.refused.Load()
	s.DeadLettered = q.deadLettered.Load()
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
	)
	_, err := q.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		xlen = p.XLen(ctx, q.cfg.Stream)
		pending = p.XPending(ctx, q.cfg.Stream, q.cfg.Group)
		oldest = p.XRangeN(ctx, q.cfg.Stream, "-", "+", 1)
		return nil
	})
	if err != nil {
		return
	}
	q.last.Depth = int(xlen.Val())
	q.last.Pending = int(pending.Val().Count)
	q.last.Lag = 0
	if m := oldest.Val(); len(m) == 1 {
		q.last.Lag = max(time.Since(idTime(m[0].ID)), 0)
	}
}
