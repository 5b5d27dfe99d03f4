package generic_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/archex/archex/components/generic"
	"github.com/archex/archex/components/httpnode"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/components/trace/tracetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder keeps every hop.
type recorder struct{ tracetest.Recorder }

func TestCallWaitsTheModeledLatency(t *testing.T) {
	c := generic.New(generic.Config{Name: "Search", Kind: "search index", Latency: model.Latency{Base: 20 * time.Millisecond}})
	if c.Name() != "Search" || c.Kind() != "search index" {
		t.Errorf("name %q kind %q", c.Name(), c.Kind())
	}
	took, err := c.Call(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if took < 20*time.Millisecond {
		t.Errorf("call took %v, want at least the modeled 20 ms", took)
	}
	if c.Calls() != 1 {
		t.Errorf("calls %d, want 1", c.Calls())
	}
}

func TestKilledComponentRefusesCallsAtOnce(t *testing.T) {
	// A modeled latency of an hour: a call that returns did not wait it.
	c := generic.New(generic.Config{Name: "Search", Latency: model.Latency{Base: time.Hour}})
	c.Kill()
	if !c.Down() {
		t.Fatal("not down after Kill")
	}
	_, err := c.Call(context.Background())
	if !errors.Is(err, model.ErrDown) || !strings.Contains(err.Error(), "Search") {
		t.Errorf("call to a killed component: %v, want model.ErrDown naming it", err)
	}
	if c.Calls() != 0 {
		t.Errorf("calls %d, want a refused call not counted as work done", c.Calls())
	}
	c.Revive()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Call(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("call after revive: %v, want it to do its (hour-long) work until the deadline", err)
	}
}

func TestCallFailsUnderInjectedFailures(t *testing.T) {
	c := generic.New(generic.Config{Name: "Search"})
	c.Faults().SetFailRate(1)
	if _, err := c.Call(context.Background()); !errors.Is(err, model.ErrInjected) {
		t.Errorf("call under fail rate 1: %v, want model.ErrInjected", err)
	}
}

type system struct {
	c      *generic.Component
	node   *httpnode.Server
	rec    *recorder
	client *http.Client

	mu     sync.Mutex
	nextIn []string // who the next handler saw the request from
}

// newSystem serves the component wrapped in front of a fake service.
func newSystem(t *testing.T) *system {
	t.Helper()
	s := &system{rec: &recorder{}}
	s.c = generic.New(generic.Config{Name: "Auth", Kind: "auth service", Recorder: s.rec})
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		from, _ := trace.Received(r.Header, time.Time{})
		s.mu.Lock()
		s.nextIn = append(s.nextIn, from)
		s.mu.Unlock()
		trace.Send(w.Header(), "Service Layer", time.Now())
		io.WriteString(w, "ok")
	})
	node, err := httpnode.Listen("Auth", "127.0.0.1:0", s.c.Wrap("replica-1", next), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(node.Close)
	s.node = node
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	s.client = &http.Client{Transport: tr, Timeout: 5 * time.Second}
	return s
}

func (s *system) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.nextIn...)
}

func (s *system) send(id trace.ID) (int, string, http.Header, error) {
	req, _ := http.NewRequest("GET", s.node.URL()+"/products/1", nil)
	req.Header.Set(trace.HeaderID, string(id))
	trace.Send(req.Header, "Load Balancer", time.Now())
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header, err
}

func TestWrapRecordsTheHopAndPassesOn(t *testing.T) {
	s := newSystem(t)
	code, body, h, err := s.send("t-1")
	if err != nil || code != 200 || body != "ok" {
		t.Fatalf("answer %d %q %v, want the next handler's 200", code, body, err)
	}
	if got := s.seen(); len(got) != 1 || got[0] != "Auth" {
		t.Errorf("the next handler saw the request from %q, want Auth", got)
	}
	if from, _ := trace.Received(h, time.Time{}); from != "Auth" {
		t.Errorf("response stamped by %q, want Auth", from)
	}
	hops := s.rec.Of("t-1")
	if len(hops) != 2 {
		t.Fatalf("hops %+v, want the hop in and the reply", hops)
	}
	in, back := hops[0], hops[1]
	if in.From != "Load Balancer" || in.To != "Auth" || in.Instance != "replica-1" || in.Outcome != trace.OK || in.Detail != "GET /products/1" {
		t.Errorf("hop in %+v, want Load Balancer -> Auth on replica-1", in)
	}
	if back.From != "Service Layer" || back.To != "Auth" || back.Outcome != trace.OK {
		t.Errorf("reply hop %+v, want Service Layer -> Auth", back)
	}
	if s.c.Calls() != 1 {
		t.Errorf("calls %d, want 1", s.c.Calls())
	}
}

func TestWrapAnswers503WhenItsWorkFails(t *testing.T) {
	s := newSystem(t)
	s.c.Faults().SetFailRate(1)
	code, body, h, err := s.send("t-2")
	if err != nil || code != http.StatusServiceUnavailable || !strings.Contains(body, "injected failure") {
		t.Fatalf("answer %d %q %v, want 503 naming the failure", code, body, err)
	}
	if len(s.seen()) != 0 {
		t.Error("the request was passed on")
	}
	if from, _ := trace.Received(h, time.Time{}); from != "Auth" {
		t.Errorf("503 stamped by %q, want Auth", from)
	}
	if hops := s.rec.Of("t-2"); len(hops) != 1 || hops[0].Outcome != trace.Error || hops[0].To != "Auth" {
		t.Errorf("hops %+v, want one error hop into Auth", hops)
	}
}

func TestKilledWrapAbortsTheConnection(t *testing.T) {
	s := newSystem(t)
	s.c.Kill()
	if code, _, _, err := s.send("t-3"); err == nil {
		t.Fatalf("a killed component answered %d, want the connection cut", code)
	}
	if len(s.seen()) != 0 {
		t.Error("a request passed a killed component")
	}
	if hops := s.rec.Of("t-3"); len(hops) != 0 {
		t.Errorf("hops %+v recorded by a killed component", hops)
	}
	s.c.Revive()
	if code, _, _, err := s.send("t-4"); err != nil || code != 200 {
		t.Errorf("after revive: %d %v, want 200", code, err)
	}
}
