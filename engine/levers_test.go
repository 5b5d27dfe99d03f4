package engine

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/loadbalancer"
)

// leverRate is the load the lever tests scale under: 200 req/s, or 50
// under the race detector, which slows every request several times (at
// 200 its health checks time out and replicas drop out of rotation for
// reasons of its own).
func leverRate() float64 {
	if raceDetector {
		return 50
	}
	return 200
}

// scaled waits for the replicas to reach the number asked for.
func scaled(t *testing.T, e *Engine) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.WaitScaled(ctx); err != nil {
		t.Fatal(err)
	}
}

func backendNames(e *Engine) []string {
	var out []string
	for _, b := range e.lb.Stats().Backends {
		out = append(out, b.Name)
	}
	return out
}

// Scaling up and down at 200 req/s fails no request: a new replica joins
// the rotation after its health check, a removed one drains first. The
// names and the per-replica faults stay true as replicas come and go.
func TestScalingTheServiceUnderLoadFailsNothing(t *testing.T) {
	e, before := underLoad(t, leverRate(), 1)
	must(t, e.ScaleService(6))
	scaled(t, e)
	if got := backendNames(e); !slices.Equal(got, []string{"replica-1", "replica-2", "replica-3", "replica-4", "replica-5", "replica-6"}) {
		t.Errorf("backends after scaling to 6: %v", got)
	}
	// A fault on service-5 lands on replica-5 alone.
	must(t, e.Slow("service-5", 5*time.Millisecond))
	waitSeconds(t, e, 1)
	if st, _ := e.Snapshot().ByKind(card.KindService); !slices.Equal(st.FaultsOn, []string{"replica-5"}) || st.Replicas != 6 {
		t.Errorf("service status after slowing service-5: faults on %v, %d replicas", st.FaultsOn, st.Replicas)
	}
	served := e.lb.Stats().Backends[5].Served
	waitSeconds(t, e, 1)
	must(t, e.ScaleService(2))
	scaled(t, e)
	if got := backendNames(e); !slices.Equal(got, []string{"replica-1", "replica-2"}) {
		t.Errorf("backends after scaling to 2: %v", got)
	}
	if err := e.CheckTarget("service-5"); err == nil {
		t.Error("service-5 still names a replica after scaling to 2")
	}
	must(t, e.ScaleService(3))
	scaled(t, e)
	waitSeconds(t, e, 1)
	// replica-3 is new: none of the faults of the replica-3 before it, or
	// of replica-5.
	if st, _ := e.Snapshot().ByKind(card.KindService); st.Slow != 0 {
		t.Errorf("after scaling 6 -> 2 -> 3 the service shows %v of added latency; replica-5's fault left with it", st.Slow)
	}
	waitSeconds(t, e, 1)
	after := e.Snapshot().Requests
	sent, failed := after.Sent-before.Sent, after.Failed-before.Failed
	t.Logf("scaled 3 -> 6 -> 2 -> 3 at %g req/s: %d of %d failed; replica-6 had served %d", leverRate(), failed, sent, served)
	if failed != 0 {
		t.Errorf("%d of %d requests failed while scaling; want none. Why: %v", failed, sent, failures(e))
	}
	if served == 0 {
		t.Error("replica-6 served nothing: it never joined the rotation")
	}
	for _, text := range []string{"scaling 3 -> 6 replicas", "replica-6 passed its health check: in rotation", "replica-6 drained and stopped: no request cut"} {
		if !noticed(e, text) {
			t.Errorf("no notice %q", text)
		}
	}
	settle(t, e, false)
}

// A replica removed while it has requests in flight (slowed, so that it
// has many) lets every one of them finish.
func TestARemovedReplicaLosesNoRequestInFlight(t *testing.T) {
	e, before := underLoad(t, leverRate(), 1)
	must(t, e.Slow("service-3", 300*time.Millisecond))
	deadline := time.Now().Add(3 * time.Second)
	atLeast := int(leverRate() / 3 * 0.3 / 2) // half of what a third of the rate keeps there
	for e.svc.Stats().Replicas[2].InFlight < atLeast {
		if time.Now().After(deadline) {
			t.Fatalf("replica-3 never had %d requests in flight: %+v", atLeast, e.svc.Stats().Replicas[2])
		}
		time.Sleep(5 * time.Millisecond)
	}
	inFlight := e.svc.Stats().Replicas[2].InFlight
	must(t, e.ScaleService(2))
	scaled(t, e)
	waitSeconds(t, e, 1)
	after := e.Snapshot().Requests
	t.Logf("removed replica-3 with %d requests in flight", inFlight)
	if failed := after.Failed - before.Failed; failed != 0 {
		t.Errorf("%d requests failed; the removed replica's %d in flight should all have finished. Why: %v", failed, inFlight, failures(e))
	}
	if !noticed(e, "replica-3 drained and stopped: no request cut") {
		t.Error("no notice of replica-3 draining")
	}
	settle(t, e, false)
}

