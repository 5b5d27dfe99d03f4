package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/archex/archex/components/cache"
	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/generic"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/outbox"
	queuepkg "github.com/archex/archex/components/queue"
	"github.com/archex/archex/components/resource"
	"github.com/archex/archex/components/service"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/components/trace/tracetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The card's names, passed to the components.
const (
	svcName   = "Service Layer"
	cacheName = "Cache"
	dbName    = "Database"
	queueName = "Message Queue"
)

// products in the test catalog.
const products = 100

// recorder keeps every hop.
type recorder struct{ tracetest.Recorder }

func (r *recorder) count(match func(trace.Hop) bool) int { return len(r.Where(match)) }

// queue is the relay's queue: it keeps what it is given, or fails.
type queue struct {
	mu     sync.Mutex
	events []event.Event
	fail   bool
}

func (q *queue) Name() string { return queueName }

func (q *queue) Publish(ctx context.Context, ev event.Event) (string, time.Duration, error) {
	p, err := q.PublishBatch(ctx, []event.Event{ev})
	return p.StreamID, 0, err
}

func (q *queue) PublishBatch(ctx context.Context, evs []event.Event) (queuepkg.Published, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fail {
		return queuepkg.Published{}, fmt.Errorf("%s: XADD: %w", queueName, model.ErrDown)
	}
	q.events = append(q.events, evs...)
	return queuepkg.Published{Added: len(evs), StreamID: fmt.Sprintf("%d-0", len(q.events))}, nil
}

func (q *queue) published() []event.Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]event.Event(nil), q.events...)
}

