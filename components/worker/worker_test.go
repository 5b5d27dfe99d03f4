package worker_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/queue"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/components/trace/tracetest"
	"github.com/archex/archex/components/worker"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// products in the test catalog; events about others are poison.
const products = 50

// recorder keeps every hop.
type recorder struct{ tracetest.Recorder }

// panics keeps what OnPanic was told.
type panics struct {
	mu     sync.Mutex
	values []string
}

func (p *panics) report(component string, v any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.values = append(p.values, fmt.Sprintf("%s: %v", component, v))
}

func (p *panics) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.values...)
}

type system struct {
	q      *queue.Queue
	db     *database.Database
	w      *worker.Worker
	rec    *recorder
	panics *panics
	next   atomic.Int64 // event ids
}

// newSystem opens a queue and a database and a worker on them (not started).
// edit may change the worker's config.
func newSystem(t *testing.T, qcfg queue.Config, edit func(*worker.Config)) *system {
	t.Helper()
	q, err := queue.Open(qcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	db, err := database.Open(database.Config{Dir: t.TempDir(), Products: products})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	s := &system{q: q, db: db, rec: &recorder{}, panics: &panics{}}
	cfg := worker.Config{
		Queue:     q,
		Store:     db,
		ClaimIdle: 100 * time.Millisecond,
		Latency:   worker.DefaultLatency,
		QueueName: "Message Queue",
		StoreName: "Database",
		Recorder:  s.rec,
		OnPanic:   s.panics.report,
	}
	if edit != nil {
		edit(&cfg)
	}
	s.w, err = worker.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.w.Stop) // runs before the queue and the database close
	return s
}

// publish publishes a view of product and returns the event.
func (s *system) publish(t *testing.T, product int) event.Event {
	t.Helper()
	n := s.next.Add(1)
	ev := event.Event{
		ID:      fmt.Sprintf("ev-%d", n),
		Type:    event.ProductViewed,
		Product: product,
		Trace:   trace.ID(fmt.Sprintf("t-%d", n)),
	}
	if _, _, err := s.q.Publish(context.Background(), ev); err != nil {
		t.Fatalf("publish %s: %v", ev.ID, err)
	}
	return ev
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

// drained waits until the queue holds nothing and every event published is
// accounted for as processed or dead-lettered. (A consumer counts what it
// acknowledged just after the queue has deleted it: the two figures agree
// once nothing is in flight.)
func (s *system) drained(t *testing.T, within time.Duration) {
	t.Helper()
	eventually(t, within, "the queue did not drain", func() bool {
		qs, ws := s.q.Stats(), s.w.Stats()
		return qs.Depth == 0 && ws.Processed+qs.DeadLettered == qs.Published
	})
}

// applied is the database's count of applied events.
func (s *system) applied(t *testing.T) int {
	t.Helper()
	n, err := s.db.Applied(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// views sums the views over the catalog.
func (s *system) views(t *testing.T) int {
	t.Helper()
	sum := 0
	for id := 1; id <= products; id++ {
		n, err := s.db.Views(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		sum += n
	}
	return sum
}

// checkAccounts checks, once drained, that every event published is either
// processed (and applied exactly once) or dead-lettered.
func (s *system) checkAccounts(t *testing.T) {
	t.Helper()
	qs, ws := s.q.Stats(), s.w.Stats()
	if got := ws.Processed + qs.DeadLettered + int64(qs.Depth); got != qs.Published {
		t.Errorf("published %d != processed %d + dead-lettered %d + queued %d", qs.Published, ws.Processed, qs.DeadLettered, qs.Depth)
	}
	if applied := s.applied(t); int64(applied) != ws.Processed {
		t.Errorf("database applied %d events, worker processed %d", applied, ws.Processed)
	}
	if views := s.views(t); int64(views) != ws.Processed {
		t.Errorf("views sum to %d, worker processed %d view events", views, ws.Processed)
	}
}

func TestKilledWorkerBacklogDrainsAfterRevive(t *testing.T) {
	s := newSystem(t, queue.Config{}, nil)
	s.w.Start()

	// An open-loop publisher at about 200 events/s.
	stop := make(chan struct{})
	var published atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
				s.publish(t, 1+i%products)
				published.Add(1)
			}
		}
	})
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()

	eventually(t, 2*time.Second, "nothing processed while the worker runs", func() bool { return s.w.Stats().Processed >= 20 })
	s.w.Kill()
	if st := s.w.Stats(); !st.Down || st.Consumers != 0 {
		t.Fatalf("killed worker: %+v, want down with no consumers", st)
	}
	processedWhileDown := s.w.Stats().Processed
	depthAtKill := s.q.Stats().Depth
	eventually(t, 3*time.Second, "the backlog did not grow while the worker was down", func() bool {
		return s.q.Stats().Depth >= depthAtKill+100
	})
	if st := s.w.Stats(); st.Processed != processedWhileDown {
		t.Fatalf("a killed worker processed %d events", st.Processed-processedWhileDown)
	}
	s.w.Revive()
	eventually(t, 2*time.Second, "nothing processed after revive", func() bool {
		return s.w.Stats().Processed > processedWhileDown+100
	})
	close(stop)
	wg.Wait()

	s.drained(t, 5*time.Second)
	if n := published.Load(); s.q.Stats().Published != n || s.w.Stats().Processed != n {
		t.Errorf("published %d, queue counted %d, worker processed %d", n, s.q.Stats().Published, s.w.Stats().Processed)
	}
	// Failed may be above 0: two consumers committing at once can get
	// SQLITE_BUSY from the database; the batch is then redelivered.
	if st := s.w.Stats(); st.DeadLettered != 0 {
		t.Errorf("worker stats %+v: nothing should be dead-lettered", st)
	}
	s.checkAccounts(t)
}

