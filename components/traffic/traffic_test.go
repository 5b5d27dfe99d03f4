package traffic_test

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/components/trace/tracetest"
	"github.com/archex/archex/components/traffic"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder keeps every hop.
type recorder struct{ tracetest.Recorder }

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

func TestParsePattern(t *testing.T) {
	for _, p := range traffic.Patterns {
		got, err := traffic.ParsePattern(string(p))
		if err != nil || got != p {
			t.Errorf("ParsePattern(%q) = %q, %v", p, got, err)
		}
	}
	if _, err := traffic.ParsePattern("burst"); err == nil || !strings.Contains(err.Error(), `"burst"`) {
		t.Errorf("ParsePattern(\"burst\"): %v, want an error naming it", err)
	}
}

func newGenerator(t *testing.T, cfg traffic.Config) *traffic.Generator {
	t.Helper()
	g := traffic.New(cfg)
	t.Cleanup(g.Close)
	return g
}

func TestAFixedSeedGivesTheSameRequests(t *testing.T) {
	draw := func(seed uint64) []traffic.Request {
		g := newGenerator(t, traffic.Config{Seed: seed})
		out := make([]traffic.Request, 200)
		for i := range out {
			out[i] = g.Next()
		}
		return out
	}
	a, b, c := draw(1), draw(1), draw(2)
	same := func(x, y []traffic.Request) bool {
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	if !same(a, b) {
		t.Error("seed 1 twice gave two sequences")
	}
	if same(a, c) {
		t.Error("seeds 1 and 2 gave one sequence")
	}
}

func TestMixAndPopularity(t *testing.T) {
	const draws = 10000
	tests := []struct {
		name      string
		readRatio float64
		products  int
	}{
		{"default mix", 0, 1000},
		{"half writes", 0.5, 1000},
		{"small catalog", 0.9, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGenerator(t, traffic.Config{Seed: 3, ReadRatio: tt.readRatio, Products: tt.products})
			want := tt.readRatio
			if want == 0 {
				want = traffic.DefaultReadRatio
			}
			reads := 0
			count := make(map[int]int)
			for range draws {
				r := g.Next()
				if r.Product < 1 || r.Product > tt.products {
					t.Fatalf("product %d outside 1..%d", r.Product, tt.products)
				}
				if !r.Write {
					reads++
					count[r.Product]++
				}
			}
			if got := float64(reads) / draws; math.Abs(got-want) > 0.02 {
				t.Errorf("read share %.3f over %d draws, want %.2f±0.02", got, draws, want)
			}
			if tt.products >= 500 && count[1] < 10*max(count[500], 1) {
				t.Errorf("product 1 read %d times, product 500 %d: want Zipf's skew", count[1], count[500])
			}
			if count[1] < count[2] || count[2] < count[tt.products] {
				t.Errorf("reads of 1, 2, %d: %d, %d, %d; want popularity falling with rank", tt.products, count[1], count[2], count[tt.products])
			}
		})
	}
}

// target is a fake front door: it answers as the Load Balancer, 200 or (for
// product 13) 503, and remembers the requests it saw.
type target struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []*http.Request
	body []string
	hits atomic.Int64
	// delay holds each answer that long.
	delay time.Duration
}

func newTarget(t *testing.T, delay time.Duration) *target {
	t.Helper()
	tg := &target{delay: delay}
	tg.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		tg.mu.Lock()
		tg.seen = append(tg.seen, r.Clone(context.Background()))
		tg.body = append(tg.body, string(b))
		tg.mu.Unlock()
		if tg.delay > 0 {
			time.Sleep(tg.delay)
		}
		trace.Send(w.Header(), "Load Balancer", time.Now())
		if strings.HasSuffix(r.URL.Path, "/13") {
			http.Error(w, "Load Balancer: no healthy replica\nmore", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `{"id":1}`)
	}))
	t.Cleanup(tg.srv.Close)
	return tg
}

func (tg *target) requests() ([]*http.Request, []string) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return append([]*http.Request(nil), tg.seen...), append([]string(nil), tg.body...)
}

