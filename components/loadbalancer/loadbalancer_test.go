package loadbalancer_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/archex/archex/components/httpnode"
	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/components/trace/tracetest"
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

// noChecks is a health interval long enough that no active check runs in a
// test: what it sees is the passive health alone.
const noChecks = time.Hour

type system struct {
	lb       *loadbalancer.LB
	backends []*httpnode.Server
	rec      *recorder
	client   *http.Client
	release  chan struct{} // closing it finishes every request held on /slow
	traceIDs chan string   // the trace id each backend request carried
	// answers set what each replica answers: a status (0: 200 OK), and
	// whether it is an overload answer with Retry-After.
	answers []answerSetting
}

type answerSetting struct {
	status   atomic.Int32
	overload atomic.Bool
}

// newSystem starts n fake replicas (they answer as the API Gateway would,
// with their name as the body; /slow waits for release) and a load balancer
// in front of them.
func newSystem(t *testing.T, n int, edit func(*loadbalancer.Config)) *system {
	t.Helper()
	s := &system{rec: &recorder{}, release: make(chan struct{}), traceIDs: make(chan string, 1000), answers: make([]answerSetting, n)}
	cfg := loadbalancer.Config{Recorder: s.rec, HealthInterval: noChecks}
	for i := range n {
		name := fmt.Sprintf("replica-%d", i+1)
		node, err := httpnode.Listen(name, "127.0.0.1:0", s.replica(name, &s.answers[i]), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(node.Close)
		s.backends = append(s.backends, node)
		cfg.Backends = append(cfg.Backends, loadbalancer.Backend{Name: name, Addr: node.Addr()})
	}
	if edit != nil {
		edit(&cfg)
	}
	lb, err := loadbalancer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lb.Close)
	s.lb = lb
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	s.client = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	t.Cleanup(s.finish)
	return s
}

func (s *system) replica(name string, set *answerSetting) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			w.WriteHeader(http.StatusOK)
			return
		}
		if r.URL.Path == "/slow" {
			select {
			case <-s.release:
			case <-r.Context().Done():
			}
		}
		select {
		case s.traceIDs <- r.Header.Get(trace.HeaderID):
		default:
		}
		io.Copy(io.Discard, r.Body)
		trace.Send(w.Header(), "API Gateway", time.Now())
		if set.overload.Load() {
			w.Header().Set("Retry-After", "1")
		}
		if code := set.status.Load(); code != 0 {
			w.WriteHeader(int(code))
		}
		io.WriteString(w, name)
	}
}

// finish lets held requests end.
func (s *system) finish() {
	select {
	case <-s.release:
	default:
		close(s.release)
	}
}

type answer struct {
	code int
	body string
	err  error
}

// send sends one request to the load balancer as the User, with trace id id.
func (s *system) send(method, path string, id trace.ID) answer {
	var body io.Reader
	if method == http.MethodPut {
		body = strings.NewReader(`{"price_cents":1299}`)
	}
	req, err := http.NewRequest(method, s.lb.URL()+path, body)
	if err != nil {
		return answer{err: err}
	}
	if id != "" {
		req.Header.Set(trace.HeaderID, string(id))
	}
	trace.Send(req.Header, "User", time.Now())
	resp, err := s.client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{code: resp.StatusCode, body: string(b), err: err}
}

func (s *system) get(t *testing.T) string {
	t.Helper()
	a := s.send(http.MethodGet, "/products/1", "")
	if a.err != nil || a.code != http.StatusOK {
		t.Fatalf("GET: %d %q %v; want 200", a.code, a.body, a.err)
	}
	return a.body
}

func (s *system) backend(name string) loadbalancer.BackendStats {
	for _, b := range s.lb.Stats().Backends {
		if b.Name == name {
			return b
		}
	}
	return loadbalancer.BackendStats{}
}

