// Package gateway is the API Gateway component: the HTTP middleware every
// request passes on its way to the service. It checks the API key (401 with
// the reason), applies a token bucket per key (429 with Retry-After), matches
// the route table (404) and gives every request an id. It runs in front of
// each service replica, with one shared state, as a gateway tier would.
package gateway

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/archex/archex/components/httpnode"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/trace"
)

// Defaults for the gateway.
var (
	// DefaultLatency is none: the checks are real work of a few
	// microseconds, below what the time model can wait (see package model).
	DefaultLatency = model.Latency{}
	// DefaultKeys are the API keys the gateway accepts.
	DefaultKeys = []Key{
		{Key: "demo-key-1", Rate: 1000, Burst: 500},
		{Key: "demo-key-2", Rate: 1000, Burst: 500},
		{Key: "demo-key-3", Rate: 1000, Burst: 500},
		{Key: "demo-key-4", Rate: 1000, Burst: 500},
		// A trial key with a tight limit, to show 429s.
		{Key: TrialKey, Rate: 2, Burst: 2},
	}
	// DefaultRoutes is the route table.
	DefaultRoutes = []string{"GET /products/{id}", "PUT /products/{id}"}
)

// TrialKey is the key with a tight limit of its own (2 req/s), to show 429s.
const TrialKey = "trial-key"

// HeaderKey carries the API key; HeaderRequestID the request id.
const (
	HeaderKey       = "X-Api-Key"
	HeaderRequestID = "X-Request-Id"
)

// Key is one API key and its rate limit (requests per second, burst).
type Key struct {
	Key   string
	Rate  float64
	Burst int
}

// Config configures a gateway.
type Config struct {
	Name     string // as on the card
	Keys     []Key
	Routes   []string // net/http patterns, e.g. "GET /products/{id}"
	Latency  model.Latency
	Capacity int
	Seed     uint64
	Recorder trace.Recorder
}

// Stats are the gateway's live figures.
type Stats struct {
	Down         bool
	Passed       int64
	Unauthorized int64 // 401
	Limited      int64 // 429
	NotFound     int64 // 404
}

// Gateway is the API Gateway component.
type Gateway struct {
	cfg      Config
	station  *model.Station
	faults   model.Faults
	limiters map[string]*rate.Limiter
	routes   []route
	down     atomic.Bool
	nextID   atomic.Uint64

	passed, unauthorized, limited, notFound atomic.Int64
}

// New builds a gateway.
func New(cfg Config) *Gateway {
	if cfg.Name == "" {
		cfg.Name = "API Gateway"
	}
	if cfg.Keys == nil {
		cfg.Keys = DefaultKeys
	}
	if cfg.Routes == nil {
		cfg.Routes = DefaultRoutes
	}
	if cfg.Recorder == nil {
		cfg.Recorder = trace.Discard
	}
	g := &Gateway{cfg: cfg, limiters: make(map[string]*rate.Limiter)}
	g.station = model.NewStation(cfg.Capacity, cfg.Latency, &g.faults, model.NewRand(cfg.Seed, cfg.Name))
	for _, k := range cfg.Keys {
		g.limiters[k.Key] = rate.NewLimiter(rate.Limit(k.Rate), k.Burst)
	}
	for _, pattern := range cfg.Routes {
		g.routes = append(g.routes, parseRoute(pattern))
	}
	return g
}

// Name is the component's name on the card.
func (g *Gateway) Name() string { return g.cfg.Name }

// Faults are the chaos applied to every request.
func (g *Gateway) Faults() *model.Faults { return &g.faults }

// Latency is the modeled latency of checking one request.
func (g *Gateway) Latency() model.Latency { return g.cfg.Latency }

// Down reports whether the gateway has been killed.
func (g *Gateway) Down() bool { return g.down.Load() }

// Kill makes the gateway drop every connection, as a crashed gateway would.
func (g *Gateway) Kill() { g.down.Store(true) }

// Revive brings the gateway back.
func (g *Gateway) Revive() { g.down.Store(false) }

// Stats returns the live figures.
func (g *Gateway) Stats() Stats {
	return Stats{Down: g.Down(), Passed: g.passed.Load(), Unauthorized: g.unauthorized.Load(),
		Limited: g.limited.Load(), NotFound: g.notFound.Load()}
}