func TestSendCountsAndRecordsTheFinalHop(t *testing.T) {
	tg := newTarget(t, 0)
	rec := &recorder{}
	var results []traffic.Result
	var mu sync.Mutex
	g := newGenerator(t, traffic.Config{
		Target: tg.srv.URL, Entry: "Load Balancer", Keys: []string{"k1", "k2"}, Seed: 1, Recorder: rec,
		OnResult: func(r traffic.Result) { mu.Lock(); results = append(results, r); mu.Unlock() },
	})
	ctx := context.Background()
	ok := g.Send(ctx, traffic.Request{Product: 7})
	failed := g.Send(ctx, traffic.Request{Product: 13})
	write := g.Send(ctx, traffic.Request{Product: 8, Write: true, Key: "mine"})

	if !ok.OK() || ok.Status != 200 || ok.Err != "" || ok.Trace == "" || ok.Duration <= 0 {
		t.Errorf("read: %+v, want 200 with a trace id", ok)
	}
	if failed.OK() || failed.Status != 503 || failed.Err != "Load Balancer: no healthy replica" {
		t.Errorf("failed read: %+v, want 503 with the body's first line as the error", failed)
	}
	if !write.OK() {
		t.Errorf("write: %+v", write)
	}
	if st := g.Stats(); st.Sent != 3 || st.OK != 2 || st.Failed != 1 || st.InFlight != 0 {
		t.Errorf("stats %+v, want 3 sent, 2 ok, 1 failed", st)
	}
	mu.Lock()
	if len(results) != 3 {
		t.Errorf("OnResult told of %d results, want 3", len(results))
	}
	mu.Unlock()

	reqs, bodies := tg.requests()
	if len(reqs) != 3 {
		t.Fatalf("the target saw %d requests", len(reqs))
	}
	wantKeys := []string{"k1", "k2", "mine"}
	wantPaths := []string{"GET /products/7", "GET /products/13", "PUT /products/8"}
	for i, r := range reqs {
		if got := r.Header.Get("X-Api-Key"); got != wantKeys[i] {
			t.Errorf("request %d carried key %q, want %q", i, got, wantKeys[i])
		}
		if got := r.Method + " " + r.URL.Path; got != wantPaths[i] {
			t.Errorf("request %d was %q, want %q", i, got, wantPaths[i])
		}
		if from, _ := trace.Received(r.Header, time.Time{}); from != "User" {
			t.Errorf("request %d stamped by %q, want User", i, from)
		}
	}
	if got := reqs[0].Header.Get(trace.HeaderID); got != string(ok.Trace) {
		t.Errorf("request carried trace id %q, result says %q", got, ok.Trace)
	}
	if !strings.HasPrefix(bodies[2], `{"price_cents":`) {
		t.Errorf("write body %q, want a price", bodies[2])
	}

	hops := rec.Of(ok.Trace)
	if len(hops) != 1 || hops[0].From != "Load Balancer" || hops[0].To != "User" || hops[0].Outcome != trace.OK ||
		!strings.HasPrefix(hops[0].Detail, "200 OK in ") {
		t.Errorf("hops of the read %+v, want the final Load Balancer -> User hop", hops)
	}
	hops = rec.Of(failed.Trace)
	if len(hops) != 1 || hops[0].Outcome != trace.Error || !strings.HasSuffix(hops[0].Detail, ": Load Balancer: no healthy replica") {
		t.Errorf("hops of the failed read %+v, want an error hop with the reason", hops)
	}
}

func TestSendToADeadFrontDoorFails(t *testing.T) {
	tg := newTarget(t, 0)
	url := tg.srv.URL
	tg.srv.Close()
	rec := &recorder{}
	g := newGenerator(t, traffic.Config{Target: url, Entry: "Load Balancer", Recorder: rec})
	res := g.Send(context.Background(), traffic.Request{Product: 1})
	if res.OK() || res.Status != 0 || !strings.Contains(res.Err, "refused") {
		t.Errorf("result %+v, want no status and a refused connection", res)
	}
	if st := g.Stats(); st.Sent != 1 || st.Failed != 1 {
		t.Errorf("stats %+v, want 1 sent, 1 failed", st)
	}
	hops := rec.Of(res.Trace)
	if len(hops) != 1 || hops[0].From != "User" || hops[0].To != "Load Balancer" || hops[0].Outcome != trace.Error {
		t.Errorf("hops %+v, want one failed User -> Load Balancer hop", hops)
	}
}