func TestCrashAfterCommitIsRedeliveredAndAppliedOnce(t *testing.T) {
	s := newSystem(t, queue.Config{}, nil)
	const n = 5
	for i := 1; i <= n; i++ {
		s.publish(t, i)
	}
	s.w.CrashNext()
	s.w.Start()

	eventually(t, 3*time.Second, "the crashed batch was not finished", func() bool { return s.w.Stats().Processed == n })
	st := s.w.Stats()
	if st.Panics != 1 {
		t.Errorf("%d panics recovered, want 1", st.Panics)
	}
	// The whole batch was committed by the consumer that crashed, so every
	// redelivery found it applied.
	if st.Duplicated != n {
		t.Errorf("duplicated %d, want %d: the crashed batch comes back already applied", st.Duplicated, n)
	}
	if got := s.applied(t); got != n {
		t.Errorf("database applied %d events, want %d", got, n)
	}
	reported := s.panics.list()
	if len(reported) != 1 || !strings.HasPrefix(reported[0], "Background Worker: worker-") || !strings.Contains(reported[0], "before acknowledging") {
		t.Errorf("OnPanic was told %q, want one crash of a Background Worker consumer", reported)
	}
	// A consumer named anew took the crashed one's place.
	eventually(t, time.Second, "the crashed consumer did not restart", func() bool { return s.w.Stats().Consumers == 2 })
	hops := s.rec.Of("t-1")
	last := hops[len(hops)-1]
	if last.Detail != "already applied: nothing changed (redelivery)" || last.Outcome != trace.OK {
		t.Errorf("last hop of a redelivered event: %+v", last)
	}
	s.checkAccounts(t)
}