// A larger pool is used at once under load; a smaller one is down to its
// size once the surplus connections come back.
func TestThePoolChangeTakesEffect(t *testing.T) {
	e, _ := underLoad(t, 500, 0)
	must(t, e.Kill("cache")) // every read on the database: more than 3 connections' worth
	inUse := func(want func(int) bool) bool {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if want(e.db.Stats().InUse) {
				return true
			}
			time.Sleep(2 * time.Millisecond)
		}
		return false
	}
	if !inUse(func(n int) bool { return n == 3 }) {
		t.Fatalf("the database never had its 3 connections in use at 500 req/s with the cache down: %+v", e.db.Stats())
	}
	must(t, e.SetPool(6))
	if !inUse(func(n int) bool { return n > 3 }) {
		t.Errorf("after pool 6 the database never had more than 3 connections in use: %+v", e.db.Stats())
	}
	must(t, e.SetPool(2))
	time.Sleep(100 * time.Millisecond) // the surplus comes back within a statement or two
	most := 0
	for range 200 {
		most = max(most, e.db.Stats().InUse)
		time.Sleep(2 * time.Millisecond)
	}
	if most > 2 || e.db.Stats().Pool != 2 {
		t.Errorf("after pool 2: up to %d connections in use, pool %d; want at most 2", most, e.db.Stats().Pool)
	}
	if st, _ := e.Snapshot().ByKind(card.KindDatabase); st.PoolSize != 2 {
		t.Errorf("the database's status shows a pool of %d, want 2", st.PoolSize)
	}
	must(t, e.Revive("cache"))
	settle(t, e, false)
}

// More consumers drain a backlog; fewer retire after their batch, and no
// event is lost or applied twice.
func TestScalingTheWorkerDrainsAndRetiresCleanly(t *testing.T) {
	e, _ := underLoad(t, 300, 0)
	must(t, e.Kill("worker"))
	waitSeconds(t, e, 2)
	must(t, e.ScaleWorker(6))
	must(t, e.SetPool(6)) // a connection for each consumer: none waits past ClaimIdle for one
	must(t, e.Revive("worker"))
	deadline := time.Now().Add(3 * time.Second)
	for e.worker.Stats().Consumers != 6 {
		if time.Now().After(deadline) {
			t.Fatalf("%d consumers running after scale worker 6", e.worker.Stats().Consumers)
		}
		time.Sleep(5 * time.Millisecond)
	}
	must(t, e.ScaleWorker(1))
	for e.worker.Stats().Consumers != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d consumers running after scale worker 1", e.worker.Stats().Consumers)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := e.Levers().Workers; got != 1 {
		t.Errorf("levers say %d workers, want 1", got)
	}
	s := settle(t, e, !raceDetector)
	// A batch slower than ClaimIdle (1 s) is claimed by another consumer:
	// under the race detector that happens for reasons of its own.
	if r := e.worker.Stats().Redelivered; r != 0 && !raceDetector {
		t.Errorf("%d deliveries came round again: a retired consumer left its batch", r)
	}
	t.Logf("events processed %d, duplicated %d", s.Events.Processed, s.Events.Duplicated)
}

