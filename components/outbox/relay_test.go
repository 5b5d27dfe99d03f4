package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/outbox"
	"github.com/archex/archex/components/queue"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/components/trace/tracetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeQueue keeps what it is given, or fails, or hangs until its caller
// gives up.
type fakeQueue struct {
	mu        sync.Mutex
	events    []event.Event
	calls     int
	fail      error
	hang      bool
	deadlines []time.Duration // what each call had left
}

func (q *fakeQueue) Name() string { return "Message Queue" }

func (q *fakeQueue) Publish(ctx context.Context, ev event.Event) (string, time.Duration, error) {
	p, err := q.PublishBatch(ctx, []event.Event{ev})
	return p.StreamID, p.Took, err
}

func (q *fakeQueue) PublishBatch(ctx context.Context, evs []event.Event) (queue.Published, error) {
	q.mu.Lock()
	q.calls++
	if d, ok := ctx.Deadline(); ok {
		q.deadlines = append(q.deadlines, time.Until(d))
	}
	fail, hang := q.fail, q.hang
	if fail == nil && !hang {
		q.events = append(q.events, evs...)
	}
	q.mu.Unlock()
	switch {
	case hang:
		<-ctx.Done()
		return queue.Published{}, ctx.Err()
	case fail != nil:
		return queue.Published{}, fail
	}
	return queue.Published{Added: len(evs), StreamID: "1-0", Duplicate: make([]bool, len(evs))}, nil
}

func (q *fakeQueue) set(fail error, hang bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.fail, q.hang = fail, hang
}

func (q *fakeQueue) published() []event.Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]event.Event(nil), q.events...)
}

// firstDeadline is what the first call had left of its context.
func (q *fakeQueue) firstDeadline() time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.deadlines) == 0 {
		return -1
	}
	return q.deadlines[0]
}

func (q *fakeQueue) callCount() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.calls
}

// fakeCache takes DELs, or fails them.
type fakeCache struct {
	mu   sync.Mutex
	fail bool
	dels []string
}

func (c *fakeCache) Name() string { return "Cache" }

func (c *fakeCache) Del(ctx context.Context, key string) (time.Duration, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail {
		return 0, fmt.Errorf("Cache: DEL: %w", model.ErrInjected)
	}
	c.dels = append(c.dels, key)
	return 0, nil
}

func (c *fakeCache) setFail(f bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fail = f
}

func (c *fakeCache) deleted() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.dels...)
}

var errDown = fmt.Errorf("Message Queue: XADD events: %w (connection refused)", model.ErrDown)

type system struct {
	relay *outbox.Relay
	q     *fakeQueue
	cache *fakeCache
	db    *database.Database
	rec   *tracetest.Recorder
	n     int
}

// newSystem runs a relay on a fake queue and cache and a real database
// (no modeled latency); edit may change the relay's config.
func newSystem(t *testing.T, dir string, edit func(*outbox.Config)) *system {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	db, err := database.Open(database.Config{Dir: dir, Products: 50})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	s := &system{q: &fakeQueue{}, cache: &fakeCache{}, db: db, rec: &tracetest.Recorder{}}
	cfg := outbox.Config{Service: "Service Layer", Queue: s.q, Store: db, Caches: []outbox.Cache{s.cache}, Recorder: s.rec}
	if edit != nil {
		edit(&cfg)
	}
	s.relay, err = outbox.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.relay.Start()
	t.Cleanup(s.relay.Close) // before the database closes
	return s
}

func (s *system) view() event.Event {
	s.n++
	return event.Event{ID: fmt.Sprintf("ev-%d", s.n), Type: event.ProductViewed, Product: 1 + s.n%50,
		Trace: trace.ID(fmt.Sprintf("t-%d", s.n)), Published: time.Now()}
}

// write commits a price change of product with its outbox rows, as the
// service does, and hands them over; invalidated says whether its own DEL
// worked.
func (s *system) write(t *testing.T, product int, invalidated bool) []database.OutboxRow {
	t.Helper()
	s.n++
	tr := trace.ID(fmt.Sprintf("t-%d", s.n))
	now := time.Now()
	rows := []database.OutboxRow{
		{Event: event.Event{ID: fmt.Sprintf("ev-%d", s.n), Type: event.ProductUpdated, Product: product, Trace: tr, Published: now}, Trace: tr, Created: now},
		{Key: fmt.Sprintf("product:%d", product), Trace: tr, Created: now},
	}
	if _, err := s.db.UpdatePrice(context.Background(), product, 100+s.n, rows); err != nil {
		t.Fatal(err)
	}
	if rows[0].Seq == 0 || rows[1].Seq <= rows[0].Seq {
		t.Fatalf("rows %+v: want increasing seqs from the commit", rows)
	}
	s.relay.Committed(rows, invalidated)
	return rows
}