func (q *queue) setFail(fail bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.fail = fail
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

type system struct {
	svc    *service.Service
	relay  *outbox.Relay
	cache  *cache.Cache
	db     *database.Database
	q      *queue
	rec    *recorder
	client *http.Client
	addrs  []string
	next   atomic.Int64 // trace ids
}

type setup struct {
	cfg   service.Config
	store func(*database.Database) service.Store // wraps the database
	// relayCache wraps a cache as the outbox relay sees it.
	relayCache func(service.CacheStore) outbox.Cache
	dbCfg      database.Config
}

// newSystem runs the service with a real cache and database (no modeled
// latency: cheap) and a fake queue, without a load balancer in front.
func newSystem(t *testing.T, edit func(*setup)) *system {
	t.Helper()
	s := &system{rec: &recorder{}, q: &queue{}}
	c, err := cache.Open(cache.Config{Name: cacheName, DeadHost: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	s.cache = c
	su := setup{
		cfg: service.Config{
			Name: svcName, Replicas: 1, Seed: 1,
			Plan:     service.DefaultPlan(cacheName, dbName, queueName),
			Caches:   []service.CacheStore{c},
			Recorder: s.rec,
			// Open long enough that no trial call happens in a test.
			Breaker: service.BreakerConfig{Failures: 5, OpenFor: time.Minute},
		},
		dbCfg: database.Config{Name: dbName, Dir: t.TempDir(), Products: products},
	}
	if edit != nil {
		edit(&su)
	}
	db, err := database.Open(su.dbCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	s.db = db
	su.cfg.Store = db
	if su.store != nil {
		su.cfg.Store = su.store(db)
	}
	rc := outbox.Config{Service: svcName, Queue: s.q, Recorder: s.rec, Store: db}
	if su.cfg.Store == nil {
		rc.Store = nil
	}
	for _, c := range su.cfg.Caches {
		var oc outbox.Cache = c
		if su.relayCache != nil {
			oc = su.relayCache(c)
		}
		rc.Caches = append(rc.Caches, oc)
	}
	relay, err := outbox.New(context.Background(), rc)
	if err != nil {
		t.Fatal(err)
	}
	relay.Start()
	t.Cleanup(relay.Close)
	s.relay, su.cfg.Relay = relay, relay
	svc, err := service.New(su.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	s.svc = svc
	_, s.addrs = svc.Replicas()
	tr := &http.Transport{MaxIdleConnsPerHost: 100}
	t.Cleanup(tr.CloseIdleConnections)
	s.client = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	return s
}

// answer is what the service answered.
type answer struct {
	code int
	body struct {
		ID         int    `json:"id"`
		Name       string `json:"name"`
		PriceCents int    `json:"price_cents"`
		Source     string `json:"source"`
		Replica    string `json:"replica"`
		Error      string `json:"error"`
	}
	err error
}

// send sends a request to replica i as the API gateway would, with a new
// trace id, which it returns.
func (s *system) send(i int, method, path, body string) (trace.ID, answer) {
	id := trace.ID(fmt.Sprintf("t-%d", s.next.Add(1)))
	var a answer
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://"+s.addrs[i]+path, rd)
	if err != nil {
		a.err = err
		return id, a
	}
	req.Header.Set(trace.HeaderID, string(id))
	trace.Send(req.Header, "API Gateway", time.Now())
	resp, err := s.client.Do(req)
	if err != nil {
		a.err = err
		return id, a
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a.code = resp.StatusCode
	if err := json.Unmarshal(b, &a.body); err != nil {
		a.err = fmt.Errorf("answer %d %q: %w", a.code, b, err)
	}
	return id, a
}

func (s *system) read(t *testing.T, product int) (trace.ID, answer) {
	t.Helper()
	id, a := s.send(0, http.MethodGet, fmt.Sprintf("/products/%d", product), "")
	if a.err != nil {
		t.Fatalf("GET /products/%d: %v", product, a.err)
	}
	return id, a
}

func (s *system) readOK(t *testing.T, product int) (trace.ID, answer) {
	t.Helper()
	id, a := s.read(t, product)
	if a.code != http.StatusOK {
		t.Fatalf("GET /products/%d: %d %q, want 200", product, a.code, a.body.Error)
	}
	return id, a
}

// step is one hop as a test expects it.
type step struct {
	from, to string
	outcome  trace.Outcome
}

func (s step) String() string { return fmt.Sprintf("%s -> %s (%v)", s.from, s.to, s.outcome) }

func steps(hops []trace.Hop) []step {
	out := make([]step, len(hops))
	for i, h := range hops {
		out[i] = step{h.From, h.To, h.Outcome}
	}
	return out
}

// syncHops are the hops recorded before the answer.
func syncHops(hops []trace.Hop) []trace.Hop {
	var out []trace.Hop
	for _, h := range hops {
		if !h.Async {
			out = append(out, h)
		}
	}
	return out
}

func checkHops(t *testing.T, what string, hops []trace.Hop, want ...step) {
	t.Helper()
	if got := steps(hops); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s hops:\n got  %v\n want %v", what, got, want)
	}
}

func TestColdReadMissesThenFillsAndTheSecondReadHits(t *testing.T) {
	s := newSystem(t, nil)
	id, a := s.readOK(t, 42)
	want, _, err := s.db.GetProduct(context.Background(), 42)
	if err != nil {
		t.Fatal(err)
	}
	if a.body.ID != 42 || a.body.Name != want.Name || a.body.PriceCents != want.PriceCents || a.body.Source != dbName || a.body.Replica != "replica-1" {
		t.Errorf("cold read %+v, want %+v from the database on replica-1", a.body, want)
	}
	cold := s.rec.Of(id)
	checkHops(t, "cold read", cold,
		step{"API Gateway", svcName, trace.OK},
		step{svcName, cacheName, trace.Miss},
		step{cacheName, svcName, trace.Miss},
		step{svcName, dbName, trace.OK},
		step{dbName, svcName, trace.OK},
		step{svcName, cacheName, trace.OK},
		step{svcName, queueName, trace.OK},
	)
	if len(cold) == 7 {
		for i, want := range []string{"", "GET product:42", "MISS product:42", "SELECT name, price_cents FROM products WHERE id=42", "1 row: ", "SET product:42 EX ", "XADD events product.viewed"} {
			if !strings.HasPrefix(cold[i].Detail, want) {
				t.Errorf("hop %d detail %q, want it to start %q", i, cold[i].Detail, want)
			}
			if cold[i].Instance != "replica-1" {
				t.Errorf("hop %d on %q, want replica-1", i, cold[i].Instance)
			}
		}
	}

	id, a = s.readOK(t, 42)
	if a.body.Source != cacheName || a.body.PriceCents != want.PriceCents {
		t.Errorf("second read %+v, want the same product from the cache", a.body)
	}
	checkHops(t, "hit", s.rec.Of(id),
		step{"API Gateway", svcName, trace.OK},
		step{svcName, cacheName, trace.Hit},
		step{cacheName, svcName, trace.Hit},
		step{svcName, queueName, trace.OK},
	)
	if st := s.db.Stats(); st.Queries != 2 { // ours above and the cold read's
		t.Errorf("database queries %d, want 2: the hit must not reach it", st.Queries)
	}
	if st := s.cache.Stats(); st.Hits != 1 || st.Misses != 1 || st.Keys != 1 {
		t.Errorf("cache stats %+v, want 1 hit, 1 miss, 1 key", st)
	}
	if st := s.svc.Stats(); st.Reads != 2 || st.Failed != 0 {
		t.Errorf("service stats %+v, want 2 reads, none failed", st)
	}
}

func TestWriteUpdatesTheDatabaseAndInvalidatesTheKey(t *testing.T) {
	s := newSystem(t, nil)
	s.readOK(t, 42) // cached now
	id, a := s.send(0, http.MethodPut, "/products/42", `{"price_cents": 1299}`)
	if a.err != nil || a.code != 200 || a.body.PriceCents != 1299 {
		t.Fatalf("write: %d %+v %v", a.code, a.body, a.err)
	}
	checkHops(t, "write", syncHops(s.rec.Of(id)),
		step{"API Gateway", svcName, trace.OK},
		step{svcName, dbName, trace.OK},
		step{dbName, svcName, trace.OK},
		step{svcName, cacheName, trace.OK},
	)
	eventually(t, 2*time.Second, "the relay published the write's event", func() bool {
		return len(s.rec.Where(func(h trace.Hop) bool { return h.Trace == id && h.Async && h.To == queueName })) == 1
	})
	if p, _, _ := s.db.GetProduct(context.Background(), 42); p.PriceCents != 1299 {
		t.Errorf("database price %d, want 1299", p.PriceCents)
	}
	id, a = s.readOK(t, 42)
	if a.body.PriceCents != 1299 || a.body.Source != dbName {
		t.Errorf("read after write %+v, want 1299 from the database (the key was invalidated)", a.body)
	}
	if hops := s.rec.Of(id); len(hops) < 2 || hops[1].Outcome != trace.Miss {
		t.Errorf("read after write hops %v, want a miss", steps(hops))
	}
	if st := s.svc.Stats(); st.Writes != 1 {
		t.Errorf("writes %d, want 1", st.Writes)
	}
}

func TestBadRequestsAreAnswered4xx(t *testing.T) {
	s := newSystem(t, nil)
	tests := []struct {
		method, path, body string
		code               int
		reason             string
	}{
		{"GET", "/products/abc", "", 400, "bad product id"},
		{"GET", "/products/0", "", 400, "bad product id"},
		{"GET", "/products/-3", "", 400, "bad product id"},
		{"GET", "/products/", "", 400, "bad product id"},
		{"GET", fmt.Sprintf("/products/%d", products+1), "", 404, "no such product"},
		{"PUT", "/products/1", `{"price_cents": 0}`, 400, "price_cents"},
		{"PUT", "/products/1", `not json`, 400, "price_cents"},
		{"PUT", "/products/1", "", 400, "price_cents"},
		{"PUT", fmt.Sprintf("/products/%d", products+1), `{"price_cents": 100}`, 404, "no such product"},
		{"POST", "/products/1", "", 405, "POST not allowed"},
	}
	for _, tt := range tests {
		_, a := s.send(0, tt.method, tt.path, tt.body)
		if a.err != nil {
			t.Errorf("%s %s: %v", tt.method, tt.path, a.err)
			continue
		}
		if a.code != tt.code || !strings.Contains(a.body.Error, tt.reason) {
			t.Errorf("%s %s %q: %d %q, want %d with %q", tt.method, tt.path, tt.body, a.code, a.body.Error, tt.code, tt.reason)
		}
	}
	if st := s.svc.Stats(); st.Failed != int64(len(tests)) {
		t.Errorf("failed %d, want %d", st.Failed, len(tests))
	}
}

func TestKilledCacheFallsBackToTheDatabase(t *testing.T) {
	s := newSystem(t, nil)
	s.readOK(t, 7)
	s.cache.Kill()
	id, a := s.readOK(t, 7)
	if a.body.Source != dbName {
		t.Errorf("read with the cache down from %q, want the database", a.body.Source)
	}
	checkHops(t, "fallback read", s.rec.Of(id),
		step{"API Gateway", svcName, trace.OK},
		step{svcName, cacheName, trace.Fallback},
		step{svcName, dbName, trace.OK},
		step{dbName, svcName, trace.OK},
		step{svcName, cacheName, trace.Fallback},
		step{svcName, queueName, trace.OK},
	)
	// A write still stands; its invalidation falls back.
	id, a = s.send(0, http.MethodPut, "/products/7", `{"price_cents": 777}`)
	if a.err != nil || a.code != 200 {
		t.Fatalf("write with the cache down: %d %+v %v", a.code, a.body, a.err)
	}
	if hops := syncHops(s.rec.Of(id)); len(hops) != 4 || hops[3].To != cacheName || hops[3].Outcome != trace.Fallback {
		t.Errorf("write hops %v, want the DEL to fall back", steps(hops))
	}
}

func TestBreakerOpensAfterFiveFailuresAndSkipsTheCache(t *testing.T) {
	s := newSystem(t, nil)
	s.cache.Kill()
	// Each read of a cold key calls the cache twice (GET, then SET): the
	// fifth failure is the third read's GET.
	var last trace.ID
	for i := range 4 {
		last, _ = s.readOK(t, i+1)
	}
	st := s.svc.Stats()
	if len(st.Breakers) != 1 || st.Breakers[0].Cache != cacheName || st.Breakers[0].State != "open" || !st.BreakerOn {
		t.Fatalf("breakers %+v (on %v), want the cache's open", st.Breakers, st.BreakerOn)
	}
	if errs := s.cache.Stats().Errors; errs != 5 {
		t.Errorf("the cache saw %d failed calls, want 5: none once the breaker opened", errs)
	}
	checkHops(t, "read with the breaker open", s.rec.Of(last),
		step{"API Gateway", svcName, trace.OK},
		step{svcName, cacheName, trace.Skipped},
		step{svcName, dbName, trace.OK},
		step{dbName, svcName, trace.OK},
		step{svcName, cacheName, trace.Skipped},
		step{svcName, queueName, trace.OK},
	)
}

func TestBreakerOffEveryReadTriesTheCache(t *testing.T) {
	s := newSystem(t, nil)
	s.svc.SetBreaker(false)
	s.cache.Kill()
	for i := range 6 {
		s.readOK(t, i+1)
	}
	if st := s.svc.Stats(); st.BreakerOn || st.Breakers[0].State != "closed" {
		t.Errorf("stats %+v, want the breaker off and never tripped", st)
	}
	if errs := s.cache.Stats().Errors; errs != 12 {
		t.Errorf("the cache saw %d failed calls, want 12 (GET and SET for each of 6 reads)", errs)
	}
	skipped := s.rec.count(func(h trace.Hop) bool { return h.Outcome == trace.Skipped })
	fellBack := s.rec.count(func(h trace.Hop) bool { return h.Outcome == trace.Fallback })
	if skipped != 0 || fellBack != 12 {
		t.Errorf("%d skipped and %d fallback hops, want 0 and 12", skipped, fellBack)
	}
}

// gate is a Store that holds every read until opened, counting them.
type gate struct {
	*database.Database
	open  chan struct{}
	reads atomic.Int64
}

func (g *gate) GetProduct(ctx context.Context, id int) (database.Product, database.Query, error) {
	g.reads.Add(1)
	select {
	case <-g.open:
	case <-ctx.Done():
		return database.Product{}, database.Query{}, ctx.Err()
	}
	return g.Database.GetProduct(ctx, id)
}

// inSingleflight counts the goroutines inside singleflight's Do: the one
// running the load and those waiting for its result.
func inSingleflight() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "singleflight.(*Group).Do(")
}

func TestConcurrentMissesOfOneKeyShareOneQueryWithSingleflight(t *testing.T) {
	const readers = 20
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprintf("singleflight %v", on), func(t *testing.T) {
			g := &gate{open: make(chan struct{})}
			s := newSystem(t, func(su *setup) {
				su.cfg.Timeout = 10 * time.Second
				su.dbCfg.Pool = readers
				su.store = func(db *database.Database) service.Store { g.Database = db; return g }
			})
			s.svc.SetSingleflight(on)
			var wg sync.WaitGroup
			answers := make(chan answer, readers)
			for range readers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, a := s.send(0, http.MethodGet, "/products/9", "")
					answers <- a
				}()
			}
			if on {
				eventually(t, 5*time.Second, "the readers did not all join one load", func() bool { return inSingleflight() == readers })
			} else {
				eventually(t, 5*time.Second, "the readers did not all go to the database", func() bool { return g.reads.Load() == readers })
			}
			close(g.open)
			wg.Wait()
			close(answers)
			for a := range answers {
				if a.err != nil || a.code != 200 || a.body.ID != 9 || a.body.Name == "" {
					t.Errorf("answer %d %+v %v, want product 9", a.code, a.body, a.err)
				}
			}
			queries, coalesced := s.db.Stats().Queries, s.svc.Stats().Coalesced
			if on && (queries != 1 || coalesced != readers-1) {
				t.Errorf("singleflight on: %d database queries, %d coalesced; want 1 and %d", queries, coalesced, readers-1)
			}
			if !on && (queries != readers || coalesced != 0) {
				t.Errorf("singleflight off: %d database queries, %d coalesced; want %d and 0", queries, coalesced, readers)
			}
			if on {
				joined := s.rec.count(func(h trace.Hop) bool { return h.To == dbName && h.Outcome == trace.Skipped })
				if joined != readers-1 {
					t.Errorf("%d hops joined the query in flight, want %d", joined, readers-1)
				}
			}
		})
	}
}