func TestRoundRobinSpreadsOverHealthyBackends(t *testing.T) {
	s := newSystem(t, 3, nil)
	counts := map[string]int{}
	for range 30 {
		counts[s.get(t)]++
	}
	for _, name := range []string{"replica-1", "replica-2", "replica-3"} {
		if counts[name] != 10 {
			t.Errorf("round-robin over 3 replicas, 30 requests: %v; want 10 each", counts)
			break
		}
		if b := s.backend(name); b.Served != 10 || b.Active != 0 {
			t.Errorf("stats of %s: %+v, want served 10, none active", name, b)
		}
	}
	if st := s.lb.Stats(); st.Algorithm != loadbalancer.RoundRobin || st.Healthy != 3 || st.Retries != 0 {
		t.Errorf("stats %+v, want round-robin, 3 healthy, no retries", st)
	}
}

func TestLeastConnectionsPrefersTheIdleBackend(t *testing.T) {
	s := newSystem(t, 3, func(c *loadbalancer.Config) { c.Algorithm = loadbalancer.LeastConn })
	// Hold two replicas busy with one slow request each.
	var wg sync.WaitGroup
	slow := make(chan answer, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slow <- s.send(http.MethodGet, "/slow", "")
		}()
		eventually(t, 2*time.Second, "the slow request did not reach a replica", func() bool {
			busy := 0
			for _, b := range s.lb.Stats().Backends {
				busy += b.Active
			}
			return busy == i+1
		})
	}
	var idle string
	for _, b := range s.lb.Stats().Backends {
		if b.Active > 1 {
			t.Fatalf("two slow requests on %s: least-connections should have spread them", b.Name)
		}
		if b.Active == 0 {
			idle = b.Name
		}
	}

	for range 6 {
		if got := s.get(t); got != idle {
			t.Errorf("request served by %s, want the idle %s", got, idle)
		}
	}
	s.finish()
	wg.Wait()
	for range 2 {
		if a := <-slow; a.err != nil || a.code != 200 {
			t.Errorf("slow request: %d %v", a.code, a.err)
		}
	}
}

func TestKilledBackendLeavesRotationAtOnceOnARefusedDial(t *testing.T) {
	s := newSystem(t, 3, nil)
	s.backends[1].Kill()
	for range 9 {
		if got := s.get(t); got == "replica-2" {
			t.Fatal("a killed replica answered")
		}
	}
	st := s.lb.Stats()
	if st.Healthy != 2 || s.backend("replica-2").Healthy {
		t.Fatalf("stats %+v, want replica-2 out of rotation", st)
	}
	if st.Retries != 1 {
		t.Errorf("retries %d, want 1: only the first request should have tried the dead replica", st.Retries)
	}
	if served := s.backend("replica-2").Served; served != 1 {
		t.Errorf("replica-2 was sent %d requests, want 1 (then out of rotation)", served)
	}
}

func TestActiveHealthCheckTakesABackendOutAndBringsItBack(t *testing.T) {
	s := newSystem(t, 3, func(c *loadbalancer.Config) { c.HealthInterval = 20 * time.Millisecond })
	s.backends[2].Kill()
	eventually(t, 3*time.Second, "the health check did not take the killed replica out", func() bool {
		return !s.backend("replica-3").Healthy
	})
	before := s.backend("replica-3").Served
	for range 6 {
		s.get(t)
	}
	if got := s.backend("replica-3").Served; got != before {
		t.Errorf("a replica out of rotation was sent %d requests", got-before)
	}

	if err := s.backends[2].Revive(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 3*time.Second, "the health check did not bring the revived replica back", func() bool {
		return s.backend("replica-3").Healthy
	})
	seen := false
	for range 6 {
		seen = seen || s.get(t) == "replica-3"
	}
	if !seen {
		t.Error("the revived replica got no request in 6 round-robin turns")
	}
}

func TestGetIsRetriedOnlyOnce(t *testing.T) {
	s := newSystem(t, 2, nil)
	s.backends[0].Kill()
	s.backends[1].Kill()
	// Both dead: the first choice and the one retry both fail.
	a := s.send(http.MethodGet, "/products/1", "")
	if a.err != nil || a.code != http.StatusServiceUnavailable || !strings.Contains(a.body, "unreachable") {
		t.Fatalf("GET with every replica dead: %d %q %v; want 503 naming the unreachable replica", a.code, a.body, a.err)
	}
	if st := s.lb.Stats(); st.Retries != 1 || st.Rejected != 1 {
		t.Errorf("stats %+v, want exactly one retry and one rejection", st)
	}
}