func (s *system) outboxRows(t *testing.T) int {
	t.Helper()
	n, err := s.db.OutboxRows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// checkBooks fails unless every event created is published, waiting or shed.
func checkBooks(t *testing.T, s *system) {
	t.Helper()
	st := s.relay.Stats()
	if got := int64(len(s.q.published())) + int64(st.Pending()) + st.Shed; got != st.Created {
		t.Errorf("created %d != published %d + pending %d + shed %d", st.Created, len(s.q.published()), st.Pending(), st.Shed)
	}
}

func TestAReadsEventGoesStraightToTheQueueWithTheTimeout(t *testing.T) {
	s := newSystem(t, "", nil)
	o := s.relay.Publish(context.Background(), s.view())
	if o.Fate != outbox.Published || !o.Tried {
		t.Fatalf("outcome %+v, want published", o)
	}
	if d := s.q.firstDeadline(); d < 0 || d > outbox.DefaultPublishTimeout {
		t.Errorf("the queue was given %v, want at most the publish timeout (%v)", d, outbox.DefaultPublishTimeout)
	}
	if st := s.relay.Stats(); st.Created != 1 || st.Pending() != 0 || st.Spooled != 0 {
		t.Errorf("stats %+v, want 1 created, nothing waiting", st)
	}
}

func TestASickQueueSpoolsReadEventsUntilItAnswers(t *testing.T) {
	s := newSystem(t, "", nil)
	s.q.set(errDown, false)
	first := s.relay.Publish(context.Background(), s.view())
	if first.Fate != outbox.Spooled || !first.Tried || !errors.Is(first.Err, model.ErrDown) || first.Waiting != 1 {
		t.Fatalf("first outcome %+v, want spooled after trying the queue", first)
	}
	calls := s.q.callCount()
	for range 5 {
		if o := s.relay.Publish(context.Background(), s.view()); o.Fate != outbox.Spooled || o.Tried {
			t.Fatalf("outcome %+v, want spooled without trying a queue known sick", o)
		}
	}
	// The relay keeps trying on its own, not on the readers' time.
	if st := s.relay.Stats(); st.Spool != 6 || !st.Sick {
		t.Errorf("stats %+v, want 6 in the spool and the queue known sick", st)
	}
	s.q.set(nil, false)
	eventually(t, 2*time.Second, "the spool was published", func() bool { return len(s.q.published()) == 6 })
	eventually(t, time.Second, "the spool emptied", func() bool { st := s.relay.Stats(); return st.Spool == 0 && !st.Sick })
	if got := s.q.callCount() - calls; got < 1 {
		t.Errorf("the relay made %d calls", got)
	}
	// Each late publish is a hop of the request's trace, after the fact
	// (recorded once the queue has answered: just after it has the event).
	eventually(t, time.Second, "the late publish was recorded", func() bool { return len(s.rec.Of("t-2")) > 0 })
	hops := s.rec.Of("t-2")
	if len(hops) != 1 || !hops[0].Async || hops[0].Instance != outbox.Instance || hops[0].To != "Message Queue" {
		t.Errorf("hops of a spooled event %+v, want one async hop of the relay to the queue", hops)
	}
	checkBooks(t, s)
	// The queue answers again: reads go straight to it.
	if o := s.relay.Publish(context.Background(), s.view()); o.Fate != outbox.Published {
		t.Errorf("outcome after the recovery %+v, want published", o)
	}
}

func TestAHangingQueueCostsAReadOnlyThePublishTimeout(t *testing.T) {
	s := newSystem(t, "", func(c *outbox.Config) { c.PublishTimeout = 5 * time.Millisecond })
	s.q.set(nil, true)
	o := s.relay.Publish(context.Background(), s.view())
	if o.Fate != outbox.Spooled || !errors.Is(o.Err, context.DeadlineExceeded) {
		t.Fatalf("outcome %+v, want spooled after the timeout", o)
	}
	if d := s.q.firstDeadline(); d < 0 || d > 5*time.Millisecond {
		t.Errorf("the read gave the queue %v, want at most 5 ms", d)
	}
}

func TestAFullSpoolShedsAndCountsWhatItDrops(t *testing.T) {
	s := newSystem(t, "", func(c *outbox.Config) { c.SpoolSize = 3 })
	s.q.set(errDown, false)
	var fates []outbox.Fate
	for range 5 {
		fates = append(fates, s.relay.Publish(context.Background(), s.view()).Fate)
	}
	want := []outbox.Fate{outbox.Spooled, outbox.Spooled, outbox.Spooled, outbox.Shed, outbox.Shed}
	if fmt.Sprint(fates) != fmt.Sprint(want) {
		t.Errorf("fates %v, want %v", fates, want)
	}
	if st := s.relay.Stats(); st.Created != 5 || st.Spool != 3 || st.Shed != 2 {
		t.Errorf("stats %+v, want 5 created, 3 spooled, 2 shed", st)
	}
	s.q.set(nil, false)
	eventually(t, 2*time.Second, "the spool was published", func() bool { return s.relay.Stats().Spool == 0 })
	checkBooks(t, s)
}

func TestAWritesEventIsPublishedFromTheOutboxAndItsRowsDeleted(t *testing.T) {
	s := newSystem(t, "", nil)
	s.write(t, 7, true)
	eventually(t, 2*time.Second, "the write's event was published", func() bool { return len(s.q.published()) == 1 })
	if ev := s.q.published()[0]; ev.Type != event.ProductUpdated || ev.Product != 7 {
		t.Errorf("published %+v, want product 7's update", ev)
	}
	eventually(t, 2*time.Second, "the outbox table emptied", func() bool { return s.outboxRows(t) == 0 })
	if st := s.relay.Stats(); st.Created != 1 || st.Pending() != 0 || st.Undeleted != 0 || st.Stale != 0 {
		t.Errorf("stats %+v, want 1 created, nothing left", st)
	}
	if d := s.cache.deleted(); len(d) != 0 {
		t.Errorf("the relay deleted %v; the service's own DEL worked", d)
	}
}

func TestOutboxRowsBeyondMemoryAreReadBackFromTheTable(t *testing.T) {
	s := newSystem(t, "", func(c *outbox.Config) { c.MemRows = 4; c.Batch = 3 })
	s.q.set(errDown, false)
	const writes = 15
	for i := 1; i <= writes; i++ {
		s.write(t, i, true)
	}
	if st := s.relay.Stats(); st.Outbox != writes {
		t.Errorf("outbox %d, want %d: every committed event waits, held in memory or not", st.Outbox, writes)
	}
	s.q.set(nil, false)
	eventually(t, 3*time.Second, "every write's event was published", func() bool { return s.relay.Stats().Outbox == 0 })
	seen := map[string]int{}
	for _, ev := range s.q.published() {
		seen[ev.ID]++
	}
	if len(seen) != writes {
		t.Errorf("published %d distinct events, want %d", len(seen), writes)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s published %d times, want once", id, n)
		}
	}
	eventually(t, 2*time.Second, "the outbox table emptied", func() bool { return s.outboxRows(t) == 0 })
	checkBooks(t, s)
}