func TestKilledDatabaseAnswers503AndCachedReadsStillWork(t *testing.T) {
	s := newSystem(t, nil)
	s.readOK(t, 1) // cached
	s.db.Kill()
	_, a := s.readOK(t, 1)
	if a.body.Source != cacheName {
		t.Errorf("cached read with the database down from %q, want the cache", a.body.Source)
	}
	id, a := s.read(t, 2)
	if a.code != http.StatusServiceUnavailable || !strings.Contains(a.body.Error, dbName) || !strings.Contains(a.body.Error, "down") {
		t.Errorf("uncached read with the database down: %d %q, want 503 with a reason naming the database", a.code, a.body.Error)
	}
	hops := s.rec.Of(id)
	if len(hops) != 4 || hops[3].To != dbName || hops[3].Outcome != trace.Error {
		t.Errorf("uncached read hops %v, want it to end in an error hop to the database", steps(hops))
	}
	_, a = s.send(0, http.MethodPut, "/products/1", `{"price_cents": 100}`)
	if a.code != http.StatusServiceUnavailable || !strings.Contains(a.body.Error, "down") {
		t.Errorf("write with the database down: %d %q, want 503 with a reason", a.code, a.body.Error)
	}
	if err := s.db.Revive(); err != nil {
		t.Fatal(err)
	}
	s.readOK(t, 2)
}

