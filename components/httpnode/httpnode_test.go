package httpnode_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/archex/archex/components/httpnode"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/components/trace/tracetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder keeps every hop.
type recorder struct{ tracetest.Recorder }

// panics keeps what a PanicFunc was told.
type panics struct {
	mu     sync.Mutex
	values []string
}

func (p *panics) report(component string, v any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.values = append(p.values, fmt.Sprintf("%s: %v", component, v))
}

func (p *panics) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.values...)
}

func client(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

func listen(t *testing.T, name string, h http.Handler, onPanic httpnode.PanicFunc) *httpnode.Server {
	t.Helper()
	s, err := httpnode.Listen(name, "127.0.0.1:0", h, onPanic)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func get(t *testing.T, c *http.Client, u string) (int, string, error) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func hello(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") }

func TestKillRefusesAndReviveServesOnTheSameAddress(t *testing.T) {
	s := listen(t, "Cache", http.HandlerFunc(hello), nil)
	c := client(t)
	addr := s.Addr()
	if s.URL() != "http://"+addr {
		t.Fatalf("URL %q, want http://%s", s.URL(), addr)
	}
	if code, body, err := get(t, c, s.URL()); err != nil || code != 200 || body != "hello" {
		t.Fatalf("before kill: %d %q %v", code, body, err)
	}

	s.Kill()
	if !s.Down() {
		t.Error("Down() false after Kill")
	}
	_, _, err := get(t, c, s.URL())
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("after kill: err %v, want connection refused", err)
	}
	s.Kill() // a second kill is harmless

	if err := s.Revive(); err != nil {
		t.Fatal(err)
	}
	if s.Down() || s.Addr() != addr {
		t.Fatalf("after revive: down %v, addr %s; want up on %s", s.Down(), s.Addr(), addr)
	}
	if err := s.Revive(); err != nil {
		t.Fatalf("a second revive: %v", err)
	}
	if code, body, err := get(t, c, s.URL()); err != nil || code != 200 || body != "hello" {
		t.Fatalf("after revive: %d %q %v", code, body, err)
	}
}

func TestKillCutsARequestInFlight(t *testing.T) {
	entered := make(chan struct{})
	s := listen(t, "Database", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done() // the connection is closed under it
	}), nil)
	c := client(t)
	errs := make(chan error, 1)
	go func() {
		resp, err := c.Get(s.URL())
		if err == nil {
			resp.Body.Close()
		}
		errs <- err
	}()
	<-entered
	s.Kill()
	if err := <-errs; err == nil {
		t.Fatal("a request in flight got an answer from a killed server")
	}
}

func TestHandlerPanicIsRecoveredAndAnswered500(t *testing.T) {
	var p panics
	s := listen(t, "Service Layer", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/boom" {
			panic("kaboom")
		}
		hello(w, r)
	}), p.report)
	c := client(t)

	code, body, err := get(t, c, s.URL()+"/boom")
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusInternalServerError || !strings.Contains(body, "Service Layer") || !strings.Contains(body, "recovered panic") {
		t.Errorf("answer %d %q, want 500 naming the component and the recovered panic", code, body)
	}
	if got := p.list(); len(got) != 1 || got[0] != "Service Layer: kaboom" {
		t.Errorf("panic reports %q, want [\"Service Layer: kaboom\"]", got)
	}
	if code, body, err := get(t, c, s.URL()); err != nil || code != 200 || body != "hello" {
		t.Errorf("after the panic: %d %q %v; want the server still serving", code, body, err)
	}
}

func TestHandlerPanicWithoutAPanicFuncIsStillAnswered(t *testing.T) {
	s := listen(t, "Cache", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(errors.New("nil map")) }), nil)
	if code, _, err := get(t, client(t), s.URL()); err != nil || code != http.StatusInternalServerError {
		t.Errorf("answer %d, %v; want 500", code, err)
	}
}

func TestErrAbortHandlerStillAbortsTheConnection(t *testing.T) {
	var p panics
	s := listen(t, "API Gateway", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}), p.report)
	code, _, err := get(t, client(t), s.URL())
	if err == nil {
		t.Fatalf("got an answer (%d), want the connection aborted", code)
	}
	if got := p.list(); len(got) != 0 {
		t.Errorf("an abort was reported as a panic: %q", got)
	}
}