func TestRowsAnEarlierRunLeftAreDelivered(t *testing.T) {
	dir := t.TempDir()
	first := newSystem(t, dir, nil)
	first.q.set(errDown, false)
	first.cache.setFail(true)
	first.write(t, 3, false) // its event and its invalidation are left undone
	first.relay.Close()
	first.db.Close()

	s := newSystem(t, dir, nil)
	eventually(t, 2*time.Second, "the event left by the earlier run was published", func() bool { return len(s.q.published()) == 1 })
	eventually(t, 2*time.Second, "its invalidation was done", func() bool { return len(s.cache.deleted()) == 1 })
	if st := s.relay.Stats(); st.Created != 1 || st.Carried != 1 {
		t.Errorf("stats %+v, want the carried event counted as created", st)
	}
	eventually(t, 2*time.Second, "the outbox table emptied", func() bool { return s.outboxRows(t) == 0 })
	checkBooks(t, s)
}

func TestAFailedInvalidationIsRetriedAndTheKeyUntrustedUntilThen(t *testing.T) {
	s := newSystem(t, "", nil)
	s.cache.setFail(true)
	s.write(t, 9, false)
	s.write(t, 9, false)
	if !s.relay.Untrusted("product:9") || s.relay.Untrusted("product:8") {
		t.Fatal("product:9 must be untrusted after its DEL failed, product:8 not")
	}
	if st := s.relay.Stats(); st.Stale != 1 || st.Invalidations != 2 {
		t.Errorf("stats %+v, want 1 stale key with 2 writes waiting", st)
	}
	s.cache.setFail(false)
	eventually(t, 2*time.Second, "the invalidation was retried", func() bool { return !s.relay.Untrusted("product:9") })
	if d := s.cache.deleted(); len(d) == 0 || d[0] != "product:9" {
		t.Errorf("deleted %v, want product:9", d)
	}
	eventually(t, 2*time.Second, "the outbox table emptied", func() bool { return s.outboxRows(t) == 0 })
	var dels int
	for _, h := range s.rec.Where(func(h trace.Hop) bool { return h.Op == "DEL" && h.Async }) {
		if h.Instance == outbox.Instance && h.To == "Cache" {
			dels++
		}
	}
	if dels != 2 {
		t.Errorf("%d retried DEL hops, want one for each write", dels)
	}
}

func TestCloseStopsTheLoopsWhileTheQueueHangs(t *testing.T) {
	s := newSystem(t, "", func(c *outbox.Config) { c.CallTimeout = time.Hour })
	s.q.set(nil, true)
	s.relay.Publish(context.Background(), s.view())
	eventually(t, time.Second, "the relay is trying the queue", func() bool { return s.q.callCount() >= 2 })
	done := make(chan struct{})
	go func() { s.relay.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return while a publish hung")
	}
}
