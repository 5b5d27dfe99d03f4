package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/card"
)

// underLoad starts an engine at rate req/s, lets warm seconds pass and
// returns it with the requests so far (a load scenario: skipped by -short).
func underLoad(t *testing.T, rate float64, warm int) (*Engine, Requests) {
	t.Helper()
	if testing.Short() {
		t.Skip("load scenario")
	}
	e := newEngine(t, Options{Rate: rate})
	e.Start()
	waitSeconds(t, e, warm)
	return e, e.Snapshot().Requests
}

// A cache slowed by 100 ms is a sick cache: its calls time out after 10 ms,
// the reads fall back to the database, the breaker opens and the reads skip
// it; nobody waits the 100 ms.
func TestSlowCacheBehavesLikeASickCache(t *testing.T) {
	e, before := underLoad(t, 200, 2)
	if err := e.Slow("cache", 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	opened := false
	deadline := time.Now().Add(5 * time.Second)
	for !opened && time.Now().Before(deadline) {
		st, _ := e.Snapshot().ByKind(card.KindCache)
		opened = st.Breaker == "open"
		time.Sleep(20 * time.Millisecond)
	}
	if !opened {
		t.Fatal("the breaker did not open within 5 s of slowing the cache by 100 ms")
	}
	during := summarize(waitSeconds(t, e, 4))
	failed := e.Snapshot().Requests.Failed - before.Failed
	t.Logf("cache slowed by 100 ms: %v; failed since the fault %d", during, failed)
	// The database path takes about 13 ms: the p50 stays below 30 ms and
	// nobody fails. Under the race detector, on a CI machine running other
	// packages' race tests beside this one, the machine sets the figures:
	// measured there, p50 109-125 ms and some requests failed with the cache
	// slowed and with it killed alike. The run still exercises the paths
	// for races; the figures are judged without the detector.
	if raceDetector {
		t.Logf("figures not judged under the race detector")
	} else {
		if during.p50 >= 30 {
			t.Errorf("p50 %.1f ms with the cache slowed by 100 ms; want below 30 ms (the database path)", during.p50)
		}
		if failed != 0 {
			t.Errorf("%d requests failed; a slow cache has a fallback. Why: %v", failed, failures(e))
		}
	}
	if !noticed(e, "circuit breaker closed -> open") {
		t.Error("no notice of the breaker opening")
	}
}

// Chaos aimed at one replica hits that replica alone; the load balancer
// retries its 503s elsewhere and ejects it.
func TestFailingOneReplicaFailsAlmostNoRequest(t *testing.T) {
	e, before := underLoad(t, 200, 1)
	if err := e.FailRate("service-1", 1); err != nil {
		t.Fatal(err)
	}
	for i, f := range e.svc.Faults() {
		if want := map[bool]float64{true: 1, false: 0}[i == 0]; f.FailRate() != want {
			t.Errorf("replica-%d fails %.0f%% of calls; want %.0f%%", i+1, f.FailRate()*100, want*100)
		}
	}
	ejected := false
	end := time.Now().Add(5 * time.Second)
	for time.Now().Before(end) {
		s := e.Snapshot()
		lb, _ := s.ByKind(card.KindLoadBalancer)
		ejected = ejected || slices.Equal(lb.Ejected, []string{"replica-1"})
		time.Sleep(20 * time.Millisecond)
	}
	s := e.Snapshot()
	sent, failed := s.Requests.Sent-before.Sent, s.Requests.Failed-before.Failed
	svc, _ := s.ByKind(card.KindService)
	t.Logf("replica-1 failing every request for 5 s: %d of %d requests failed; service note %q", failed, sent, svc.Note)
	if float64(failed) > 0.01*float64(sent) {
		t.Errorf("%d of %d requests failed; want at most 1%%", failed, sent)
	}
	if !ejected || !noticed(e, "replica-1 ejected: 5 5xx answers in a row") {
		t.Errorf("the load balancer never showed replica-1 ejected (seen %v), or no notice said so", ejected)
	}
	if !strings.Contains(svc.Note, "replica-1") || svc.State != Degraded {
		t.Errorf("service %v %q; want DEGRADED naming replica-1", svc.State, svc.Note)
	}
	if err := e.Heal("service-1"); err != nil {
		t.Fatal(err)
	}
	for i, f := range e.svc.Faults() {
		if f.FailRate() != 0 {
			t.Errorf("replica-%d still fails %.0f%% after heal service-1", i+1, f.FailRate()*100)
		}
	}
	settle(t, e, false)
}

// noticed reports whether a notice so far says text.
func noticed(e *Engine, text string) bool {
	notes, _ := e.Notices(0)
	for _, n := range notes {
		if strings.Contains(n.Text, text) {
			return true
		}
	}
	return false
}

// failures counts the reasons of the failed requests among the recent
// traces, for a failing test to show.
func failures(e *Engine) map[string]int {
	why := map[string]int{}
	ts, _ := e.TracesSince(0, keepDone)
	for _, tr := range ts {
		if tr.Done && !tr.OK() {
			why[fmt.Sprintf("%d %.80s", tr.Status, tr.Err)]++
		}
	}
	return why
}

func TestServiceFaultsAllReplicasAndHealOneReplicaAlone(t *testing.T) {
	e := newEngine(t, Options{})
	if err := e.Slow("service", 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := e.Heal("service-2"); err != nil {
		t.Fatal(err)
	}
	var slows []time.Duration
	for _, f := range e.svc.Faults() {
		slows = append(slows, f.Slow())
	}
	if want := []time.Duration{20 * time.Millisecond, 0, 20 * time.Millisecond}; !slices.Equal(slows, want) {
		t.Errorf("slow service then heal service-2: replicas slowed by %v; want %v", slows, want)
	}
	e.refresh(time.Now())
	if svc, _ := e.Snapshot().ByKind(card.KindService); svc.Note != "replica-1, replica-3 slowed +20ms" {
		t.Errorf("service note %q; want the replicas named", svc.Note)
	}
}
