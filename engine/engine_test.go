package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/archex/archex/components/outbox"
	"github.com/archex/archex/components/trace"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func newEngine(t testing.TB, opts Options) *Engine {
	t.Helper()
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// pairs lists who sent each hop to whom, leaving out the hops of the outbox
// relay: when a publish does not make its 2 ms (a busy machine, the race
// detector), the event goes to the spool and the relay publishes it a
// moment later, a late hop that repeats one of the card's.
func pairs(hops []trace.Hop) []string {
	var out []string
	for _, h := range hops {
		if h.Instance != outbox.Instance {
			out = append(out, h.From+" -> "+h.To)
		}
	}
	return out
}

func TestColdReadIsTheCardsFourteenHops(t *testing.T) {
	e := newEngine(t, Options{})
	tr, err := e.Send(context.Background(), Request{Product: 42}, true)
	if err != nil {
		t.Fatal(err)
	}
	if !tr.OK() {
		t.Fatalf("status %d: %s", tr.Status, tr.Err)
	}
	var want []string
	for _, h := range e.Card().Flow {
		want = append(want, h.From+" -> "+h.To)
	}
	got := pairs(tr.Hops)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("hops:\n%s\nwant the card's:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i, h := range tr.Hops {
		t.Logf("%2d %-40s %8.2fms %-8s %s", i+1, h.From+" -> "+h.To, float64(h.Duration)/1e6, h.Outcome, h.Detail)
	}
	if got, want := tr.Hops[4].Detail, "MISS product:42"; got != want {
		t.Errorf("hop 5 detail %q, want %q", got, want)
	}
	if !strings.HasPrefix(tr.Hops[5].Detail, "SELECT name, price_cents FROM products WHERE id=42 (") {
		t.Errorf("hop 6 detail %q", tr.Hops[5].Detail)
	}
}

func TestHitSkipsTheDatabaseAndTheFill(t *testing.T) {
	e := newEngine(t, Options{})
	ctx := context.Background()
	if _, err := e.Send(ctx, Request{Product: 7}, true); err != nil {
		t.Fatal(err)
	}
	tr, err := e.Send(ctx, Request{Product: 7}, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"User -> Load Balancer", "Load Balancer -> API Gateway", "API Gateway -> Service Layer",
		"Service Layer -> Cache", "Cache -> Service Layer",
		"Service Layer -> Message Queue", "Message Queue -> Background Worker", "Background Worker -> Database",
		"Service Layer -> API Gateway", "API Gateway -> Load Balancer", "Load Balancer -> User",
	}
	if got := pairs(tr.Hops); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("hops:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if tr.Hops[4].Outcome != trace.Hit || tr.Hops[4].Detail != "HIT product:7" {
		t.Errorf("hop 5 = %v %q, want a hit", tr.Hops[4].Outcome, tr.Hops[4].Detail)
	}
	_ = time.Second
}

// A kill is logged once, saying what was done; a change nobody asked for
// (the breaker tripping) is logged as it is seen.
func TestNoticesOfAKill(t *testing.T) {
	e := newEngine(t, Options{})
	if err := e.Kill("cache"); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if _, err := e.Send(context.Background(), Request{Product: 3}, false); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 10; i++ {
		if _, err := e.Send(context.Background(), Request{Product: 4 + i}, false); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond) // a few refreshes
	notes, _ := e.Notices(0)
	var cache []string
	for _, n := range notes {
		if n.Component == "Cache" {
			cache = append(cache, n.Text)
		}
	}
	if len(cache) == 0 || cache[0] != "killed" {
		t.Fatalf("cache notices %q: want the kill first", cache)
	}
	for _, text := range cache[1:] {
		if strings.Contains(text, "-> DOWN") {
			t.Errorf("the kill was logged twice: %q", cache)
		}
	}
}

// A snapshot says whether the traffic has started: an engine built and not
// started (a challenge before its clock) has sent nothing and says so.
func TestSnapshotSaysWhetherTheTrafficStarted(t *testing.T) {
	e := newEngine(t, Options{Rate: 20})
	e.refresh(time.Now())
	if r := e.Snapshot().Requests; r.Started || r.Sent != 0 {
		t.Errorf("before Start: %+v, want not started and nothing sent", r)
	}
	e.Start()
	e.refresh(time.Now())
	if r := e.Snapshot().Requests; !r.Started {
		t.Errorf("after Start: %+v, want started", r)
	}
}