func TestRetriedGetSucceedsOnTheOtherBackend(t *testing.T) {
	s := newSystem(t, 2, nil)
	s.backends[0].Kill()
	s.backends[1].Kill()
	if err := s.backends[1].Revive(); err != nil {
		t.Fatal(err)
	}
	// Either the first choice is replica-1 (dead, retried on replica-2)
	// or replica-2 (served at once); two requests cover both turns.
	for range 2 {
		if got := s.get(t); got != "replica-2" {
			t.Errorf("served by %s, want replica-2", got)
		}
	}
	if st := s.lb.Stats(); st.Retries != 1 || st.Rejected != 0 {
		t.Errorf("stats %+v, want one retry, no rejection", st)
	}
}

func TestPutToADeadBackendIsNotRetried(t *testing.T) {
	s := newSystem(t, 2, nil)
	s.backends[0].Kill()
	var codes []int
	for range 2 {
		a := s.send(http.MethodPut, "/products/1", "")
		if a.err != nil {
			t.Fatal(a.err)
		}
		codes = append(codes, a.code)
		if a.code == http.StatusServiceUnavailable && !strings.Contains(a.body, "replica-1 unreachable") {
			t.Errorf("503 body %q, want the reason naming replica-1", a.body)
		}
	}
	failed := 0
	for _, c := range codes {
		if c == http.StatusServiceUnavailable {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("statuses %v, want exactly one 503 (the PUT sent to the dead replica)", codes)
	}
	if st := s.lb.Stats(); st.Retries != 0 {
		t.Errorf("retries %d, want 0: a PUT is not idempotent", st.Retries)
	}
}

func TestNoHealthyBackendAnswers503WithAReason(t *testing.T) {
	s := newSystem(t, 2, func(c *loadbalancer.Config) { c.HealthInterval = 20 * time.Millisecond })
	for _, b := range s.backends {
		b.Kill()
	}
	eventually(t, 3*time.Second, "the health check did not see every replica die", func() bool { return s.lb.Stats().Healthy == 0 })
	a := s.send(http.MethodGet, "/products/1", "t-none")
	if a.err != nil || a.code != http.StatusServiceUnavailable || !strings.Contains(a.body, "no healthy replica") {
		t.Fatalf("answer %d %q %v, want 503 \"no healthy replica\"", a.code, a.body, a.err)
	}
	hops := s.rec.Of("t-none")
	if len(hops) != 1 || hops[0].From != "User" || hops[0].To != "Load Balancer" || hops[0].Outcome != trace.Error ||
		!strings.Contains(hops[0].Detail, "no healthy replica") {
		t.Errorf("hops %+v, want one User -> Load Balancer error naming the reason", hops)
	}
	if st := s.lb.Stats(); st.Rejected != 1 {
		t.Errorf("rejected %d, want 1", st.Rejected)
	}
}

func TestKillRefusesConnectionsAndReviveServes(t *testing.T) {
	s := newSystem(t, 1, nil)
	url := s.lb.URL()
	s.lb.Kill()
	if !s.lb.Down() || !s.lb.Stats().Down {
		t.Error("not down after Kill")
	}
	a := s.send(http.MethodGet, "/products/1", "")
	if !errors.Is(a.err, syscall.ECONNREFUSED) {
		t.Fatalf("after kill: %d %v, want connection refused", a.code, a.err)
	}
	if err := s.lb.Revive(); err != nil {
		t.Fatal(err)
	}
	if s.lb.URL() != url {
		t.Errorf("revived on %s, want the same front door %s", s.lb.URL(), url)
	}
	if got := s.get(t); got != "replica-1" {
		t.Errorf("after revive served by %q", got)
	}
}

func TestHopsNameTheChosenReplicaAndTheReply(t *testing.T) {
	s := newSystem(t, 3, nil)
	before := time.Now()
	a := s.send(http.MethodGet, "/products/7", "t-42")
	if a.err != nil || a.code != 200 {
		t.Fatalf("GET: %d %v", a.code, a.err)
	}
	hops := s.rec.Of("t-42")
	if len(hops) != 2 {
		t.Fatalf("hops %+v, want the hop in and the reply", hops)
	}
	in, back := hops[0], hops[1]
	if in.From != "User" || in.To != "Load Balancer" || in.Instance != a.body || in.Outcome != trace.OK ||
		in.Detail != "GET /products/7 -> "+a.body+" (round-robin)" {
		t.Errorf("hop in %+v, want User -> Load Balancer choosing %s", in, a.body)
	}
	if in.Start.Before(before) || in.Duration < 0 {
		t.Errorf("hop in starts %v lasting %v, want from the user's stamp", in.Start, in.Duration)
	}
	if back.From != "API Gateway" || back.To != "Load Balancer" || back.Instance != a.body || back.Outcome != trace.OK ||
		back.Detail != "200 OK from "+a.body {
		t.Errorf("reply hop %+v, want API Gateway -> Load Balancer from %s", back, a.body)
	}
	if got := <-s.traceIDs; got != "t-42" {
		t.Errorf("the replica saw trace id %q, want t-42", got)
	}
}

func TestARequestWithoutATraceIDGetsOne(t *testing.T) {
	s := newSystem(t, 1, nil)
	s.get(t)
	id := <-s.traceIDs
	if id == "" {
		t.Fatal("the replica saw no trace id")
	}
	if hops := s.rec.Of(trace.ID(id)); len(hops) != 2 {
		t.Errorf("hops of the new trace %q: %+v, want 2", id, hops)
	}
}

func TestBackendKilledWithPooledConnectionsLeavesRotationWithoutFailures(t *testing.T) {
	s := newSystem(t, 3, nil)
	for range 30 {
		s.get(t) // every replica now has a pooled connection from the LB
	}
	s.backends[1].Kill()
	for range 30 {
		if got := s.get(t); got == "replica-2" {
			t.Fatal("a killed replica answered")
		}
	}
	if s.backend("replica-2").Healthy {
		t.Error("the killed replica is still in rotation")
	}
}

func TestGetCutMidRequestByAKillIsRetriedOnAnotherBackend(t *testing.T) {
	s := newSystem(t, 2, nil)
	done := make(chan answer, 1)
	go func() { done <- s.send(http.MethodGet, "/slow", "") }()
	var busy int
	eventually(t, 2*time.Second, "the slow request did not reach a replica", func() bool {
		for i, b := range s.lb.Stats().Backends {
			if b.Active == 1 {
				busy = i
				return true
			}
		}
		return false
	})
	s.backends[busy].Kill()
	eventually(t, 2*time.Second, "the cut request was not retried", func() bool { return s.lb.Stats().Retries == 1 })
	s.finish()
	a := <-done
	if want := fmt.Sprintf("replica-%d", 2-busy); a.err != nil || a.code != 200 || a.body != want {
		t.Errorf("answer %d %q %v, want 200 from %s", a.code, a.body, a.err, want)
	}
}

func TestInjectedFailuresAnswer503AndHealBringsItBack(t *testing.T) {
	s := newSystem(t, 1, nil)
	s.lb.Faults().SetFailRate(1)
	a := s.send(http.MethodGet, "/products/1", "t-chaos")
	if a.err != nil || a.code != http.StatusServiceUnavailable || !strings.Contains(a.body, "injected failure") {
		t.Fatalf("answer %d %q %v, want 503 naming the injected failure", a.code, a.body, a.err)
	}
	if hops := s.rec.Of("t-chaos"); len(hops) != 1 || hops[0].Outcome != trace.Error {
		t.Errorf("hops %+v, want one error hop into the load balancer", hops)
	}
	s.lb.Faults().Heal()
	s.get(t)
}