func TestSlowDatabaseTimesOutWith504(t *testing.T) {
	s := newSystem(t, func(su *setup) {
		su.cfg.Timeout = 50 * time.Millisecond
		su.dbCfg.Latency = model.Latency{Base: time.Hour}
	})
	_, a := s.read(t, 3)
	if a.code != http.StatusGatewayTimeout || !strings.Contains(a.body.Error, "timed out") {
		t.Errorf("read past the timeout: %d %q, want 504 saying it timed out", a.code, a.body.Error)
	}
}

func TestReplicaKillAndRevive(t *testing.T) {
	s := newSystem(t, func(su *setup) { su.cfg.Replicas = 2 })
	names, addrs := s.svc.Replicas()
	if fmt.Sprint(names) != "[replica-1 replica-2]" || len(addrs) != 2 {
		t.Fatalf("replicas %v %v", names, addrs)
	}
	if err := s.svc.Kill(0); err != nil {
		t.Fatal(err)
	}
	if _, a := s.send(0, "GET", "/products/1", ""); !errors.Is(a.err, syscall.ECONNREFUSED) {
		t.Errorf("killed replica-1: %d %v, want connection refused", a.code, a.err)
	}
	if _, a := s.send(1, "GET", "/products/1", ""); a.err != nil || a.code != 200 || a.body.Replica != "replica-2" {
		t.Errorf("replica-2 with replica-1 down: %d %+v %v", a.code, a.body, a.err)
	}
	st := s.svc.Stats()
	if st.Up != 1 || !st.Replicas[0].Down || st.Replicas[1].Down || s.svc.Down() {
		t.Errorf("stats %+v, want replica-1 down, replica-2 up", st)
	}
	if err := s.svc.Revive(0); err != nil {
		t.Fatal(err)
	}
	if _, a := s.send(0, "GET", "/products/1", ""); a.err != nil || a.code != 200 || a.body.Replica != "replica-1" {
		t.Errorf("revived replica-1 on its address: %d %+v %v", a.code, a.body, a.err)
	}
	if err := s.svc.Kill(2); err == nil {
		t.Error("killed a third replica of two")
	}
	if err := s.svc.Kill(-1); err != nil || !s.svc.Down() {
		t.Errorf("kill all: %v, down %v", err, s.svc.Down())
	}
	if err := s.svc.Revive(-1); err != nil || s.svc.Stats().Up != 2 {
		t.Errorf("revive all: %v, up %d", err, s.svc.Stats().Up)
	}
}

