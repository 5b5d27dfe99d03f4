// The consumer side: what the worker calls to read, claim, acknowledge and
// dead-letter messages.

package queue

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

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
	args := make([]any, 0, len(ids)+1)
	args = append(args, q.cfg.Group)
	for _, id := range ids {
		args = append(args, id)
	}
	n, err := ackScript.Run(ctx, q.client, []string{q.cfg.Stream, q.counts()}, args...).Int()
	if err != nil {
		return 0, q.fail("XACK "+q.cfg.Stream, err)
	}
	return n, nil
}

// ackScript acknowledges and deletes messages and counts those that were
// still pending, in one step.
//
// KEYS: stream, counters. ARGV: group, ids.
var ackScript = redis.NewScript(`
local done = 0
for i = 2, #ARGV do
	if redis.call('XACK', KEYS[1], ARGV[1], ARGV[i]) == 1 then
		done = done + 1
	end
	redis.call('XDEL', KEYS[1], ARGV[i])
end
redis.call('HINCRBY', KEYS[2], '` + countAcked + `', done)
return done
`)

// deadLetterScript moves one message to the dead-letter stream only if it
// was still pending: two consumers holding the same message after a stall
// must not both dead-letter it.
//
// KEYS: stream, dead-letter stream, counters. ARGV: group, id, then
// field/value pairs.
var deadLetterScript = redis.NewScript(`
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
	return 0
end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('HINCRBY', KEYS[3], '` + countDead + `', 1)
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
	n, err := deadLetterScript.Run(ctx, q.client, []string{q.cfg.Stream, q.cfg.DeadLetter, q.counts()}, args...).Int()
	if err != nil {
		return false, q.fail("dead-letter "+d.StreamID, err)
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