func TestPanicInAConsumerIsRecovered(t *testing.T) {
	var once atomic.Bool
	var s *system
	s = newSystem(t, queue.Config{}, func(c *worker.Config) {
		c.Store = storeFunc(func(ctx context.Context, evs []event.Event) ([]event.Result, database.Query, error) {
			if once.CompareAndSwap(false, true) {
				var m map[string]int
				m["boom"]++ // a real bug: assignment to a nil map
			}
			return s.db.ApplyEvents(ctx, evs)
		})
	})
	s.publish(t, 1)
	s.w.Start()
	eventually(t, 3*time.Second, "the event was not processed after the panic", func() bool { return s.w.Stats().Processed == 1 })
	if got := s.panics.list(); len(got) != 1 || !strings.Contains(got[0], "nil map") {
		t.Errorf("OnPanic was told %q, want the nil map panic", got)
	}
	s.checkAccounts(t)
}

type storeFunc func(context.Context, []event.Event) ([]event.Result, database.Query, error)

func (f storeFunc) ApplyEvents(ctx context.Context, evs []event.Event) ([]event.Result, database.Query, error) {
	return f(ctx, evs)
}

func (f storeFunc) PruneApplied(context.Context, time.Time, int) (int, database.Query, error) {
	return 0, database.Query{}, nil
}

func TestPoisonEventIsDeadLetteredAfterMaxTries(t *testing.T) {
	s := newSystem(t, queue.Config{}, nil)
	s.w.Start()
	poison := s.publish(t, 999999)

	// Keep good events flowing while the poison comes round.
	good := 0
	eventually(t, 5*time.Second, "the poison event was not dead-lettered", func() bool {
		s.publish(t, 1+good%products)
		good++
		return s.q.Stats().DeadLettered == 1
	})
	goodBefore := good
	s.drained(t, 2*time.Second)

	dl, err := s.q.DeadLetters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(dl) != 1 || dl[0].Event.ID != poison.ID || dl[0].Tries != queue.DefaultMaxTries {
		t.Fatalf("dead letters %+v, want %s after exactly %d tries", dl, poison.ID, queue.DefaultMaxTries)
	}
	if !strings.Contains(dl[0].Reason, "product 999999 does not exist") {
		t.Errorf("dead letter reason %q does not say why", dl[0].Reason)
	}
	st := s.w.Stats()
	if st.Rejected != queue.DefaultMaxTries || st.DeadLettered != 1 {
		t.Errorf("worker stats %+v, want %d rejections and 1 dead letter", st, queue.DefaultMaxTries)
	}
	if st.Processed != int64(goodBefore) {
		t.Errorf("processed %d good events, want all %d", st.Processed, goodBefore)
	}

	// The poison's story, hop by hop: five deliveries, five rejections, the
	// last one dead-lettered.
	var details []string
	for _, h := range s.rec.Of(poison.Trace) {
		if h.To == "Database" {
			details = append(details, h.Detail)
			if h.Outcome != trace.Error {
				t.Errorf("rejection hop %q has outcome %v, want error", h.Detail, h.Outcome)
			}
		}
	}
	want := []string{
		"rejected: product 999999 does not exist (try 1 of 5)",
		"rejected: product 999999 does not exist (try 2 of 5)",
		"rejected: product 999999 does not exist (try 3 of 5)",
		"rejected: product 999999 does not exist (try 4 of 5)",
		"rejected: product 999999 does not exist (try 5 of 5): dead-lettered",
	}
	if strings.Join(details, "\n") != strings.Join(want, "\n") {
		t.Errorf("poison hops:\n%s\nwant:\n%s", strings.Join(details, "\n"), strings.Join(want, "\n"))
	}
	s.checkAccounts(t)
}

