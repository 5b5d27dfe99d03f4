// Package loadbalancer is the Load Balancer component: a real reverse proxy
// (net/http/httputil) on a loopback listener in front of the service
// replicas. It spreads requests round-robin or to the replica with the fewest
// requests in flight, checks each replica's health actively, takes a replica
// that does not answer out of rotation at once, ejects one that answers 5xx
// again and again (outlier detection, as Envoy does), and retries an
// idempotent request once on another replica when the first one could not be
// reached or answered 502 or 503.
package loadbalancer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"sync/atomic"
	"time"

	"github.com/archex/archex/components/httpnode"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/trace"
)

// Algorithm chooses the replica for a request.
type Algorithm string

// The algorithms.
const (
	RoundRobin Algorithm = "round-robin"
	LeastConn  Algorithm = "least-connections"
)

// Defaults for the load balancer.
var (
	// DefaultLatency is none: routing is real work of a few microseconds,
	// below what the time model can wait (see package model).
	DefaultLatency        = model.Latency{}
	DefaultHealthInterval = 250 * time.Millisecond
	// DefaultOutlier ejects a replica after 5 consecutive 5xx answers for
	// 5 s, Envoy's consecutive_5xx and base_ejection_time defaults.
	DefaultOutlier = Outlier{Consecutive5xx: 5, EjectFor: 5 * time.Second}
)

// Outlier configures outlier detection: a replica that answers 5xx
// Consecutive5xx times in a row leaves the rotation for EjectFor, whatever
// its health check says, but never more than a third of the replicas
// (rounded down) at once, so a failure everyone shares cannot empty the
// pool.
type Outlier struct {
	Consecutive5xx int
	EjectFor       time.Duration
}

// Backend is one replica behind the load balancer.
type Backend struct {
	Name string // "replica-1"
	Addr string // host:port
}

// Config configures a load balancer.
type Config struct {
	Name           string // as on the card
	Next           string // the card's name for what stands behind it
	Addr           string // where to listen ("127.0.0.1:0" when empty)
	Backends       []Backend
	Algorithm      Algorithm
	HealthInterval time.Duration
	Latency        model.Latency
	Capacity       int
	Seed           uint64
	Recorder       trace.Recorder
	OnPanic        httpnode.PanicFunc
	// Timeout bounds one proxied request (default 5 s).
	Timeout time.Duration
	Outlier Outlier // default DefaultOutlier
	// Now is the clock ejections are timed by (default time.Now).
	Now func() time.Time
}

// BackendStats are one replica's figures as the load balancer sees them.
type BackendStats struct {
	Name    string
	Healthy bool // passes its health checks
	Ejected bool // out of rotation for answering 5xx again and again
	// Draining: leaving the rotation (scaled down); it gets no new
	// request and is removed once those in flight have finished.
	Draining bool
	Active   int   // requests in flight
	Served   int64 // requests sent to it
}

// Stats are the load balancer's live figures.
type Stats struct {
	Down      bool
	Algorithm Algorithm
	Healthy   int      // replicas in rotation: healthy and not ejected
	Ejected   []string // replicas ejected now, by name
	Backends  []BackendStats
	Retries   int64
	Ejections int64 // since start
	Rejected  int64 // answered 503: no healthy replica or none reachable
}

