package gateway_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/archex/archex/components/gateway"
	"github.com/archex/archex/components/httpnode"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/components/trace/tracetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder keeps every hop.
type recorder struct{ tracetest.Recorder }

type system struct {
	gw     *gateway.Gateway
	node   *httpnode.Server
	rec    *recorder
	client *http.Client

	mu     sync.Mutex
	passed []string // request ids the service saw
}

// newSystem serves a gateway in front of a fake service that answers as the
// Service Layer with the request id it saw.
func newSystem(t *testing.T, edit func(*gateway.Config)) *system {
	t.Helper()
	s := &system{rec: &recorder{}}
	cfg := gateway.Config{Recorder: s.rec}
	if edit != nil {
		edit(&cfg)
	}
	s.gw = gateway.New(cfg)
	service := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(gateway.HeaderRequestID)
		s.mu.Lock()
		s.passed = append(s.passed, id)
		s.mu.Unlock()
		trace.Send(w.Header(), "Service Layer", time.Now())
		io.WriteString(w, id)
	})
	node, err := httpnode.Listen("Service Layer replica-1", "127.0.0.1:0", s.gw.Wrap("replica-1", service), nil)
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
	return append([]string(nil), s.passed...)
}

type answer struct {
	code   int
	body   string
	header http.Header
	err    error
}

// send sends a request as the load balancer would; headers are set on it.
func (s *system) send(method, path string, id trace.ID, headers map[string]string) answer {
	req, err := http.NewRequest(method, s.node.URL()+path, nil)
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set(trace.HeaderID, string(id))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	trace.Send(req.Header, "Load Balancer", time.Now())
	resp, err := s.client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{code: resp.StatusCode, body: string(b), header: resp.Header, err: err}
}

func key(k string) map[string]string { return map[string]string{gateway.HeaderKey: k} }

func TestChecksAnswerWithStatusAndReason(t *testing.T) {
	tests := []struct {
		name         string
		method, path string
		headers      map[string]string
		code         int
		reason       string
	}{
		{"missing key", "GET", "/products/1", nil, 401, "missing API key: send it in the X-Api-Key header"},
		{"unknown key", "GET", "/products/1", key("stolen-key"), 401, `unknown API key "stolen-key"`},
		{"unknown route", "GET", "/users/1", key("demo-key-1"), 404, "no route for GET /users/1"},
		{"wrong method", "DELETE", "/products/1", key("demo-key-1"), 404, "no route for DELETE /products/1"},
		{"extra segment", "GET", "/products/1/reviews", key("demo-key-1"), 404, "no route for GET /products/1/reviews"},
		{"read", "GET", "/products/1", key("demo-key-1"), 200, ""},
		{"write", "PUT", "/products/1", key("demo-key-2"), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSystem(t, nil)
			a := s.send(tt.method, tt.path, "t-1", tt.headers)
			if a.err != nil {
				t.Fatal(a.err)
			}
			if a.code != tt.code {
				t.Fatalf("status %d %q, want %d", a.code, a.body, tt.code)
			}
			passed := len(s.seen()) == 1
			if passed != (tt.code == 200) {
				t.Errorf("the request reached the service: %v, want %v", passed, tt.code == 200)
			}
			if tt.code != 200 {
				if want := "API Gateway: " + tt.reason; strings.TrimSpace(a.body) != want {
					t.Errorf("body %q, want %q", a.body, want)
				}
			}
			st := s.gw.Stats()
			got := map[int]int64{200: st.Passed, 401: st.Unauthorized, 404: st.NotFound, 429: st.Limited}
			for code, n := range got {
				want := int64(0)
				if code == tt.code {
					want = 1
				}
				if n != want {
					t.Errorf("stats %+v: count for %d is %d, want %d", st, code, n, want)
				}
			}
		})
	}
}

func TestOverTheRateLimitAnswers429WithRetryAfter(t *testing.T) {
	s := newSystem(t, func(c *gateway.Config) {
		c.Keys = []gateway.Key{{Key: "tight", Rate: 1, Burst: 1}, {Key: "roomy", Rate: 1000, Burst: 100}}
	})
	if a := s.send("GET", "/products/1", "t-1", key("tight")); a.code != 200 {
		t.Fatalf("first request: %d %q %v, want 200 (the burst)", a.code, a.body, a.err)
	}
	a := s.send("GET", "/products/1", "t-2", key("tight"))
	if a.err != nil || a.code != http.StatusTooManyRequests {
		t.Fatalf("second request at once: %d %q %v, want 429", a.code, a.body, a.err)
	}
	if !strings.Contains(a.body, "rate limit of key tight exceeded (1 req/s)") {
		t.Errorf("429 body %q, want the reason naming the key and its limit", a.body)
	}
	if ra, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || ra != 1 {
		t.Errorf("Retry-After %q, want 1 (seconds, rounded up)", a.header.Get("Retry-After"))
	}
	// The limit is per key: another key passes.
	if a := s.send("GET", "/products/1", "t-3", key("roomy")); a.code != 200 {
		t.Errorf("another key: %d %q, want 200", a.code, a.body)
	}
	if st := s.gw.Stats(); st.Limited != 1 || st.Passed != 2 {
		t.Errorf("stats %+v, want 1 limited, 2 passed", st)
	}
}

