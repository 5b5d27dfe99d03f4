package queue_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/queue"
	"github.com/archex/archex/components/redisclient"
	"github.com/archex/archex/components/trace"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func open(t *testing.T, cfg queue.Config) *queue.Queue {
	t.Helper()
	q, err := queue.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	return q
}

func view(i int) event.Event {
	return event.Event{
		ID:        fmt.Sprintf("ev-%d", i),
		Type:      event.ProductViewed,
		Product:   i,
		Trace:     trace.ID(fmt.Sprint("trace-", i)),
		Published: time.Unix(0, 1732650000123456789+int64(i)),
	}
}

func publish(t *testing.T, q *queue.Queue, evs ...event.Event) []string {
	t.Helper()
	ids := make([]string, len(evs))
	for i, ev := range evs {
		id, _, err := q.Publish(context.Background(), ev)
		if err != nil {
			t.Fatalf("publish %s: %v", ev.ID, err)
		}
		ids[i] = id
	}
	return ids
}

func streamIDs(ds []queue.Delivery) []string {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.StreamID
	}
	return ids
}

func TestPublishReadAckRoundTrip(t *testing.T) {
	q := open(t, queue.Config{})
	ctx := context.Background()
	evs := []event.Event{view(1), view(2), view(3)}
	ids := publish(t, q, evs...)

	if s := q.Stats(); s.Depth != 3 || s.Pending != 0 || s.Published != 3 {
		t.Fatalf("after 3 publishes: %+v, want depth 3, pending 0, published 3", s)
	}
	ds, err := q.Read(ctx, "c1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 3 {
		t.Fatalf("read %d deliveries, want 3", len(ds))
	}
	for i, d := range ds {
		if d.StreamID != ids[i] || d.Tries != 1 || d.Err != nil {
			t.Errorf("delivery %d: %+v, want stream id %s, 1 try, no error", i, d, ids[i])
		}
		if !d.Event.Published.Equal(evs[i].Published) {
			t.Errorf("delivery %d published %v, want %v", i, d.Event.Published, evs[i].Published)
		}
		d.Event.Published = evs[i].Published // compared above, to the nanosecond
		if d.Event != evs[i] {
			t.Errorf("delivery %d event %+v, want %+v", i, d.Event, evs[i])
		}
	}
	if more, err := q.Read(ctx, "c2", 10); err != nil || len(more) != 0 {
		t.Fatalf("second read: %d deliveries, %v; want none: every message went to c1", len(more), err)
	}
	if s := q.Stats(); s.Depth != 3 || s.Pending != 3 {
		t.Fatalf("after read: %+v, want depth 3, pending 3", s)
	}

	done, err := q.Ack(ctx, streamIDs(ds[:2])...)
	if err != nil || done != 2 {
		t.Fatalf("ack 2: done %d, %v", done, err)
	}
	if s := q.Stats(); s.Depth != 1 || s.Pending != 1 {
		t.Fatalf("after ack of 2: %+v, want depth 1, pending 1", s)
	}
	done, err = q.Ack(ctx, streamIDs(ds)...)
	if err != nil || done != 1 {
		t.Fatalf("ack all again: done %d, %v; want 1 (two were already done)", done, err)
	}
	if s := q.Stats(); s.Depth != 0 || s.Pending != 0 || s.Lag != 0 {
		t.Fatalf("after ack of all: %+v, want empty", s)
	}
}

func TestPublishNeedsAnEventID(t *testing.T) {
	q := open(t, queue.Config{})
	ev := view(1)
	ev.ID = ""
	if _, _, err := q.Publish(context.Background(), ev); err == nil {
		t.Fatal("published an event without an id")
	}
}

