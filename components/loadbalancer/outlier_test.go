package loadbalancer_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/components/trace"
)

// clock is a clock a test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// withClock runs the load balancer on a hand-moved clock.
func withClock(c *clock) func(*loadbalancer.Config) {
	c.now = time.Unix(1_700_000_000, 0)
	return func(cfg *loadbalancer.Config) { cfg.Now = c.Now }
}

// sendUntil sends GETs until replica i has been sent n more requests (it
// answers what its setting says), and returns what the user got.
func (s *system) sendUntil(t *testing.T, i, n int) []answer {
	t.Helper()
	name := s.lb.Stats().Backends[i].Name
	want := s.backend(name).Served + int64(n)
	var got []answer
	for tries := 0; s.backend(name).Served < want; tries++ {
		if tries > 20*n {
			t.Fatalf("%s was sent %d of %d requests in %d tries", name, s.backend(name).Served-want+int64(n), n, tries)
		}
		got = append(got, s.send(http.MethodGet, "/products/1", ""))
	}
	return got
}

func TestFiveConsecutive5xxEjectAReplicaAndFourDoNot(t *testing.T) {
	var clk clock
	s := newSystem(t, 3, withClock(&clk))
	s.answers[0].status.Store(http.StatusInternalServerError) // a 500 is not retried

	s.sendUntil(t, 0, 4)
	if st := s.lb.Stats(); len(st.Ejected) != 0 || st.Healthy != 3 {
		t.Fatalf("after 4 consecutive 5xx: ejected %v, %d in rotation; want none ejected", st.Ejected, st.Healthy)
	}
	// A good answer ends the run: 4 more 5xx do not eject either.
	s.answers[0].status.Store(0)
	s.sendUntil(t, 0, 1)
	s.answers[0].status.Store(http.StatusInternalServerError)
	s.sendUntil(t, 0, 4)
	if st := s.lb.Stats(); len(st.Ejected) != 0 {
		t.Fatalf("4 + ok + 4 5xx: ejected %v; want none (the run was broken)", st.Ejected)
	}
	s.sendUntil(t, 0, 1) // the fifth in a row
	st := s.lb.Stats()
	if !slices.Equal(st.Ejected, []string{"replica-1"}) || st.Healthy != 2 || st.Ejections != 1 {
		t.Fatalf("after 5 consecutive 5xx: ejected %v, %d in rotation, %d ejections; want replica-1 out, 2 in, 1", st.Ejected, st.Healthy, st.Ejections)
	}
	if b := s.backend("replica-1"); !b.Ejected || !b.Healthy {
		t.Errorf("replica-1 %+v; want ejected and still passing its health check", b)
	}
	before := s.backend("replica-1").Served
	for range 12 {
		if got := s.get(t); got == "replica-1" {
			t.Fatal("an ejected replica was sent a request")
		}
	}
	if got := s.backend("replica-1").Served; got != before {
		t.Errorf("an ejected replica was sent %d requests", got-before)
	}
}

func TestAnEjectedReplicaReturnsAfterTheEjectionTime(t *testing.T) {
	var clk clock
	s := newSystem(t, 3, withClock(&clk))
	s.answers[0].status.Store(http.StatusInternalServerError)
	s.sendUntil(t, 0, 5)
	if st := s.lb.Stats(); len(st.Ejected) != 1 {
		t.Fatalf("ejected %v after 5 consecutive 5xx; want replica-1", st.Ejected)
	}
	s.answers[0].status.Store(0)
	clk.advance(loadbalancer.DefaultOutlier.EjectFor - time.Millisecond)
	if st := s.lb.Stats(); len(st.Ejected) != 1 {
		t.Fatalf("ejected %v just before the ejection time ends; want replica-1 still out", st.Ejected)
	}
	clk.advance(time.Millisecond)
	if st := s.lb.Stats(); len(st.Ejected) != 0 || st.Healthy != 3 {
		t.Fatalf("after the ejection time: ejected %v, %d in rotation; want all 3 back", st.Ejected, st.Healthy)
	}
	seen := false
	for range 6 {
		seen = seen || s.get(t) == "replica-1"
	}
	if !seen {
		t.Error("the returned replica got no request in 6 round-robin turns")
	}
}