func TestRequestIDIsGeneratedWhenAbsentAndKeptWhenGiven(t *testing.T) {
	s := newSystem(t, nil)
	a := s.send("GET", "/products/1", "t-1", key("demo-key-1"))
	b := s.send("GET", "/products/1", "t-2", key("demo-key-1"))
	c := s.send("GET", "/products/1", "t-3", map[string]string{gateway.HeaderKey: "demo-key-1", gateway.HeaderRequestID: "mine-7"})
	for _, x := range []answer{a, b, c} {
		if x.err != nil || x.code != 200 {
			t.Fatalf("answer %d %q %v", x.code, x.body, x.err)
		}
	}
	if a.body == "" || b.body == "" || a.body == b.body {
		t.Errorf("generated request ids %q and %q, want two distinct ids", a.body, b.body)
	}
	if c.body != "mine-7" {
		t.Errorf("the service saw request id %q, want the given mine-7", c.body)
	}
	for _, x := range []answer{a, b, c} {
		if got := x.header.Get(gateway.HeaderRequestID); got != x.body {
			t.Errorf("response carries request id %q, the service saw %q", got, x.body)
		}
	}
}

func TestKillAbortsTheConnectionAndReviveServes(t *testing.T) {
	s := newSystem(t, nil)
	s.gw.Kill()
	if !s.gw.Down() || !s.gw.Stats().Down {
		t.Error("not down after Kill")
	}
	if a := s.send("GET", "/products/1", "t-1", key("demo-key-1")); a.err == nil {
		t.Fatalf("a killed gateway answered %d %q, want the connection cut", a.code, a.body)
	}
	if len(s.seen()) != 0 {
		t.Error("a request passed a killed gateway")
	}
	s.gw.Revive()
	if a := s.send("GET", "/products/1", "t-2", key("demo-key-1")); a.err != nil || a.code != 200 {
		t.Errorf("after revive: %d %v, want 200", a.code, a.err)
	}
}

func TestInjectedFailuresAnswer503(t *testing.T) {
	s := newSystem(t, nil)
	s.gw.Faults().SetFailRate(1)
	a := s.send("GET", "/products/1", "t-1", key("demo-key-1"))
	if a.err != nil || a.code != http.StatusServiceUnavailable || !strings.Contains(a.body, "injected failure") {
		t.Errorf("answer %d %q %v, want 503 naming the injected failure", a.code, a.body, a.err)
	}
}

func TestHopsToTheGatewayAndTheReplyThroughIt(t *testing.T) {
	s := newSystem(t, nil)
	before := time.Now()
	a := s.send("GET", "/products/9", "t-ok", map[string]string{gateway.HeaderKey: "demo-key-1", gateway.HeaderRequestID: "req-x"})
	if a.err != nil || a.code != 200 {
		t.Fatalf("answer %d %v", a.code, a.err)
	}
	if from, _ := trace.Received(a.header, time.Time{}); from != "API Gateway" {
		t.Errorf("response stamped by %q, want API Gateway", from)
	}
	hops := s.rec.Of("t-ok")
	if len(hops) != 2 {
		t.Fatalf("hops %+v, want the hop in and the reply", hops)
	}
	in, back := hops[0], hops[1]
	if in.From != "Load Balancer" || in.To != "API Gateway" || in.Instance != "replica-1" || in.Outcome != trace.OK ||
		in.Detail != "key demo-key-1 ok, route GET /products/{id}, req-x" || in.Start.Before(before) {
		t.Errorf("hop in %+v, want Load Balancer -> API Gateway on replica-1 naming key, route and request id", in)
	}
	if back.From != "Service Layer" || back.To != "API Gateway" || back.Instance != "replica-1" || back.Outcome != trace.OK || back.Detail != "200 OK" {
		t.Errorf("reply hop %+v, want Service Layer -> API Gateway, 200 OK", back)
	}

	a = s.send("GET", "/products/9", "t-401", nil)
	if from, _ := trace.Received(a.header, time.Time{}); from != "API Gateway" {
		t.Errorf("401 stamped by %q, want API Gateway", from)
	}
	hops = s.rec.Of("t-401")
	if len(hops) != 1 || hops[0].From != "Load Balancer" || hops[0].To != "API Gateway" || hops[0].Outcome != trace.Error ||
		!strings.HasPrefix(hops[0].Detail, "401 missing API key") {
		t.Errorf("hops of a rejected request %+v, want one error hop into the gateway with the reason", hops)
	}
}