// Wrap puts the gateway in front of next. instance names the replica it runs
// in front of, for traces.
func (g *Gateway) Wrap(instance string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.down.Load() {
			// A dead gateway answers nothing: the connection is cut.
			panic(http.ErrAbortHandler)
		}
		from, sent := trace.Received(r.Header, time.Now())
		hop := trace.Hop{Trace: trace.FromHeader(r.Header), From: from, To: g.cfg.Name, Instance: instance, Start: sent,
			Method: r.Method, Path: r.URL.Path}
		status, reason, retryAfter := g.check(r)
		hop.Duration = time.Since(sent)
		if status != 0 {
			hop.Outcome, hop.Detail = trace.Error, fmt.Sprintf("%d %s", status, reason)
			hop.Status, hop.Err = status, reason
			g.cfg.Recorder.Record(hop)
			if retryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retryAfter.Seconds()))))
			}
			trace.Send(w.Header(), g.cfg.Name, time.Now())
			http.Error(w, g.cfg.Name+": "+reason, status)
			return
		}
		g.passed.Add(1)
		hop.APIKey, hop.Route = r.Header.Get(HeaderKey), reason
		hop.Detail = keyLabel(hop.APIKey) + " ok, route " + reason + ", " + r.Header.Get(HeaderRequestID)
		g.cfg.Recorder.Record(hop)
		w.Header().Set(HeaderRequestID, r.Header.Get(HeaderRequestID))
		trace.Send(r.Header, g.cfg.Name, time.Now())
		next.ServeHTTP(&httpnode.ReplyWriter{ResponseWriter: w, Name: g.cfg.Name, Instance: instance, Trace: hop.Trace, Recorder: g.cfg.Recorder}, r)
	})
}

// check runs the gateway's work: the modeled latency, request id, key, rate
// limit, route. A zero status means the request may pass; reason then is the
// route's pattern.
func (g *Gateway) check(r *http.Request) (status int, reason string, retryAfter time.Duration) {
	if err := g.station.Serve(r.Context(), nil); err != nil {
		return http.StatusServiceUnavailable, err.Error(), 0
	}
	if r.Header.Get(HeaderRequestID) == "" {
		r.Header.Set(HeaderRequestID, "req-"+strconv.FormatUint(g.nextID.Add(1), 10))
	}
	key := r.Header.Get(HeaderKey)
	lim, ok := g.limiters[key]
	switch {
	case key == "":
		g.unauthorized.Add(1)
		return http.StatusUnauthorized, "missing API key: send it in the " + HeaderKey + " header", 0
	case !ok:
		g.unauthorized.Add(1)
		return http.StatusUnauthorized, fmt.Sprintf("unknown API key %q", key), 0
	}
	if res := lim.Reserve(); res.Delay() > 0 {
		delay := res.Delay()
		res.Cancel()
		g.limited.Add(1)
		return http.StatusTooManyRequests, fmt.Sprintf("rate limit of %s exceeded (%.0f req/s)", keyLabel(key), float64(lim.Limit())), delay
	}
	for _, rt := range g.routes {
		if rt.match(r.Method, r.URL.Path) {
			return 0, rt.pattern, 0
		}
	}
	g.notFound.Add(1)
	return http.StatusNotFound, fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path), 0
}

func keyLabel(key string) string { return "key " + key }

// route is one entry of the route table: a method and a path pattern whose
// {name} segments match any one segment ("GET /products/{id}").
type route struct {
	pattern string
	method  string
	path    string
}

func parseRoute(pattern string) route {
	method, path, _ := strings.Cut(pattern, " ")
	return route{pattern: pattern, method: method, path: path}
}

// match compares a request with the route, segment by segment, without
// allocating.
func (rt route) match(method, path string) bool {
	if method != rt.method {
		return false
	}
	want := rt.path
	for {
		w, wrest, wmore := strings.Cut(strings.TrimPrefix(want, "/"), "/")
		p, prest, pmore := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		if wmore != pmore {
			return false
		}
		param := strings.HasPrefix(w, "{") && strings.HasSuffix(w, "}")
		if param && p == "" || !param && w != p {
			return false
		}
		if !wmore {
			return true
		}
		want, path = "/"+wrest, "/"+prest
	}
}
