// The publisher side: adding events to the stream, idempotently by event id.

package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/archex/archex/components/event"
)

// Published is what one publish did.
type Published struct {
	// Added counts the events added to the stream; Duplicates those the
	// broker already had (a retry of an XADD whose answer was lost).
	Added, Duplicates int
	// Duplicate says, per event in the order given, whether the broker
	// had it already.
	Duplicate []bool
	StreamID  string // of the last event added
	Took      time.Duration
}

// Publish appends ev to the stream after the modeled latency. ev.ID must be
// set: the broker adds an id it has seen in the dedupe window only once, and
// the worker applies it once. A zero Published is set to now. took includes
// the modeled latency; streamID is empty when the broker had the event
// already.
func (q *Queue) Publish(ctx context.Context, ev event.Event) (streamID string, took time.Duration, err error) {
	p, err := q.PublishBatch(ctx, []event.Event{ev})
	return p.StreamID, p.Took, err
}

// PublishBatch appends events to the stream in one round trip and one
// modeled wait: a relay catching up after an outage. Each needs an ID; a
// zero Published is set to now. It adds all or none.
func (q *Queue) PublishBatch(ctx context.Context, evs []event.Event) (Published, error) {
	start := time.Now()
	if len(evs) == 0 {
		return Published{}, nil
	}
	argv := make([]any, 0, 3+len(evs)*fieldsPerEvent)
	argv = append(argv, fieldsPerEvent, q.idBucket(start), q.cfg.Stream+":ids:")
	for _, ev := range evs {
		if ev.ID == "" {
			return Published{}, fmt.Errorf("%s: publish %s: event has no id", q.cfg.Name, ev.Type)
		}
		if ev.Published.IsZero() {
			ev.Published = start
		}
		argv = append(argv, encode(ev)...)
	}
	var res []any
	xadd := func() error {
		var err error
		keys := []string{q.cfg.Stream, q.counts(), q.cfg.Stream + ":ids"}
		res, err = publishScript.Run(ctx, q.client, keys, argv...).Slice()
		return err
	}
	err := q.publish(ctx, xadd)
	p := Published{Took: time.Since(start)}
	if err != nil {
		q.refused.Add(1)
		return p, q.fail("XADD "+q.cfg.Stream, err)
	}
	if len(res) == 4 {
		p.Added, p.Duplicates = int(toInt(res[0])), int(toInt(res[1]))
		p.StreamID, _ = res[2].(string)
		flags, _ := res[3].(string)
		p.Duplicate = make([]bool, len(evs))
		for i := range min(len(flags), len(evs)) {
			p.Duplicate[i] = flags[i] == 'd'
		}
	}
	return p, nil
}

// publish runs xadd as a publish: refused at once while the queue is down,
// after the modeled latency otherwise, and never while Kill is closing the
// broker.
func (q *Queue) publish(ctx context.Context, xadd func() error) error {
	refused := errors.New("connection refused")
	if q.down.Load() {
		// A refused connection costs nothing on any network: no modeled wait.
		return refused
	}
	q.publishing.RLock()
	defer q.publishing.RUnlock()
	if q.down.Load() {
		return refused
	}
	return q.station.Serve(ctx, xadd)
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case string:
		i, _ := strconv.ParseInt(n, 10, 64)
		return i
	}
	return 0
}

// fieldsPerEvent is how many values encode gives for one event; the event
// id comes second, after its field name.
var fieldsPerEvent = len(encode(event.Event{}))

// idBucket numbers the span of half a dedupe window that now falls in. The
// broker remembers event ids in one hash per span, checks the current one
// and the two before it, and deletes older ones whole: an id is remembered
// for one window at least and one and a half at most, and forgetting costs
// one DEL per span, not a scan. (A sorted set of ids scored by time would
// say the same, but miniredis sorts a whole set to trim it by score: at 200
// events a second that took milliseconds a publish.)
func (q *Queue) idBucket(now time.Time) string {
	width := max(q.cfg.DedupeWindow/2, time.Millisecond)
	return strconv.FormatInt(now.UnixNano()/int64(width), 10)
}

// publishScript adds the events it has not seen in the dedupe window and
// counts what it did, in one step.
//
// KEYS: stream, counters, the set of id buckets (their numbers). ARGV:
// values per event, the current bucket's number, the buckets' key prefix,
// then each event's field/value pairs, the id first. Returns {added,
// duplicates, last id, flags}: flags has one letter per event, a for added,
// d for a duplicate. The buckets' keys are made here from the prefix: on a
// Redis Cluster they would need a hash tag to share the stream's slot.
var publishScript = redis.NewScript(`
local n, b, prefix = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local live = {prefix .. ARGV[2]}
for _, m in ipairs(redis.call('SMEMBERS', KEYS[3])) do
	if m == ARGV[2] then
		-- the current bucket, checked already
	elseif tonumber(m) < b - 2 then
		redis.call('DEL', prefix .. m)
		redis.call('SREM', KEYS[3], m)
	else
		live[#live + 1] = prefix .. m
	end
end
local added, dup, last, flags = 0, 0, '', ''
for i = 4, #ARGV, n do
	local id, seen = ARGV[i + 1], false
	for _, key in ipairs(live) do
		if redis.call('HEXISTS', key, id) == 1 then
			seen = true
			break
		end
	end
	if seen then
		dup = dup + 1
		flags = flags .. 'd'
	else
		local fields = {}
		for j = i, i + n - 1 do fields[#fields + 1] = ARGV[j] end
		last = redis.call('XADD', KEYS[1], '*', unpack(fields))
		redis.call('HSET', prefix .. ARGV[2], id, 1)
		added = added + 1
		flags = flags .. 'a'
	end
end
if added > 0 then
	redis.call('SADD', KEYS[3], ARGV[2])
	redis.call('HINCRBY', KEYS[2], '` + countPublished + `', added)
end
if dup > 0 then redis.call('HINCRBY', KEYS[2], '` + countDeduplicated + `', dup) end
return {added, dup, last, flags}
`)

// Oldest is when the oldest message not yet done was added; ok is false
// when the stream is empty. The worker prunes its idempotency record only
// behind it.
func (q *Queue) Oldest(ctx context.Context) (at time.Time, ok bool, err error) {
	msgs, err := q.client.XRangeN(ctx, q.cfg.Stream, "-", "+", 1).Result()
	if err != nil {
		return time.Time{}, false, q.fail("XRANGE "+q.cfg.Stream, err)
	}
	if len(msgs) == 0 {
		return time.Time{}, false, nil
	}
	return idTime(msgs[0].ID), true, nil
}