func TestHealthCheckIsAnsweredByTheReplica(t *testing.T) {
	s := newSystem(t, nil)
	resp, err := s.client.Get("http://" + s.addrs[0] + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/healthz: %d, want 200", resp.StatusCode)
	}
	if st := s.svc.Stats(); st.Reads != 0 {
		t.Errorf("a health check counted as %d reads", st.Reads)
	}
}

func TestReadsAndWritesPublishEvents(t *testing.T) {
	s := newSystem(t, nil)
	readID, _ := s.readOK(t, 5)
	writeID, a := s.send(0, http.MethodPut, "/products/6", `{"price_cents": 600}`)
	if a.err != nil || a.code != 200 {
		t.Fatalf("write: %d %v", a.code, a.err)
	}
	// The read's event is published at once; the write's by the relay,
	// from the outbox.
	eventually(t, 2*time.Second, "two events published", func() bool { return len(s.q.published()) == 2 })
	evs := s.q.published()
	want := []event.Event{
		{Type: event.ProductViewed, Product: 5, Trace: readID},
		{Type: event.ProductUpdated, Product: 6, Trace: writeID},
	}
	for i, ev := range evs {
		if ev.Published.IsZero() || !strings.HasPrefix(ev.ID, "ev-"+string(ev.Trace)+"-") {
			t.Errorf("event %d %+v: want a publish time and an id made from its trace", i, ev)
		}
		ev.Published, ev.ID = time.Time{}, ""
		if ev != want[i] {
			t.Errorf("event %d %+v, want %+v", i, ev, want[i])
		}
	}
	if evs[0].ID == evs[1].ID {
		t.Errorf("two events share the id %s", evs[0].ID)
	}
	eventually(t, 2*time.Second, "the outbox emptied", func() bool {
		n, err := s.db.OutboxRows(context.Background())
		return err == nil && n == 0
	})
}