func TestDatabaseDownDeadLettersNothing(t *testing.T) {
	// Two tries before a rejection is dead-lettered: an outage delivers
	// each event more often than that.
	s := newSystem(t, queue.Config{MaxTries: 2}, nil)
	s.w.Start()
	s.db.Kill()
	const n = 30
	for i := range n {
		s.publish(t, 1+i%products)
	}
	eventually(t, 3*time.Second, "events were not delivered more than MaxTries times during the outage", func() bool {
		for _, h := range s.rec.Of("t-1") {
			if strings.Contains(h.Detail, "(try 3,") {
				return true
			}
		}
		return false
	})
	if st := s.w.Stats(); st.Failed == 0 || st.DeadLettered != 0 || st.Processed != 0 {
		t.Fatalf("during the outage: %+v, want failures, nothing processed, nothing dead-lettered", st)
	}
	hops := s.rec.Of("t-1")
	if h := hops[1]; h.To != "Database" || h.Outcome != trace.Error || !strings.Contains(h.Detail, "left pending") {
		t.Errorf("failed apply hop %+v, want an error saying the batch is left pending", h)
	}

	if err := s.db.Revive(); err != nil {
		t.Fatal(err)
	}
	s.drained(t, 5*time.Second)
	if st := s.w.Stats(); st.Processed != n || st.DeadLettered != 0 {
		t.Errorf("after the outage: %+v, want all %d processed and nothing dead-lettered", st, n)
	}
	s.checkAccounts(t)
}

func TestKilledQueueKeepsItsBacklog(t *testing.T) {
	s := newSystem(t, queue.Config{Latency: queue.DefaultLatency}, nil)
	const n = 20
	for i := range n {
		s.publish(t, 1+i%products)
	}
	s.q.Kill()
	start := time.Now()
	_, _, err := s.q.Publish(context.Background(), event.Event{ID: "late", Type: event.ProductViewed, Product: 1})
	if took := time.Since(start); took > 50*time.Millisecond {
		t.Errorf("publish to a dead queue took %v", took)
	}
	if !errors.Is(err, model.ErrDown) {
		t.Fatalf("publish to a dead queue: %v, want model.ErrDown", err)
	}
	s.w.Start() // consumers find the queue down and back off
	eventually(t, time.Second, "consumers did not start", func() bool { return s.w.Stats().Consumers == 2 })
	if err := s.q.Revive(); err != nil {
		t.Fatal(err)
	}
	s.drained(t, 5*time.Second)
	if st := s.w.Stats(); st.Processed != n {
		t.Errorf("processed %d after revive, want the %d published before the kill", st.Processed, n)
	}
	s.checkAccounts(t)
}

func TestHopsOfTheAsyncBranch(t *testing.T) {
	s := newSystem(t, queue.Config{}, nil)
	s.w.Start()
	ev := s.publish(t, 7)
	untraced := event.Event{ID: "quiet", Type: event.ProductViewed, Product: 8}
	if _, _, err := s.q.Publish(context.Background(), untraced); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "the event was not processed", func() bool { return s.w.Stats().Processed == 2 })

	hops := s.rec.Of(ev.Trace)
	if len(hops) != 2 {
		t.Fatalf("%d hops for one event, want 2: %+v", len(hops), hops)
	}
	deliver, apply := hops[0], hops[1]
	if deliver.From != "Message Queue" || deliver.To != "Background Worker" || !deliver.Async || deliver.Outcome != trace.OK {
		t.Errorf("first hop %+v, want Message Queue -> Background Worker, async, ok", deliver)
	}
	if !strings.HasPrefix(deliver.Instance, "worker-") || !strings.HasPrefix(deliver.Detail, "deliver product.viewed ") ||
		!strings.Contains(deliver.Detail, "(waited ") {
		t.Errorf("first hop instance %q detail %q", deliver.Instance, deliver.Detail)
	}
	if deliver.Start.IsZero() || deliver.Duration <= 0 {
		t.Errorf("first hop starts %v and lasts %v: it starts at publish and lasts until delivery", deliver.Start, deliver.Duration)
	}
	if apply.From != "Background Worker" || apply.To != "Database" || !apply.Async || apply.Outcome != trace.OK ||
		apply.Instance != deliver.Instance {
		t.Errorf("second hop %+v, want Background Worker -> Database by the same consumer, async, ok", apply)
	}
	if !strings.HasPrefix(apply.Detail, "INSERT applied_events + UPDATE product_stats (batch of ") {
		t.Errorf("second hop detail %q", apply.Detail)
	}
	if apply.Start.Before(deliver.End()) {
		t.Errorf("the apply starts %v before the delivery ends", deliver.End().Sub(apply.Start))
	}
	if got := s.rec.Of(""); len(got) != 0 {
		t.Errorf("%d hops recorded for an event without a trace", len(got))
	}
}