// stamped answers as the component name, having stamped its reply.
func stamped(name string, code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		trace.Send(w.Header(), name, time.Now().Add(-time.Millisecond))
		w.WriteHeader(code)
		io.WriteString(w, "body")
	}
}

func TestReplyWriterRecordsTheHopBackOnce(t *testing.T) {
	tests := []struct {
		name    string
		next    http.HandlerFunc
		code    int
		outcome trace.Outcome
		hops    int
	}{
		{"ok reply", stamped("Service Layer", 200), 200, trace.OK, 1},
		{"error reply", stamped("Service Layer", 503), 503, trace.Error, 1},
		{"implicit 200 on Write", func(w http.ResponseWriter, r *http.Request) {
			trace.Send(w.Header(), "Service Layer", time.Now())
			io.WriteString(w, "a")
			io.WriteString(w, "b")
		}, 200, trace.OK, 1},
		{"header written twice", func(w http.ResponseWriter, r *http.Request) {
			trace.Send(w.Header(), "Service Layer", time.Now())
			w.WriteHeader(404)
			w.WriteHeader(500)
		}, 404, trace.OK, 1},
		// The component answered itself (its proxy could not reach the
		// next one): that is no hop back to it.
		{"own reply", stamped("API Gateway", 502), 502, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			w := httptest.NewRecorder()
			rw := &httpnode.ReplyWriter{ResponseWriter: w, Name: "API Gateway", Instance: "replica-2", Trace: "t-1", Recorder: &rec}
			before := time.Now()
			tt.next(rw, httptest.NewRequest("GET", "/products/1", nil))

			if w.Code != tt.code {
				t.Errorf("status %d, want %d", w.Code, tt.code)
			}
			from, sent := trace.Received(w.Header(), time.Time{})
			if from != "API Gateway" || sent.Before(before) {
				t.Errorf("response stamped by %q at %v, want restamped by API Gateway", from, sent)
			}
			hops := rec.All()
			if len(hops) != tt.hops {
				t.Fatalf("%d hops %+v, want %d", len(hops), hops, tt.hops)
			}
			if tt.hops == 0 {
				return
			}
			h := hops[0]
			want := fmt.Sprintf("%d %s", tt.code, http.StatusText(tt.code))
			if h.From != "Service Layer" || h.To != "API Gateway" || h.Instance != "replica-2" || h.Trace != "t-1" ||
				h.Outcome != tt.outcome || h.Detail != want {
				t.Errorf("hop %+v, want Service Layer -> API Gateway on replica-2, trace t-1, %v, %q", h, tt.outcome, want)
			}
			if h.Duration < 0 {
				t.Errorf("negative duration %v", h.Duration)
			}
		})
	}
}

func TestRelayResponseRecordsTheHopBackAndRestamps(t *testing.T) {
	sent := time.Now().Add(-3 * time.Millisecond)
	tests := []struct {
		name     string
		stamp    string // who stamped the response; "" for nobody
		code     int
		instance string
		wantFrom string
		outcome  trace.Outcome
		detail   string
	}{
		{"stamped", "API Gateway", 200, "replica-2", "API Gateway", trace.OK, "200 OK from replica-2"},
		{"unstamped", "", 200, "", "API Gateway", trace.OK, "200 OK"},
		{"server error", "API Gateway", 503, "replica-1", "API Gateway", trace.Error, "503 Service Unavailable from replica-1"},
		{"client error", "API Gateway", 404, "", "API Gateway", trace.OK, "404 Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/products/1", nil)
			req.Header.Set(trace.HeaderID, "t-7")
			resp := &http.Response{
				StatusCode: tt.code, Status: fmt.Sprintf("%d %s", tt.code, http.StatusText(tt.code)),
				Header: http.Header{}, Request: req,
			}
			if tt.stamp != "" {
				trace.Send(resp.Header, tt.stamp, sent)
			}
			var rec recorder
			httpnode.RelayResponse(resp, "Load Balancer", "API Gateway", tt.instance, &rec)

			hops := rec.All()
			if len(hops) != 1 {
				t.Fatalf("%d hops, want 1", len(hops))
			}
			h := hops[0]
			if h.From != tt.wantFrom || h.To != "Load Balancer" || h.Trace != "t-7" || h.Instance != tt.instance ||
				h.Outcome != tt.outcome || h.Detail != tt.detail {
				t.Errorf("hop %+v, want %s -> Load Balancer, trace t-7, %q, %v, %q", h, tt.wantFrom, tt.instance, tt.outcome, tt.detail)
			}
			if tt.stamp != "" && !h.Start.Equal(sent) {
				t.Errorf("hop starts %v, want the stamp's %v", h.Start, sent)
			}
			if from, _ := trace.Received(resp.Header, time.Time{}); from != "Load Balancer" {
				t.Errorf("response stamped by %q, want Load Balancer", from)
			}
		})
	}
}