func TestArrivalsFollowTheRate(t *testing.T) {
	const rate = 200
	tg := newTarget(t, 0)
	g := newGenerator(t, traffic.Config{Target: tg.srv.URL, Rate: rate, Seed: 5})
	start := time.Now()
	g.Start()
	g.Start() // a second start is a no-op
	eventually(t, 5*time.Second, "no arrivals", func() bool { return time.Since(start) >= time.Second })
	g.Stop()
	elapsed := time.Since(start)
	if err := g.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := rate * elapsed.Seconds()
	st := g.Stats()
	if got := float64(st.Sent); got < 0.6*want || got > 1.4*want {
		t.Errorf("%d arrivals in %v at %d/s, want %.0f±40%%", st.Sent, elapsed, rate, want)
	}
	if st.Sent != st.OK+st.Failed || st.InFlight != 0 {
		t.Errorf("stats after the drain %+v, want sent = ok + failed, none in flight", st)
	}
	if int64(tg.hits.Load()) != st.Sent {
		t.Errorf("the target saw %d requests, the generator sent %d", tg.hits.Load(), st.Sent)
	}
}

func TestStopStopsArrivals(t *testing.T) {
	tg := newTarget(t, 0)
	g := newGenerator(t, traffic.Config{Target: tg.srv.URL, Rate: 500, Seed: 5})
	g.Start()
	eventually(t, 5*time.Second, "no arrivals", func() bool { return g.Stats().Sent >= 20 })
	g.Stop()
	g.Wait(context.Background())
	sent := g.Stats().Sent
	// At 500/s, 200 ms would bring about 100 more.
	time.Sleep(200 * time.Millisecond)
	if got := g.Stats().Sent; got != sent {
		t.Errorf("%d arrivals after Stop", got-sent)
	}
	g.Stop() // a second stop is harmless
	g.Start()
	eventually(t, 5*time.Second, "no arrivals after a restart", func() bool { return g.Stats().Sent > sent })
}

func TestPauseStopsArrivalsAndResumeRestartsThem(t *testing.T) {
	tg := newTarget(t, 0)
	g := newGenerator(t, traffic.Config{Target: tg.srv.URL, Rate: 500, Seed: 5})
	g.Start()
	eventually(t, 5*time.Second, "no arrivals", func() bool { return g.Stats().Sent >= 20 })
	g.SetPaused(true)
	if st := g.Stats(); !st.Paused || st.Rate != 0 {
		t.Errorf("stats %+v, want paused at rate 0", st)
	}
	// Arrivals already due when the pause came may still go; then none.
	eventually(t, 5*time.Second, "requests stayed in flight", func() bool { return g.Stats().InFlight == 0 })
	time.Sleep(50 * time.Millisecond)
	sent := g.Stats().Sent
	time.Sleep(200 * time.Millisecond)
	if got := g.Stats().Sent; got != sent {
		t.Errorf("%d arrivals while paused", got-sent)
	}
	g.SetPaused(false)
	eventually(t, 5*time.Second, "no arrivals after resume", func() bool { return g.Stats().Sent > sent+10 })
}

func TestSetRateAndPatternShowInStats(t *testing.T) {
	g := newGenerator(t, traffic.Config{Rate: 100})
	g.SetRate(250)
	if st := g.Stats(); st.Rate != 250 || st.Pattern != traffic.Steady {
		t.Errorf("stats %+v, want steady 250/s", st)
	}
	g.SetPattern(traffic.Ramp)
	if st := g.Stats(); st.Pattern != traffic.Ramp || st.Rate >= 250 {
		t.Errorf("stats %+v, want a ramp starting from its beginning", st)
	}
	g.SetRate(-5)
	if st := g.Stats(); st.Rate != 0 {
		t.Errorf("rate %v after SetRate(-5), want 0", st.Rate)
	}
}