// The rate limit per key refuses a key over it (429) and lets it through
// again when raised; the TTL lever shortens what new fills live.
func TestRateLimitAndTTLLevers(t *testing.T) {
	e, _ := underLoad(t, 200, 1)
	must(t, e.SetKeyRate(10)) // 4 keys at 50 req/s each: over it, even slowed by the race detector
	limited := 0
	for _, s := range waitSeconds(t, e, 2) {
		limited += s.Limited
	}
	if limited == 0 {
		t.Error("no request was limited at 50 req/s a key with a limit of 10")
	}
	must(t, e.SetKeyRate(1000))
	waitSeconds(t, e, 1) // the second it changed in
	if s := waitSeconds(t, e, 1)[0]; s.Limited != 0 {
		t.Errorf("%d requests limited a second after raising the limit to 1000", s.Limited)
	}
	e.StopTraffic()
	must(t, e.SetTTL(time.Second))
	if got := e.Levers().TTL; got != time.Second {
		t.Errorf("levers say TTL %v", got)
	}
	// Asked of the cache itself (the service's path may skip a slow
	// cache behind its breaker on a busy machine): a call that times out
	// is asked again.
	cached := func() bool {
		for range 20 {
			_, hit, _, err := e.caches[0].Get(context.Background(), "product:987")
			if err == nil {
				return hit
			}
		}
		t.Fatal("the cache did not answer 20 times in a row")
		return false
	}
	// Whatever the traffic filled before, with the old TTL, goes first.
	for range 20 {
		if _, err := e.caches[0].Del(context.Background(), "product:987"); err == nil {
			break
		}
	}
	for try := 0; !cached(); try++ {
		if try == 20 {
			t.Fatal("20 reads of product 987 did not fill the cache")
		}
		_, err := e.Send(context.Background(), Request{Product: 987}, false)
		must(t, err)
	}
	time.Sleep(1200 * time.Millisecond)
	if cached() {
		t.Error("product 987 is still cached 1.2 s after a fill with a TTL of 1 s (±10 %)")
	}
}

// Every lever has a fault word; the defaults put every lever back.
func TestLeverFaultsAndDefaults(t *testing.T) {
	e := newEngine(t, Options{})
	script := []string{"scale service 4 @0s", "scale worker 3 @0s", "pool 5 @0s", "ttl 5s @0s", "ratelimit 100 @0s",
		"breaker off @0s", "singleflight off @0s", "shedding on @0s", "algorithm least-connections @0s"}
	for _, s := range script {
		f, err := ParseFault(s)
		must(t, err)
		must(t, e.CheckFault(f))
		must(t, e.Apply(f))
	}
	scaled(t, e)
	want := Levers{Replicas: 4, Workers: 3, Pool: 5, TTL: 5 * time.Second, KeyRate: 100, Shedding: true, Algorithm: loadbalancer.LeastConn}
	if got := e.Levers(); got != want {
		t.Errorf("levers after the script: %+v, want %+v", got, want)
	}
	def := e.DefaultLevers()
	if def != (Levers{Replicas: 3, Workers: 2, Pool: 3, TTL: time.Minute, KeyRate: 1000, Breaker: true, Singleflight: true, Algorithm: loadbalancer.RoundRobin}) {
		t.Errorf("default levers %+v", def)
	}
	must(t, e.SetLevers(def))
	scaled(t, e)
	if got := e.Levers(); got != def {
		t.Errorf("levers after SetLevers(defaults): %+v", got)
	}
	for in, msg := range map[string]string{
		"scale service 10 @0s": "from 1 to 9",
		"scale cache 2 @0s":    "cannot be scaled",
		"pool 0 @0s":           "from 1 to 32",
		"ttl 10ms @0s":         "from 1s to 1h0m0s",
		"ratelimit x @0s":      "from 1 to 5000",
		"algorithm random @0s": "use round-robin or least-connections",
	} {
		f, err := ParseFault(in)
		if err == nil {
			err = e.CheckFault(f)
		}
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: %v, want an error with %q", in, err, msg)
		}
	}
}

// An engine built and left idle before its traffic starts counts its
// seconds from the traffic's start: second 0 is the first second of
// traffic, and the idle seconds before are not in the history.
func TestTheClockStartsWithTheTraffic(t *testing.T) {
	if testing.Short() {
		t.Skip("load scenario")
	}
	e := newEngine(t, Options{Rate: 100})
	deadline := time.Now().Add(3 * time.Second)
	for len(e.History()) < 1 {
		if time.Now().After(deadline) {
			t.Fatal("no idle second closed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.Start()
	secs := waitSeconds(t, e, 2)
	if secs[0].T != 0 || secs[1].T != 1 || len(e.History()) != 2 {
		t.Errorf("history after the start: %+v", e.History())
	}
	if secs[0].Sent < 70 || secs[0].Sent > 130 {
		t.Errorf("second 0 sent %d, want about 100 (the schedule's second 0)", secs[0].Sent)
	}
	if el := e.Snapshot().Elapsed; el > 3*time.Second {
		t.Errorf("elapsed %v: the clock did not start again with the traffic", el)
	}
	// A lever turned by its own method says so in the notices.
	must(t, e.Turn(Fault{Action: "pool", Value: "4", Text: "pool 4"}))
	if !noticed(e, "pool 3 -> 4 connections") {
		t.Error("no notice of the pool")
	}
	if err := e.Turn(Fault{Action: "kill", Target: "cache", Text: "kill cache"}); err == nil {
		t.Error("Turn took a kill")
	}
}
