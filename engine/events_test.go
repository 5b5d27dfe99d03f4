package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// The queue dies for 6 s under load: no user notices, the events wait in
// the outbox and the spool, and once it is back every event created is
// processed, none lost.
func TestQueueKilledSixSecondsLosesNoEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("load scenario")
	}
	e := newEngine(t, Options{Rate: 200})
	e.Start()
	waitSeconds(t, e, 1)
	// Failures are counted from the kill on: a machine busy with other
	// tests can time out a request or two while the engine starts.
	failedBefore := e.Snapshot().Requests.Failed
	must(t, e.Kill("queue"))
	secs := waitSeconds(t, e, 6)
	first, last := secs[0].EventsWaiting, secs[len(secs)-1].EventsWaiting
	if last < first+800 {
		t.Errorf("events waiting went from %d to %d in 6 s with the queue down; want them to pile up at the event rate", first, last)
	}
	if q, _ := e.Snapshot().ByKind("queue"); q.Outbox == 0 || q.Spool == 0 {
		t.Errorf("queue box shows outbox %d, spool %d; want both the writes' and the reads' events waiting", q.Outbox, q.Spool)
	}
	must(t, e.Revive("queue"))
	revived := time.Now()
	for e.Snapshot().Events.Pending() > 0 {
		if time.Since(revived) > 5*time.Second {
			t.Fatalf("%d events still waiting 5 s after the revive", e.Snapshot().Events.Pending())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("the backlog of %d was published within %v of the revive", last, time.Since(revived).Round(10*time.Millisecond))
	s := settle(t, e, true)
	t.Logf("requests %+v events %+v", s.Requests, s.Events)
	ev := s.Events
	if failed := s.Requests.Failed - failedBefore; failed != 0 {
		t.Errorf("%d requests failed; the queue is off the user's path: %v", failed, failures(e))
	}
	if ev.Processed != ev.Created || ev.Shed != 0 || ev.DeadLettered != 0 {
		t.Errorf("events %+v: want every one created processed", ev)
	}
}

// A queue slowed by 100 ms costs users nothing: a read gives it 2 ms, then
// keeps its event in the spool, and while the spool holds any, reads do not
// try the queue at all. The median response while it is slow is compared
// with the seconds before and after (the machine may be busy with other
// tests for a while: the larger of the two is the yardstick).
func TestSlowQueueDoesNotSlowTheUsers(t *testing.T) {
	if testing.Short() {
		t.Skip("load scenario")
	}
	e := newEngine(t, Options{Rate: 200})
	e.Start()
	waitSeconds(t, e, 2)
	before := summarize(waitSeconds(t, e, 3))
	must(t, e.Slow("queue", 100*time.Millisecond))
	waitSeconds(t, e, 1)
	during := summarize(waitSeconds(t, e, 3))
	must(t, e.Heal("queue"))
	waitSeconds(t, e, 1)
	after := summarize(waitSeconds(t, e, 3))
	t.Logf("before: %v", before)
	t.Logf("during: %v", during)
	t.Logf("after:  %v", after)
	if healthy := max(before.p50, after.p50); during.p50 > healthy+2 {
		t.Errorf("median response %.1f ms with the queue slowed by 100 ms, %.1f ms before and %.1f ms after; want within 2 ms", during.p50, before.p50, after.p50)
	}
	if during.failed > 0 {
		t.Errorf("%d requests failed with the queue slowed", during.failed)
	}
	s := settle(t, e, false)
	if s.Events.Spooled == 0 {
		t.Errorf("no event went to the spool: %+v", s.Events)
	}
}

// A queue failing 30 % of its calls loses nothing either.
func TestFailingQueueLosesNoEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("load scenario")
	}
	e := newEngine(t, Options{Rate: 200})
	e.Start()
	waitSeconds(t, e, 1)
	failedBefore := e.Snapshot().Requests.Failed
	must(t, e.FailRate("queue", 0.3))
	waitSeconds(t, e, 4)
	must(t, e.Heal("queue"))
	s := settle(t, e, true)
	t.Logf("requests %+v events %+v", s.Requests, s.Events)
	if s.Requests.Failed != failedBefore || s.Events.Shed != 0 || s.Events.Spooled == 0 {
		t.Errorf("requests %+v events %+v: want none failed, some events spooled, none shed", s.Requests, s.Events)
	}
}

// product is a product as the users see it.
type product struct {
	PriceCents int    `json:"price_cents"`
	Source     string `json:"source"`
}

// call sends one request through the front door as a user would.
func call(t *testing.T, e *Engine, method string, id int, body string) (int, product) {
	t.Helper()
	req, err := http.NewRequest(method, fmt.Sprintf("%s/products/%d", e.FrontDoor(), id), bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Api-Key", "demo-key-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p product
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, p
}

// With the cache failing, writes are acknowledged while their DELs fail;
// once the cache is back, no read returns a price from before the write,
// though the cache still holds it: the key is not trusted until the relay
// has deleted it. The breaker is off, so reads do ask the cache.
func TestNoStaleReadAfterAnAcknowledgedWrite(t *testing.T) {
	for _, rate := range []float64{1, 0.3} {
		t.Run(fmt.Sprintf("fail cache %v", rate), func(t *testing.T) {
			e := newEngine(t, Options{})
			e.SetBreaker(false)
			const writes = 20
			for id := 1; id <= writes; id++ {
				call(t, e, http.MethodGet, id, "")
				if _, p := call(t, e, http.MethodGet, id, ""); p.Source != "Cache" {
					t.Fatalf("product %d read from %q, want the cache (warm)", id, p.Source)
				}
			}
			must(t, e.FailRate("cache", rate))
			want := map[int]int{}
			for id := 1; id <= writes; id++ {
				want[id] = 10_000 + id
				if code, _ := call(t, e, http.MethodPut, id, fmt.Sprintf(`{"price_cents": %d}`, want[id])); code != http.StatusOK {
					t.Fatalf("write of product %d: %d", id, code)
				}
			}
			must(t, e.Heal("cache"))
			for round := range 2 {
				for id := 1; id <= writes; id++ {
					if _, p := call(t, e, http.MethodGet, id, ""); p.PriceCents != want[id] {
						t.Errorf("round %d: product %d read %d from %s after an acknowledged write of %d", round, id, p.PriceCents, p.Source, want[id])
					}
				}
			}
			deadline := time.Now().Add(3 * time.Second)
			for e.relay.Stats().Stale > 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if st := e.relay.Stats(); st.Stale != 0 {
				t.Errorf("%d keys still untrusted 3 s after the heal", st.Stale)
			}
		})
	}
}

// A long run keeps the idempotency record bounded: applied ids older than
// the window, with nothing left to redeliver, are pruned.
func TestAppliedEventsStayBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("load scenario")
	}
	const window = 500 * time.Millisecond // ids are kept twice as long
	e := newEngine(t, Options{Rate: 200, DedupeWindow: window})
	e.Start()
	var most int
	for range 5 {
		waitSeconds(t, e, 1)
		n, err := e.db.Applied(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		most = max(most, n)
	}
	t.Logf("applied_events held at most %d ids", most)
	// 200 events a second kept for 1 s, plus a second between prunes.
	if most > 600 {
		t.Errorf("applied_events held up to %d ids; want at most about 2 s of events (400)", most)
	}
	s := settle(t, e, false)
	if s.Events.Processed < 800 || most == 0 {
		t.Errorf("processed %d events, the record held at most %d", s.Events.Processed, most)
	}
}