func TestClaimCountsTries(t *testing.T) {
	q := open(t, queue.Config{})
	ctx := context.Background()
	publish(t, q, view(1), view(2))
	if _, err := q.Read(ctx, "gone", 10); err != nil {
		t.Fatal(err)
	}

	if ds, err := q.Claim(ctx, "c1", time.Hour, 10); err != nil || len(ds) != 0 {
		t.Fatalf("claimed %d messages idle for less than an hour (%v), want none", len(ds), err)
	}
	for try := 2; try <= 4; try++ {
		ds, err := q.Claim(ctx, "c1", 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 2 {
			t.Fatalf("claim %d: %d messages, want 2", try, len(ds))
		}
		for _, d := range ds {
			if d.Tries != try {
				t.Errorf("claim %d: %s has %d tries, want %d", try, d.StreamID, d.Tries, try)
			}
		}
	}
	ds, err := q.Claim(ctx, "c1", 0, 1)
	if err != nil || len(ds) != 1 {
		t.Fatalf("claim with count 1: %d messages, %v", len(ds), err)
	}
}

func TestLagIsTheAgeOfTheOldestMessageNotDone(t *testing.T) {
	q := open(t, queue.Config{})
	ids := publish(t, q, view(1))
	deadline := time.Now().Add(2 * time.Second)
	for q.Stats().Lag < 20*time.Millisecond {
		if time.Now().After(deadline) {
			t.Fatalf("lag stuck at %v with one message waiting", q.Stats().Lag)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := q.Read(context.Background(), "c1", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Ack(context.Background(), ids...); err != nil {
		t.Fatal(err)
	}
	if lag := q.Stats().Lag; lag != 0 {
		t.Fatalf("lag %v with nothing waiting, want 0", lag)
	}
}

func TestDeadLetterMovesTheMessageOnce(t *testing.T) {
	q := open(t, queue.Config{})
	ctx := context.Background()
	publish(t, q, view(7), view(8))
	ds, err := q.Read(ctx, "c1", 10)
	if err != nil {
		t.Fatal(err)
	}
	moved, err := q.DeadLetter(ctx, ds[0], "rejected: product 7 does not exist")
	if err != nil || !moved {
		t.Fatalf("dead-letter: moved %v, %v", moved, err)
	}
	if moved, err := q.DeadLetter(ctx, ds[0], "again"); err != nil || moved {
		t.Fatalf("second dead-letter of the same message: moved %v, %v; want not moved", moved, err)
	}
	dl, err := q.DeadLetters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(dl) != 1 {
		t.Fatalf("%d dead letters, want 1", len(dl))
	}
	got := dl[0]
	if got.Original != ds[0].StreamID || got.Tries != 1 || got.Reason != "rejected: product 7 does not exist" ||
		got.Event.ID != "ev-7" || got.Event.Product != 7 || got.At.IsZero() {
		t.Fatalf("dead letter %+v does not describe %+v", got, ds[0])
	}
	if s := q.Stats(); s.Depth != 1 || s.Pending != 1 || s.DeadLettered != 1 {
		t.Fatalf("after dead-lettering 1 of 2: %+v, want depth 1, pending 1, dead-lettered 1", s)
	}
}

func TestMalformedMessageIsDeliveredWithItsFault(t *testing.T) {
	q := open(t, queue.Config{})
	ctx := context.Background()
	raw := redisclient.New(q.Addr())
	defer raw.Close()
	if err := raw.XAdd(ctx, &redis.XAddArgs{Stream: q.Stream(), Values: []any{"type", "x", "product", "many"}}).Err(); err != nil {
		t.Fatal(err)
	}
	ds, err := q.Read(ctx, "c1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Err == nil {
		t.Fatalf("deliveries %+v, want one carrying a decode error", ds)
	}
	if msg := ds[0].Err.Error(); !strings.Contains(msg, "no event id") || !strings.Contains(msg, `product "many"`) {
		t.Errorf("decode error %q does not say what is wrong", msg)
	}
	if _, err := q.DeadLetter(ctx, ds[0], ds[0].Err.Error()); err != nil {
		t.Fatal(err)
	}
	dl, err := q.DeadLetters(ctx)
	if err != nil || len(dl) != 1 || dl[0].Event.Type != "x" {
		t.Fatalf("dead letters %+v (%v): want the message as it came", dl, err)
	}
}

func TestKilledQueueFailsFastAndRevivesWithItsData(t *testing.T) {
	q := open(t, queue.Config{Latency: queue.DefaultLatency})
	ctx := context.Background()
	publish(t, q, view(1), view(2), view(3), view(4), view(5))
	pending, err := q.Read(ctx, "c1", 2)
	if err != nil {
		t.Fatal(err)
	}

	q.Kill()
	start := time.Now()
	_, _, err = q.Publish(ctx, view(6))
	if took := time.Since(start); took > 50*time.Millisecond {
		t.Errorf("publish to a dead queue took %v, want well under 100 ms", took)
	}
	if !errors.Is(err, model.ErrDown) {
		t.Fatalf("publish to a dead queue: %v, want an error wrapping model.ErrDown", err)
	}
	if _, err := q.Read(ctx, "c1", 10); !errors.Is(err, model.ErrDown) {
		t.Errorf("read from a dead queue: %v, want model.ErrDown", err)
	}
	if _, err := q.Ack(ctx, streamIDs(pending)...); !errors.Is(err, model.ErrDown) {
		t.Errorf("ack on a dead queue: %v, want model.ErrDown", err)
	}
	start = time.Now()
	s := q.Stats()
	if took := time.Since(start); took > 50*time.Millisecond {
		t.Errorf("stats of a dead queue took %v", took)
	}
	if !s.Down || s.Depth != 5 || s.Refused != 1 {
		t.Errorf("stats of a dead queue %+v, want down with the last depth (5) and 1 refused", s)
	}

	if err := q.Revive(); err != nil {
		t.Fatal(err)
	}
	if s := q.Stats(); s.Down || s.Depth != 5 || s.Pending != 2 {
		t.Fatalf("after revive %+v, want up, depth 5, pending 2: the broker is durable", s)
	}
	claimed, err := q.Claim(ctx, "c2", 0, 10)
	if err != nil || len(claimed) != 2 || claimed[0].Tries != 2 {
		t.Fatalf("claim after revive: %+v, %v; want the 2 left pending, second try", claimed, err)
	}
	fresh, err := q.Read(ctx, "c2", 10)
	if err != nil || len(fresh) != 3 {
		t.Fatalf("read after revive: %d messages, %v; want the 3 never delivered", len(fresh), err)
	}
	if _, _, err := q.Publish(ctx, view(6)); err != nil {
		t.Fatalf("publish after revive: %v", err)
	}
}

func TestPublishFaults(t *testing.T) {
	q := open(t, queue.Config{})
	q.Faults().SetFailRate(1)
	if _, _, err := q.Publish(context.Background(), view(1)); !errors.Is(err, model.ErrInjected) {
		t.Fatalf("publish under a 100%% fail rate: %v, want model.ErrInjected", err)
	}
	q.Faults().Heal()
	q.Faults().SetSlow(20 * time.Millisecond)
	_, took, err := q.Publish(context.Background(), view(1))
	if err != nil || took < 20*time.Millisecond {
		t.Fatalf("slowed publish took %v (%v), want at least the added 20 ms", took, err)
	}
	if s := q.Stats(); s.Published != 1 || s.Refused != 1 || s.Depth != 1 {
		t.Fatalf("stats %+v, want 1 published, 1 refused, depth 1", s)
	}
}

// BenchmarkPublish is the cost of one XADD over RESP to the embedded broker,
// with no modeled latency.
func BenchmarkPublish(b *testing.B) {
	q, err := queue.Open(queue.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	ctx := context.Background()
	ev := view(1)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ev.ID = fmt.Sprint("ev-", i)
		if _, _, err := q.Publish(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
}

// A publisher that lost the answer to an XADD publishes the event again:
// the broker adds it once.
func TestRepublishingAnEventAddsItOnce(t *testing.T) {
	q := open(t, queue.Config{})
	ctx := context.Background()
	if id := publish(t, q, view(1), view(1))[1]; id != "" {
		t.Errorf("the second publish of ev-1 added it again as %s", id)
	}
	p, err := q.PublishBatch(ctx, []event.Event{view(2), view(1), view(3)})
	if err != nil {
		t.Fatal(err)
	}
	if p.Added != 2 || p.Duplicates != 1 || fmt.Sprint(p.Duplicate) != "[false true false]" {
		t.Errorf("batch %+v, want 2 added and ev-1 recognised", p)
	}
	if s := q.Stats(); s.Published != 3 || s.Deduplicated != 2 || s.Depth != 3 {
		t.Errorf("stats %+v, want 3 events published once each, 2 republishes recognised, depth 3", s)
	}
	ds, err := q.Read(ctx, "c1", 10)
	if err != nil || len(ds) != 3 {
		t.Fatalf("read %d messages (%v), want the 3 events once each", len(ds), err)
	}
}

// The broker remembers an id for its dedupe window only: memory stays
// bounded.
func TestTheDedupeWindowForgets(t *testing.T) {
	q := open(t, queue.Config{DedupeWindow: 20 * time.Millisecond})
	ctx := context.Background()
	publish(t, q, view(1), view(2))
	eventually(t, 2*time.Second, "ev-1 was forgotten after the window", func() bool {
		p, err := q.PublishBatch(ctx, []event.Event{view(1)})
		return err == nil && p.Added == 1
	})
	c := redisclient.New(q.Addr())
	defer c.Close()
	keys, err := c.Keys(ctx, "events:ids:*").Result()
	if err != nil || len(keys) > 3 {
		t.Errorf("id buckets %v (%v): want the old ones deleted, 3 at most", keys, err)
	}
}

// Kill keeps the figures of the broker as it closed: every publish that
// answered is counted.
func TestKillKeepsTheBrokersLastFigures(t *testing.T) {
	q := open(t, queue.Config{})
	ctx := context.Background()
	publish(t, q, view(1), view(2), view(3))
	ds, err := q.Read(ctx, "c1", 1)
	if err != nil || len(ds) != 1 {
		t.Fatal(ds, err)
	}
	if _, err := q.Ack(ctx, ds[0].StreamID); err != nil {
		t.Fatal(err)
	}
	q.Kill()
	if s := q.Stats(); !s.Down || s.Published != 3 || s.Acked != 1 || s.Depth != 2 {
		t.Errorf("stats of the killed queue %+v, want 3 published, 1 acked, 2 left", s)
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