// LB is the Load Balancer component.
type LB struct {
	cfg     Config
	station *model.Station
	faults  model.Faults
	rng     *model.Rand
	node    *httpnode.Server
	proxy   *httputil.ReverseProxy
	client  *http.Client // health checks
	algo    atomic.Value // Algorithm
	next    atomic.Uint64
	// pool is the backends, replaced whole (never changed in place) when
	// one is added or removed (see backends.go); poolMu serialises those.
	pool   atomic.Pointer[[]*backend]
	poolMu sync.Mutex

	retries, rejected, ejections atomic.Int64
	ejectMu                      sync.Mutex // one ejection decision at a time: the cap

	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

type backend struct {
	Backend
	healthy  atomic.Bool
	draining atomic.Bool  // leaving the rotation: see backends.go
	active   atomic.Int64 // requests reserved or in flight (see pick)
	served   atomic.Int64
	fails    atomic.Int64 // consecutive 5xx answers
	// ejectedUntil is when an ejection ends, Unix nanoseconds; 0: none.
	ejectedUntil atomic.Int64
}

type ctxKey struct{}

// attempt is the per-request routing state shared by the handler and the
// transport.
type attempt struct {
	first *backend
	tried []*backend
}

// New starts the load balancer.
func New(cfg Config) (*LB, error) {
	if cfg.Name == "" {
		cfg.Name = "Load Balancer"
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Next == "" {
		cfg.Next = "API Gateway"
	}
	if cfg.Algorithm == "" {
		cfg.Algorithm = RoundRobin
	}
	if cfg.HealthInterval <= 0 {
		cfg.HealthInterval = DefaultHealthInterval
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Recorder == nil {
		cfg.Recorder = trace.Discard
	}
	if cfg.Outlier.Consecutive5xx <= 0 {
		cfg.Outlier = DefaultOutlier
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	lb := &LB{cfg: cfg, stop: make(chan struct{})}
	lb.algo.Store(cfg.Algorithm)
	lb.rng = model.NewRand(cfg.Seed, cfg.Name)
	lb.station = model.NewStation(cfg.Capacity, cfg.Latency, &lb.faults, lb.rng)
	pool := make([]*backend, 0, len(cfg.Backends))
	for _, b := range cfg.Backends {
		be := &backend{Backend: b}
		be.healthy.Store(true)
		pool = append(pool, be)
	}
	lb.pool.Store(&pool)
	transport := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: time.Second}).DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	lb.client = &http.Client{Transport: transport, Timeout: cfg.HealthInterval}
	lb.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = "http"
			if a, ok := pr.Out.Context().Value(ctxKey{}).(*attempt); ok {
				pr.Out.URL.Host, pr.Out.Host = a.first.Addr, a.first.Addr
			}
		},
		BufferPool:     httpnode.Buffers,
		Transport:      &retrying{lb: lb, next: transport},
		ModifyResponse: lb.modifyResponse,
		ErrorHandler:   lb.proxyError,
		ErrorLog:       log.New(io.Discard, "", 0),
	}
	node, err := httpnode.Listen(cfg.Name, cfg.Addr, http.HandlerFunc(lb.serve), cfg.OnPanic)
	if err != nil {
		return nil, err
	}
	lb.node = node
	lb.wg.Add(1)
	go lb.checkHealth()
	return lb, nil
}

// Name is the component's name on the card.
func (lb *LB) Name() string { return lb.cfg.Name }

// URL is the front door.
func (lb *LB) URL() string { return lb.node.URL() }

// Faults are the chaos applied to every request.
func (lb *LB) Faults() *model.Faults { return &lb.faults }

// Latency is the modeled latency of routing one request.
func (lb *LB) Latency() model.Latency { return lb.cfg.Latency }

// Down reports whether the load balancer has been killed.
func (lb *LB) Down() bool { return lb.node.Down() }

// Kill closes the front door: users' connections are refused.
func (lb *LB) Kill() { lb.node.Kill() }

// Revive opens the front door again.
func (lb *LB) Revive() error { return lb.node.Revive() }

// SetAlgorithm switches between round-robin and least-connections.
func (lb *LB) SetAlgorithm(a Algorithm) { lb.algo.Store(a) }

// Close stops the load balancer for good.
func (lb *LB) Close() {
	lb.closeOnce.Do(func() {
		close(lb.stop)
		lb.wg.Wait()
		lb.node.Close()
		lb.client.CloseIdleConnections()
	})
}

// Stats returns the live figures.
func (lb *LB) Stats() Stats {
	s := Stats{Down: lb.Down(), Algorithm: lb.algo.Load().(Algorithm), Retries: lb.retries.Load(),
		Rejected: lb.rejected.Load(), Ejections: lb.ejections.Load()}
	now := lb.cfg.Now()
	for _, b := range lb.backends() {
		h, ej, dr := b.healthy.Load(), b.ejected(now), b.draining.Load()
		if h && !ej && !dr {
			s.Healthy++
		}
		if ej {
			s.Ejected = append(s.Ejected, b.Name)
		}
		s.Backends = append(s.Backends, BackendStats{Name: b.Name, Healthy: h, Ejected: ej, Draining: dr,
			Active: int(b.active.Load()), Served: b.served.Load()})
	}
	return s
}

// checkHealth asks every replica for /healthz on a ticker.
func (lb *LB) checkHealth() {
	defer lb.wg.Done()
	t := time.NewTicker(lb.cfg.HealthInterval)
	defer t.Stop()
	for {
		select {
		case <-lb.stop:
			return
		case <-t.C:
		}
		var wg sync.WaitGroup
		for _, b := range lb.backends() {
			wg.Add(1)
			go func(b *backend) {
				defer wg.Done()
				b.healthy.Store(lb.probe(b))
			}(b)
		}
		wg.Wait()
	}
}

