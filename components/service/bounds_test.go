package service_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archex/archex/components/cache"
	"github.com/archex/archex/components/trace"
)

// A slow cache is a sick cache: each call ends at the timeout, the read
// falls back to the database, and five timeouts open the breaker.
func TestASlowCacheTimesOutAndOpensTheBreaker(t *testing.T) {
	s := newSystem(t, nil)
	s.cache.Faults().SetSlow(time.Second)
	for i := range 3 {
		start := time.Now()
		_, a := s.readOK(t, i+1)
		if took := time.Since(start); took > 500*time.Millisecond {
			t.Errorf("read %d with the cache slowed by 1 s took %v; want the cache timeout to end its calls", i+1, took)
		}
		if a.body.Source != dbName {
			t.Errorf("read %d came from %q, want the database", i+1, a.body.Source)
		}
	}
	// GET and SET of three cold reads: the fifth timeout opens it.
	if st := s.svc.Stats(); st.Breakers[0].State != "open" {
		t.Fatalf("breaker %q after 5 timed-out cache calls; want open", st.Breakers[0].State)
	}
	timedOut := s.rec.Where(func(h trace.Hop) bool {
		return h.To == cacheName && h.Outcome == trace.Fallback && strings.Contains(h.Detail, cache.ErrTimeout.Error())
	})
	if len(timedOut) != 5 {
		t.Errorf("%d cache calls recorded as timed out, want 5: %+v", len(timedOut), timedOut)
	}
	id, _ := s.readOK(t, 4)
	for _, h := range s.rec.Of(id) {
		if h.To == cacheName && h.Outcome != trace.Skipped {
			t.Errorf("with the breaker open a read still called the cache: %+v", h)
		}
	}
}

// The invalidating DEL is bounded too: a write to a slow cache is answered
// without waiting for it.
func TestAWriteDoesNotWaitForASlowCache(t *testing.T) {
	s := newSystem(t, nil)
	s.svc.SetBreaker(false) // every call goes to the cache
	s.cache.Faults().SetSlow(time.Second)
	start := time.Now()
	_, a := s.send(0, http.MethodPut, "/products/5", `{"price_cents": 1500}`)
	if a.err != nil || a.code != http.StatusOK {
		t.Fatalf("write: %d %q %v", a.code, a.body.Error, a.err)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("a write with the cache slowed by 1 s took %v; want the DEL to end at its timeout", took)
	}
}

// holdDatabase starts a read that keeps the database's only connection for
// as long as its slowness lasts, and waits until it has it.
func holdDatabase(t *testing.T, s *system, product int) <-chan answer {
	t.Helper()
	held := make(chan answer, 1)
	go func() {
		_, a := s.send(0, http.MethodGet, fmt.Sprintf("/products/%d", product), "")
		held <- a
	}()
	eventually(t, 5*time.Second, "the first read did not reach the database", func() bool { return s.db.Stats().InUse == 1 })
	return held
}

// get sends a GET to replica 1 and returns the status, the Retry-After
// header, the time it took and the trace id.
func (s *system) get(t *testing.T, product int) (code int, retryAfter string, took time.Duration, id trace.ID) {
	t.Helper()
	id = trace.ID(fmt.Sprintf("t-%d", s.next.Add(1)))
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://%s/products/%d", s.addrs[0], product), nil)
	req.Header.Set(trace.HeaderID, string(id))
	trace.Send(req.Header, "API Gateway", time.Now())
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After"), time.Since(start), id
}

func sheddingSystem(t *testing.T) *system {
	return newSystem(t, func(su *setup) {
		su.dbCfg.Pool = 1
		// Any line at all is too long: the test does not depend on
		// measured statement times.
		su.cfg.ShedTarget = time.Nanosecond
		su.cfg.Timeout = 5 * time.Second
	})
}

func TestSheddingAnswers503AtOnceWhenTheLineIsTooLong(t *testing.T) {
	s := sheddingSystem(t)
	s.svc.SetShedding(true)
	s.db.Faults().SetSlow(300 * time.Millisecond)
	held := holdDatabase(t, s, 1)

	code, retry, took, id := s.get(t, 2)
	if code != http.StatusServiceUnavailable || retry != "1" {
		t.Errorf("a read behind a line too long: %d, Retry-After %q; want 503 with Retry-After: 1", code, retry)
	}
	if took > 200*time.Millisecond {
		t.Errorf("the shed read took %v; want it answered at once, not after the 300 ms statement in front of it", took)
	}
	hops := s.rec.Of(id)
	checkHops(t, "shed read", hops,
		step{"API Gateway", svcName, trace.OK},
		step{svcName, cacheName, trace.Miss},
		step{cacheName, svcName, trace.Miss},
		step{svcName, dbName, trace.Shed},
	)
	if n := len(hops); n == 0 || !strings.Contains(hops[n-1].Detail, "shed") {
		t.Errorf("the shed hop %+v should say so", hops)
	}
	// A write is shed the same way.
	_, a := s.send(0, http.MethodPut, "/products/3", `{"price_cents": 999}`)
	if a.code != http.StatusServiceUnavailable || !strings.Contains(a.body.Error, "shed") {
		t.Errorf("a write behind a line too long: %d %q; want 503 saying it was shed", a.code, a.body.Error)
	}
	if a := <-held; a.code != http.StatusOK {
		t.Errorf("the read holding the database: %d %q, want 200", a.code, a.body.Error)
	}
	if st := s.svc.Stats(); st.Shed != 2 || !st.SheddingOn {
		t.Errorf("stats: shed %d, on %v; want 2 shed, shedding on", st.Shed, st.SheddingOn)
	}
}

// A read of a key whose query is already in flight joins it: it needs no
// statement of its own, so it is never shed.
func TestAReadJoiningAQueryInFlightIsNotShed(t *testing.T) {
	s := sheddingSystem(t)
	s.svc.SetShedding(true)
	s.db.Faults().SetSlow(300 * time.Millisecond)
	held := holdDatabase(t, s, 7)
	if code, _, _, _ := s.get(t, 7); code != http.StatusOK {
		t.Errorf("a read joining the query in flight: %d; want 200", code)
	}
	<-held
}

func TestWithSheddingOffRequestsWaitTheirTurn(t *testing.T) {
	s := sheddingSystem(t)
	s.db.Faults().SetSlow(100 * time.Millisecond)
	held := holdDatabase(t, s, 1)
	var wg sync.WaitGroup
	codes := make([]int, 3)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _, _, _ = s.get(t, 10+i)
		}()
	}
	wg.Wait()
	<-held
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("read %d in line with shedding off: %d; want 200 after its wait", i, c)
		}
	}
	if st := s.svc.Stats(); st.Shed != 0 || st.SheddingOn {
		t.Errorf("stats: shed %d, on %v; want none, off", st.Shed, st.SheddingOn)
	}
}