func TestNoMoreThanAThirdOfTheReplicasAreEjected(t *testing.T) {
	for _, tt := range []struct {
		replicas, failing, ejected int
	}{
		{2, 1, 0}, // a third of 2, rounded down: none
		{3, 2, 1},
		{6, 3, 2},
	} {
		var clk clock
		s := newSystem(t, tt.replicas, withClock(&clk))
		for i := range tt.failing {
			s.answers[i].status.Store(http.StatusInternalServerError)
		}
		// Enough for every failing replica to answer 5xx 5 times in a row
		// and more: the ones the cap keeps in go on failing.
		for range 12 * tt.replicas {
			s.send(http.MethodGet, "/products/1", "")
		}
		for i := range tt.failing {
			if b := s.lb.Stats().Backends[i]; !b.Ejected && b.Served < 6 {
				t.Fatalf("%s was sent %d requests; the test needs more than 5", b.Name, b.Served)
			}
		}
		st := s.lb.Stats()
		if len(st.Ejected) != tt.ejected || st.Healthy != tt.replicas-tt.ejected {
			t.Errorf("%d replicas, %d answering 5xx: ejected %v, %d in rotation; want %d ejected", tt.replicas, tt.failing, st.Ejected, st.Healthy, tt.ejected)
		}
	}
}

func TestGetIsRetriedOnAnotherReplicaAfterA503(t *testing.T) {
	for _, code := range []int{http.StatusServiceUnavailable, http.StatusBadGateway} {
		s := newSystem(t, 2, nil)
		s.answers[0].status.Store(int32(code))
		// Round-robin sends one of two requests to replica-1 first.
		for i := range 2 {
			id := trace.ID("t-retry-" + http.StatusText(code) + string(rune('a'+i)))
			a := s.send(http.MethodGet, "/products/1", id)
			if a.err != nil || a.code != http.StatusOK || a.body != "replica-2" {
				t.Errorf("GET with replica-1 answering %d: %d %q %v; want 200 from replica-2", code, a.code, a.body, a.err)
			}
		}
		if st := s.lb.Stats(); st.Retries != 1 || s.backend("replica-1").Served != 1 {
			t.Errorf("after a %d: retries %d, replica-1 sent %d; want one retry of the one request it got", code, st.Retries, s.backend("replica-1").Served)
		}
		retried := s.rec.Where(func(h trace.Hop) bool { return strings.Contains(h.Detail, "retried on replica-2") })
		if len(retried) != 1 || retried[0].Instance != "replica-1" || retried[0].Outcome != trace.Error ||
			!strings.HasPrefix(retried[0].Detail, strconv.Itoa(code)+" ") {
			t.Errorf("hops naming the retry %+v; want one error hop back from replica-1 saying it was retried on replica-2", retried)
		}
	}
}

func TestPutIsNotRetriedAfterA503(t *testing.T) {
	s := newSystem(t, 2, nil)
	s.answers[0].status.Store(http.StatusServiceUnavailable)
	codes := map[int]int{}
	for range 2 {
		a := s.send(http.MethodPut, "/products/1", "")
		if a.err != nil {
			t.Fatal(a.err)
		}
		codes[a.code]++
	}
	if codes[http.StatusServiceUnavailable] != 1 || codes[http.StatusOK] != 1 {
		t.Errorf("two PUTs, replica-1 answering 503: statuses %v; want one 503 passed back and one 200", codes)
	}
	if st := s.lb.Stats(); st.Retries != 0 {
		t.Errorf("retries %d; want 0: a PUT is not idempotent", st.Retries)
	}
}

func TestA504IsNotRetriedButCounts(t *testing.T) {
	var clk clock
	s := newSystem(t, 3, withClock(&clk))
	s.answers[0].status.Store(http.StatusGatewayTimeout)
	answers := s.sendUntil(t, 0, 5)
	timeouts := 0
	for _, a := range answers {
		if a.code == http.StatusGatewayTimeout {
			timeouts++
		}
	}
	st := s.lb.Stats()
	if timeouts != 5 || st.Retries != 0 {
		t.Errorf("replica-1 answering 504: %d of its 5 answers reached the user, %d retries; want all 5, none retried", timeouts, st.Retries)
	}
	if !slices.Equal(st.Ejected, []string{"replica-1"}) {
		t.Errorf("ejected %v after 5 consecutive 504; want replica-1", st.Ejected)
	}
}

// A replica shedding load (503 with Retry-After) is healthy and asked for
// less: its answer goes back as it is, and it is not ejected.
func TestAnOverload503IsNeitherRetriedNorCounted(t *testing.T) {
	var clk clock
	s := newSystem(t, 3, withClock(&clk))
	s.answers[0].status.Store(http.StatusServiceUnavailable)
	s.answers[0].overload.Store(true)
	shed := 0
	for _, a := range s.sendUntil(t, 0, 8) {
		if a.code == http.StatusServiceUnavailable {
			shed++
		}
	}
	st := s.lb.Stats()
	if shed != 8 || st.Retries != 0 || len(st.Ejected) != 0 {
		t.Errorf("replica-1 shedding: %d of its 8 answers reached the user, %d retries, ejected %v; want 8, none, none", shed, st.Retries, st.Ejected)
	}
}