func TestPublishFailureDoesNotFailTheRequestAndLosesNothing(t *testing.T) {
	s := newSystem(t, nil)
	s.q.setFail(true)
	id, _ := s.readOK(t, 5)
	if _, a := s.send(0, http.MethodPut, "/products/5", `{"price_cents": 600}`); a.code != 200 {
		t.Errorf("write with the queue failing: %d %q, want 200", a.code, a.body.Error)
	}
	if st := s.svc.Stats(); st.Failed != 0 {
		t.Errorf("stats %+v, want no failed request", st)
	}
	hops := s.rec.Of(id)
	if last := hops[len(hops)-1]; last.To != queueName || last.Outcome != trace.Fallback || !strings.Contains(last.Detail, "to the spool") {
		t.Errorf("last hop %+v, want a failed publish kept in the spool", last)
	}
	if st := s.relay.Stats(); st.Created != 2 || st.Pending() != 2 || st.Shed != 0 {
		t.Errorf("relay %+v, want both events waiting", st)
	}
	s.q.setFail(false)
	eventually(t, 2*time.Second, "both events published once the queue answers", func() bool { return len(s.q.published()) == 2 })
	eventually(t, 2*time.Second, "nothing waiting", func() bool { return s.relay.Stats().Pending() == 0 })
}

func TestInjectedFailuresAnswer503(t *testing.T) {
	s := newSystem(t, nil)
	s.svc.Faults()[0].SetFailRate(1)
	id, a := s.read(t, 1)
	if a.code != http.StatusServiceUnavailable || !strings.Contains(a.body.Error, "injected failure") {
		t.Errorf("read under fail rate 1: %d %q, want 503 naming the injected failure", a.code, a.body.Error)
	}
	checkHops(t, "failed read", s.rec.Of(id), step{"API Gateway", svcName, trace.Error})
	s.svc.Faults()[0].Heal()
	s.readOK(t, 1)
}

