package traffic

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/archex/archex/components/trace"
)

// sent is what one run of a generator sent: the count by each second of
// its schedule and every request by trace id.
type sent struct {
	bySecond []int64
	requests map[trace.ID]Request
}

// runFor runs a generator with seed at rate for d (a planned end) against a
// target that answers after a random few milliseconds. stall, when set,
// holds the generator's lock that long half-way, as a stalled process
// would: the loop falls behind and catches up.
func runFor(t *testing.T, seed uint64, rate float64, p Pattern, d, stall time.Duration) sent {
	t.Helper()
	var jitter sync.Mutex
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		jitter.Lock()
		delay := time.Duration(rng.IntN(4000)) * time.Microsecond
		jitter.Unlock()
		time.Sleep(delay)
	}))
	defer srv.Close()
	out := sent{requests: map[trace.ID]Request{}}
	var mu sync.Mutex
	g := New(Config{Target: srv.URL, Rate: rate, Pattern: p, Seed: seed, Keys: []string{"a", "b", "c"},
		OnResult: func(r Result) { mu.Lock(); out.requests[r.Trace] = r.Request; mu.Unlock() }})
	defer g.Close()
	g.PlanEnd(d)
	g.Start()
	if stall > 0 {
		time.Sleep(d / 2)
		g.mu.Lock()
		time.Sleep(stall)
		g.mu.Unlock()
	}
	select {
	case <-g.Ended():
	case <-time.After(d + 10*time.Second):
		t.Fatal("the planned end never came")
	}
	g.Wait(context.Background())
	for k := 0; k <= int(d/time.Second); k++ {
		n, final := g.SentBy(k + 1)
		if !final {
			t.Fatalf("second %d is not final after the end", k)
		}
		out.bySecond = append(out.bySecond, n)
	}
	return out
}

// Two runs with the same seed send the same requests (products, writes,
// prices, keys, trace ids) in the same seconds of the schedule, although
// one of them stalls for 300 ms half-way and their goroutines run in
// another order.
func TestTheSameSeedSendsTheSameRequestsInTheSameSeconds(t *testing.T) {
	t.Parallel()
	const d = 2 * time.Second
	a := runFor(t, 11, 300, Wave, d, 0)
	b := runFor(t, 11, 300, Wave, d, 300*time.Millisecond)
	if len(a.requests) < 400 {
		t.Fatalf("only %d requests in %v at 300/s", len(a.requests), d)
	}
	for k := range a.bySecond {
		if a.bySecond[k] != b.bySecond[k] {
			t.Errorf("sent by second %d: %d and %d", k+1, a.bySecond[k], b.bySecond[k])
		}
	}
	if len(a.requests) != len(b.requests) {
		t.Errorf("%d and %d requests", len(a.requests), len(b.requests))
	}
	writes := 0
	for id, ra := range a.requests {
		rb, ok := b.requests[id]
		if !ok || ra != rb {
			t.Fatalf("trace %s: %+v and %+v (%v)", id, ra, rb, ok)
		}
		if ra.Write {
			writes++
		}
	}
	if writes == 0 {
		t.Error("no writes: the comparison says nothing of prices")
	}
	// And the counts are the schedule's own.
	want := arrivalsOf(NewSchedule(11, "User/arrivals", 300, Wave), d)
	if got := a.bySecond[len(a.bySecond)-1]; got != int64(want) {
		t.Errorf("the generator sent %d, its schedule has %d arrivals", got, want)
	}
}

func arrivalsOf(s *Schedule, d time.Duration) int {
	n := 0
	for {
		at, ok := s.Take()
		if !ok || at >= d {
			return n
		}
		n++
	}
}

// The ramp sends from its first second (it used to draw its first gap at a
// rate of nearly zero and wait on it for good).
func TestRampSendsFromTheStart(t *testing.T) {
	t.Parallel()
	r := runFor(t, 2, 200, Ramp, 2*time.Second, 0)
	if r.bySecond[0] < 10 || r.bySecond[1]-r.bySecond[0] < 10 {
		t.Errorf("a ramp to 200/s sent %v by seconds 1 and 2, want about 20 a second from the start", r.bySecond)
	}
}