func (lb *LB) probe(b *backend) bool {
	resp, err := lb.client.Get("http://" + b.Addr + "/healthz")
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// choose chooses a healthy replica, not ejected, not draining, not tried
// yet (pick reserves it).
func (lb *LB) choose(tried []*backend) *backend {
	pool := lb.backends()
	candidates := make([]*backend, 0, len(pool))
	var now time.Time
	for _, b := range pool {
		if !contains(tried, b) && lb.inRotation(b, &now) {
			candidates = append(candidates, b)
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	turn := lb.next.Add(1)
	if lb.algo.Load().(Algorithm) == LeastConn {
		// The fewest requests in flight; ties take turns, or sequential
		// traffic (always zero in flight) would all land on one replica.
		fewest := candidates[0].active.Load()
		for _, b := range candidates[1:] {
			fewest = min(fewest, b.active.Load())
		}
		tied := candidates[:0:0]
		for _, b := range candidates {
			if b.active.Load() == fewest {
				tied = append(tied, b)
			}
		}
		if len(tied) > 0 {
			return tied[turn%uint64(len(tied))]
		}
	}
	return candidates[turn%uint64(len(candidates))]
}

func contains(list []*backend, b *backend) bool {
	for _, x := range list {
		if x == b {
			return true
		}
	}
	return false
}

// serve routes one request: the modeled latency, a replica, then the proxy.
func (lb *LB) serve(w http.ResponseWriter, r *http.Request) {
	from, sent := trace.Received(r.Header, time.Now())
	id := trace.FromHeader(r.Header)
	if id == "" {
		// A request from outside archex (curl): start its trace here.
		id = trace.NewID(lb.rng.Uint64())
		r.Header.Set(trace.HeaderID, string(id))
	}
	var chosen *backend
	err := lb.station.Serve(r.Context(), func() error {
		chosen = lb.pick(nil)
		return nil
	})
	hop := trace.Hop{Trace: id, From: from, To: lb.cfg.Name, Start: sent, Duration: time.Since(sent),
		Method: r.Method, Path: r.URL.Path}
	switch {
	case err != nil:
		hop.Outcome, hop.Err = trace.Error, err.Error()
		hop.Detail = fmt.Sprintf("%s %s: %v", r.Method, r.URL.Path, err)
	case chosen == nil:
		hop.Outcome, hop.Why = trace.Error, trace.NoReplica
		hop.Detail = fmt.Sprintf("%s %s: no healthy replica", r.Method, r.URL.Path)
	default:
		hop.Instance, hop.Policy = chosen.Name, string(lb.algo.Load().(Algorithm))
		hop.Detail = r.Method + " " + r.URL.Path + " -> " + chosen.Name + " (" + hop.Policy + ")"
	}
	lb.cfg.Recorder.Record(hop)
	if err != nil || chosen == nil {
		reason := "no healthy replica"
		if err != nil {
			reason = err.Error()
		}
		lb.reject(w, reason)
		return
	}
	a := &attempt{first: chosen}
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, a))
	trace.Send(r.Header, lb.cfg.Name, time.Now())
	lb.proxy.ServeHTTP(w, r)
	if len(a.tried) == 0 {
		chosen.release() // the proxy gave up before sending it
	}
}

func (lb *LB) reject(w http.ResponseWriter, reason string) {
	lb.rejected.Add(1)
	trace.Send(w.Header(), lb.cfg.Name, time.Now())
	http.Error(w, lb.cfg.Name+": "+reason, http.StatusServiceUnavailable)
}

// modifyResponse records the hop back from the replica and stamps the hop on
// to the user.
func (lb *LB) modifyResponse(resp *http.Response) error {
	inst := ""
	if a, ok := resp.Request.Context().Value(ctxKey{}).(*attempt); ok && len(a.tried) > 0 {
		inst = a.tried[len(a.tried)-1].Name
	}
	httpnode.RelayResponse(resp, lb.cfg.Name, lb.cfg.Next, inst, lb.cfg.Recorder)
	return nil
}

// proxyError answers when no replica could be reached, even after a retry.
func (lb *LB) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	start := trace.SentOr(r.Header, time.Now())
	hop := trace.Hop{
		Trace: trace.FromHeader(r.Header), From: lb.cfg.Name, To: lb.cfg.Next,
		Start: start, Duration: time.Since(start), Outcome: trace.Error,
		Method: r.Method, Path: r.URL.Path, Err: err.Error(),
	}
	var ue unreachableError
	if errors.As(err, &ue) {
		hop.Instance, hop.Why, hop.Err = ue.name, trace.Unreachable, ue.err.Error()
	}
	var te interface{ Timeout() bool }
	if errors.As(err, &te) && te.Timeout() {
		hop.Why, hop.Err = trace.NoReason, fmt.Sprintf("no answer from a replica within %v", lb.cfg.Timeout)
	}
	hop.Detail = hop.Err
	if hop.Why == trace.Unreachable {
		hop.Detail = ue.Error()
	}
	lb.cfg.Recorder.Record(hop)
	lb.reject(w, hop.Detail)
}