func TestAReaderWhoGivesUpDoesNotFailTheOthersSharingItsQuery(t *testing.T) {
	const followers = 5
	g := &gate{open: make(chan struct{})}
	s := newSystem(t, func(su *setup) {
		su.cfg.Timeout = 10 * time.Second
		su.store = func(db *database.Database) service.Store { g.Database = db; return g }
	})
	// The first reader runs the query; it hangs up while the query runs.
	ctx, hangUp := context.WithCancel(context.Background())
	defer hangUp()
	first := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.addrs[0]+"/products/9", nil)
		resp, err := s.client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		first <- err
	}()
	eventually(t, 5*time.Second, "the first reader did not reach the database", func() bool { return g.reads.Load() == 1 })
	var wg sync.WaitGroup
	answers := make(chan answer, followers)
	for range followers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, a := s.send(0, http.MethodGet, "/products/9", "")
			answers <- a
		}()
	}
	eventually(t, 5*time.Second, "the other readers did not join the query", func() bool { return inSingleflight() == followers+1 })
	hangUp()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("the first reader's request: %v, want it cancelled", err)
	}
	close(g.open)
	wg.Wait()
	close(answers)
	for a := range answers {
		if a.err != nil || a.code != 200 {
			t.Errorf("a reader sharing the query of one who hung up: %d %q %v, want 200", a.code, a.body.Error, a.err)
		}
	}
}

func TestAnUnreadableCachedValueIsAMissAndIsOverwritten(t *testing.T) {
	s := newSystem(t, nil)
	if _, err := s.cache.Set(context.Background(), "product:3", "not json", time.Minute); err != nil {
		t.Fatal(err)
	}
	id, a := s.readOK(t, 3)
	if a.body.Source != dbName || a.body.Name == "" {
		t.Errorf("read over a garbled entry %+v, want the product from the database", a.body)
	}
	if hops := s.rec.Of(id); len(hops) < 3 || hops[1].Outcome != trace.Miss || hops[2].Outcome != trace.Miss {
		t.Errorf("hops %v, want the garbled entry treated as a miss", steps(hops))
	}
	if _, a := s.readOK(t, 3); a.body.Source != cacheName {
		t.Errorf("next read from %q, want the cache (refilled)", a.body.Source)
	}
}

func TestPlanCallsOtherComponentsInOrder(t *testing.T) {
	auth := generic.New(generic.Config{Name: "Auth", Kind: "auth service"})
	s := newSystem(t, func(su *setup) {
		su.cfg.Plan = append(service.Plan{{Kind: service.Call, Target: "Auth", Reply: true}}, su.cfg.Plan...)
		su.cfg.Calls = map[string]service.Caller{"Auth": auth}
	})
	id, _ := s.readOK(t, 4)
	checkHops(t, "read with a call first", s.rec.Of(id),
		step{"API Gateway", svcName, trace.OK},
		step{svcName, "Auth", trace.OK},
		step{"Auth", svcName, trace.OK},
		step{svcName, cacheName, trace.Miss},
		step{cacheName, svcName, trace.Miss},
		step{svcName, dbName, trace.OK},
		step{dbName, svcName, trace.OK},
		step{svcName, cacheName, trace.OK},
		step{svcName, queueName, trace.OK},
	)
	auth.Kill()
	id, a := s.read(t, 4)
	if a.code != http.StatusServiceUnavailable || !strings.Contains(a.body.Error, "Auth refused the call") {
		t.Errorf("read with Auth down: %d %q, want 503 naming Auth", a.code, a.body.Error)
	}
	checkHops(t, "read with Auth down", s.rec.Of(id),
		step{"API Gateway", svcName, trace.OK},
		step{svcName, "Auth", trace.Error},
	)
}

func TestWithoutADatabaseTheServiceAnswersItself(t *testing.T) {
	s := newSystem(t, func(su *setup) {
		su.cfg.Plan = service.Plan{{Kind: service.Publish, Target: queueName}}
		su.cfg.Caches = nil
		su.store = func(*database.Database) service.Store { return nil }
	})
	id, a := s.readOK(t, 12)
	if want := resource.Default.Name(12); a.body.Source != svcName || a.body.Name != want {
		t.Errorf("answer %+v, want %s from the service itself", a.body, want)
	}
	checkHops(t, "read without a database", s.rec.Of(id),
		step{"API Gateway", svcName, trace.OK},
		step{svcName, queueName, trace.OK},
	)
}