func TestAccountingHoldsInEverySnapshot(t *testing.T) {
	tg := newTarget(t, 3*time.Millisecond)
	g := newGenerator(t, traffic.Config{Target: tg.srv.URL, Rate: 400, Seed: 9, Products: 20})
	g.Start()
	deadline := time.Now().Add(500 * time.Millisecond)
	samples := 0
	for time.Now().Before(deadline) {
		st := g.Stats()
		if st.Sent != st.OK+st.Failed+st.InFlight || st.InFlight < 0 {
			t.Fatalf("snapshot %+v: sent != ok + failed + in flight", st)
		}
		samples++
		time.Sleep(time.Millisecond)
	}
	g.Stop()
	g.Wait(context.Background())
	st := g.Stats()
	if st.Sent == 0 || st.Failed == 0 || st.Sent != st.OK+st.Failed || st.InFlight != 0 {
		t.Errorf("final stats %+v, want some sent (product 13 fails), all accounted for", st)
	}
}

func TestMaxInFlightIsNeverExceeded(t *testing.T) {
	const limit = 5
	release := make(chan struct{})
	var inServer, peak atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inServer.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		inServer.Add(-1)
	}))
	defer srv.Close()
	var gaveUp atomic.Int64
	// Arrivals 0.1 ms apart fall due together in bursts.
	g := traffic.New(traffic.Config{Target: srv.URL, Rate: 10000, MaxInFlight: limit, Seed: 1,
		OnResult: func(r traffic.Result) {
			if strings.Contains(r.Err, "too many requests in flight") {
				gaveUp.Add(1)
			}
		}})
	defer g.Close()
	defer close(release)
	g.Start()
	eventually(t, 5*time.Second, "no request was given up", func() bool { return gaveUp.Load() >= 100 })
	for range 50 {
		if st := g.Stats(); st.InFlight > limit {
			t.Fatalf("stats %+v: more than %d in flight", st, limit)
		}
		time.Sleep(time.Millisecond)
	}
	g.Stop()
	if p := peak.Load(); p > limit {
		t.Errorf("%d requests in flight at once, want at most %d", p, limit)
	}
}

func TestPanicInARequestGoroutineIsRecoveredAndReported(t *testing.T) {
	tg := newTarget(t, 0)
	var reported atomic.Int64
	g := newGenerator(t, traffic.Config{Target: tg.srv.URL, Rate: 200, Seed: 1,
		OnResult: func(traffic.Result) { panic("observer broke") },
		OnPanic: func(component string, v any) {
			if component == "User" && v == "observer broke" {
				reported.Add(1)
			}
		}})
	g.Start()
	eventually(t, 5*time.Second, "no panic was reported", func() bool { return reported.Load() >= 3 })
	g.Stop()
	g.Wait(context.Background())
	if st := g.Stats(); st.InFlight != 0 || st.Sent != st.OK+st.Failed {
		t.Errorf("stats %+v after panics, want every request accounted for", st)
	}
}

// However absurd the rate, the generator follows at most MaxRate, never
// spins on a rate that is not a number, and Stop returns at once.
func TestAbsurdRatesAreClampedAndStopIsPrompt(t *testing.T) {
	tg := newTarget(t, 0)
	g := newGenerator(t, traffic.Config{Target: tg.srv.URL, Rate: 1e12, Seed: 4})
	if st := g.Stats(); st.Rate != traffic.MaxRate {
		t.Errorf("rate 1e12 asks for %v, want MaxRate %d", st.Rate, traffic.MaxRate)
	}
	g.Start()
	eventually(t, 10*time.Second, "no arrivals at the top rate", func() bool { return g.Stats().Sent >= 1000 })
	start := time.Now()
	g.Stop()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Stop took %v at %d req/s", d, traffic.MaxRate)
	}
	g.Start()
	g.SetRate(math.NaN())
	if st := g.Stats(); st.Rate != 0 || st.SetRate != 0 {
		t.Errorf("after SetRate(NaN): %+v, want rate 0", st)
	}
	eventually(t, 5*time.Second, "arrivals went on at rate NaN", func() bool {
		before := g.Stats().Sent
		time.Sleep(100 * time.Millisecond)
		return g.Stats().Sent == before
	})
	start = time.Now()
	g.Stop()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Stop took %v at rate NaN", d)
	}
}