func TestStopIsPromptDuringASlowBatch(t *testing.T) {
	s := newSystem(t, queue.Config{}, nil)
	s.w.Faults().SetSlow(time.Hour)
	s.publish(t, 1)
	s.w.Start()
	eventually(t, 2*time.Second, "no consumer took the batch", func() bool { return s.w.Stats().Busy == 1 })
	start := time.Now()
	s.w.Stop()
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("stop took %v during a slow batch", took)
	}
	if st := s.q.Stats(); st.Depth != 1 || st.Pending != 1 {
		t.Errorf("queue %+v after stopping mid-batch, want the message still pending", st)
	}
	if st := s.w.Stats(); st.Failed != 0 || st.Processed != 0 {
		t.Errorf("worker %+v: a stop is not a failure", st)
	}
}

// The idempotency record is pruned, but never of an id whose message could
// still come back: here a crash leaves a committed batch pending for a
// second, far longer than the ids are kept, and the redelivery still finds
// it applied.
func TestPruningForgetsOnlyWhatCannotComeBack(t *testing.T) {
	s := newSystem(t, queue.Config{}, func(c *worker.Config) {
		c.ClaimIdle = time.Second
		c.KeepApplied = 20 * time.Millisecond
		c.PruneEvery = 10 * time.Millisecond
	})
	const n = 5
	for i := 1; i <= n; i++ {
		s.publish(t, i)
	}
	s.w.CrashNext()
	s.w.Start()
	eventually(t, 5*time.Second, "the crashed batch was finished", func() bool { return s.w.Stats().Processed == n })
	if st := s.w.Stats(); st.Duplicated != n {
		t.Errorf("duplicated %d, want %d: the redelivered batch must be found applied, not applied again", st.Duplicated, n)
	}
	if v := s.views(t); v != n {
		t.Errorf("views sum to %d, want %d: each event applied once", v, n)
	}
	// With the stream empty, every id is older than KeepApplied soon.
	eventually(t, 2*time.Second, "the applied ids were pruned", func() bool { return s.applied(t) == 0 })
	if st := s.w.Stats(); st.Pruned != n {
		t.Errorf("pruned %d ids, want %d", st.Pruned, n)
	}
}

// busyStore is the database, saying it is saturated when told to.
type busyStore struct {
	*database.Database
	busy bool
}

func (b busyStore) Saturated() bool { return b.busy }

// While the store is saturated, a consumer waits for a batch that is not full
// to fill (a group commit): the same trickle of events takes far fewer
// statements than while the store has connections to spare.
func TestSaturatedStoreGetsFullerBatches(t *testing.T) {
	perBatch := map[bool]float64{}
	for _, busy := range []bool{false, true} {
		s := newSystem(t, queue.Config{}, func(c *worker.Config) {
			c.Consumers = 1
			c.Store = busyStore{Database: c.Store.(*database.Database), busy: busy}
		})
		s.w.Start()
		const events = 200
		for i := range events {
			s.publish(t, 1+i%products)
			time.Sleep(time.Millisecond) // a trickle: a few arrive during each batch
		}
		s.drained(t, 5*time.Second)
		s.checkAccounts(t)
		st := s.w.Stats()
		perBatch[busy] = float64(st.Processed) / float64(st.Batches)
		t.Logf("saturated %-5v: %d events in %d batches (%.1f a batch)", busy, st.Processed, st.Batches, perBatch[busy])
		s.w.Stop()
	}
	if perBatch[true] < 8 || perBatch[true] < 2*perBatch[false] {
		t.Errorf("events a batch: %.1f with the store saturated, %.1f not; want at least 8 and twice as many", perBatch[true], perBatch[false])
	}
}