// stage runs a Proxy behind a ReplyWriter, as a front stage does.
func stage(name, next string, target *url.URL, rec trace.Recorder) http.Handler {
	p := httpnode.Proxy(name, next, target, rec)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		trace.Send(r.Header, name, time.Now())
		p.ServeHTTP(&httpnode.ReplyWriter{ResponseWriter: w, Name: name, Trace: trace.FromHeader(r.Header), Recorder: rec}, r)
	})
}

func TestProxyForwardsAndTheReplyHopIsRecorded(t *testing.T) {
	var rec recorder
	backend := listen(t, "Load Balancer", stamped("Load Balancer", 200), nil)
	target, _ := url.Parse(backend.URL())
	front := listen(t, "CDN", stage("CDN", "Load Balancer", target, &rec), nil)

	req, _ := http.NewRequest("GET", front.URL()+"/products/1", nil)
	req.Header.Set(trace.HeaderID, "t-9")
	resp, err := client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "body" {
		t.Fatalf("answer %d %q, want the backend's 200 \"body\"", resp.StatusCode, body)
	}
	if from, _ := trace.Received(resp.Header, time.Time{}); from != "CDN" {
		t.Errorf("response stamped by %q, want CDN", from)
	}
	hops := rec.All()
	if len(hops) != 1 || hops[0].From != "Load Balancer" || hops[0].To != "CDN" || hops[0].Trace != "t-9" || hops[0].Outcome != trace.OK {
		t.Errorf("hops %+v, want one Load Balancer -> CDN, ok, trace t-9", hops)
	}
}

func TestProxyToADeadTargetAnswers502AndRecordsAnErrorHop(t *testing.T) {
	var rec recorder
	backend := listen(t, "Load Balancer", http.HandlerFunc(hello), nil)
	target, _ := url.Parse(backend.URL())
	backend.Kill()
	front := listen(t, "CDN", stage("CDN", "Load Balancer", target, &rec), nil)

	req, _ := http.NewRequest("GET", front.URL()+"/products/1", nil)
	req.Header.Set(trace.HeaderID, "t-3")
	resp, err := client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "Load Balancer unreachable") {
		t.Errorf("answer %d %q, want 502 naming the unreachable Load Balancer", resp.StatusCode, body)
	}
	hops := rec.All()
	if len(hops) != 1 {
		t.Fatalf("hops %+v, want exactly the failed one (no reply hop for the stage's own answer)", hops)
	}
	h := hops[0]
	if h.From != "CDN" || h.To != "Load Balancer" || h.Outcome != trace.Error || h.Trace != "t-3" || !strings.Contains(h.Detail, "unreachable") {
		t.Errorf("hop %+v, want CDN -> Load Balancer, error, trace t-3, unreachable", h)
	}
}

func TestBuffersLendsFullSizeBuffers(t *testing.T) {
	b := httpnode.Buffers.Get()
	if len(b) != 32*1024 {
		t.Fatalf("buffer of %d bytes, want 32 KiB", len(b))
	}
	httpnode.Buffers.Put(b)
	if b2 := httpnode.Buffers.Get(); len(b2) != 32*1024 {
		t.Errorf("buffer after a Put of %d bytes, want 32 KiB", len(b2))
	}
}
