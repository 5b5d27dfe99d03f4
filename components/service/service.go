// Package service is the Service Layer component: N replicas, each a real
// http.Server on loopback, running the business logic. A read is cache-aside:
// ask the cache, on a miss read the database and fill the cache with a TTL
// plus jitter. A write goes to the database and invalidates the key. Both
// publish an event for the background worker. Cache calls sit behind a
// circuit breaker, and concurrent misses of one key share one database query
// (singleflight); both can be switched off at run time to show what they buy.
package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
	"golang.org/x/sync/singleflight"

	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/httpnode"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/trace"
)

// Defaults for the service layer.
var (
	DefaultLatency  = model.Latency{Base: time.Millisecond, Jitter: 200 * time.Microsecond}
	DefaultReplicas = 3
	DefaultTTL      = 60 * time.Second
	DefaultTimeout  = 500 * time.Millisecond
	// DefaultBreaker trips after 5 failures in a row and tries the cache
	// again after a second.
	DefaultBreaker = BreakerConfig{Failures: 5, OpenFor: time.Second}
)

// CacheStore is a cache the service reads through.
type CacheStore interface {
	Name() string
	Get(ctx context.Context, key string) (value string, hit bool, took time.Duration, err error)
	Set(ctx context.Context, key, value string, ttl time.Duration) (time.Duration, error)
	Del(ctx context.Context, key string) (time.Duration, error)
}

// Store is the database the service reads and writes.
type Store interface {
	Name() string
	GetProduct(ctx context.Context, id int) (database.Product, database.Query, error)
	UpdatePrice(ctx context.Context, id, priceCents int) (database.Query, error)
}

// Publisher is the queue the service publishes events to.
type Publisher interface {
	Name() string
	Publish(ctx context.Context, ev event.Event) (streamID string, took time.Duration, err error)
}

// Caller is any other component on the service's path (a generic hop).
type Caller interface {
	Name() string
	Call(ctx context.Context) (time.Duration, error)
}

// Middleware runs in front of the service in each replica (the API gateway).
type Middleware func(instance string, next http.Handler) http.Handler

// BreakerConfig configures the circuit breaker on each cache.
type BreakerConfig struct {
	Failures int           // consecutive failures that open it
	OpenFor  time.Duration // how long it stays open before a trial call
}

// Config configures the service layer.
type Config struct {
	Name     string // as on the card
	Replicas int
	Latency  model.Latency
	Capacity int // requests a replica works on at once (0: unlimited)
	Seed     uint64
	Plan     Plan
	Caches   []CacheStore
	Store    Store     // nil: no database on the card
	Queue    Publisher // nil: no queue on the card
	Calls    map[string]Caller
	Ingress  []Middleware // outermost first
	TTL      time.Duration
	Timeout  time.Duration
	Breaker  BreakerConfig
	Recorder trace.Recorder
	OnPanic  httpnode.PanicFunc
}

// Service is the Service Layer component.
type Service struct {
	cfg      Config
	faults   model.Faults
	rng      *model.Rand
	replicas []*replica
	breakers []*gobreaker.CircuitBreaker[struct{}]
	flight   singleflight.Group

	breakerOn, singleflightOn atomic.Bool

	reads, writes, failed, publishFailed, coalesced atomic.Int64
}

type replica struct {
	name     string
	node     *httpnode.Server
	station  *model.Station
	inFlight atomic.Int64
}

// New starts the replicas.
func New(cfg Config) (*Service, error) {
	if cfg.Name == "" {
		cfg.Name = "Service Layer"
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = DefaultReplicas
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Breaker.Failures <= 0 {
		cfg.Breaker = DefaultBreaker
	}
	if cfg.Recorder == nil {
		cfg.Recorder = trace.Discard
	}
	s := &Service{cfg: cfg, rng: model.NewRand(cfg.Seed, cfg.Name)}
	s.breakerOn.Store(true)
	s.singleflightOn.Store(true)
	for _, c := range cfg.Caches {
		s.breakers = append(s.breakers, gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
			Name:    c.Name(),
			Timeout: cfg.Breaker.OpenFor,
			ReadyToTrip: func(counts gobreaker.Counts) bool {
				return counts.ConsecutiveFailures >= uint32(cfg.Breaker.Failures)
			},
			// A request that gave up is not the cache's fault.
			IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
		}))
	}
	for i := range cfg.Replicas {
		name := fmt.Sprintf("replica-%d", i+1)
		rep := &replica{name: name, station: model.NewStation(cfg.Capacity, cfg.Latency, &s.faults, model.NewRand(cfg.Seed, name))}
		node, err := httpnode.Listen(cfg.Name+" "+name, "127.0.0.1:0", s.handler(rep), cfg.OnPanic)
		if err != nil {
			s.Close()
			return nil, err
		}
		rep.node = node
		s.replicas = append(s.replicas, rep)
	}
	return s, nil
}

// Name is the component's name on the card.
func (s *Service) Name() string { return s.cfg.Name }

// Faults are the chaos applied to every request on every replica.
func (s *Service) Faults() *model.Faults { return &s.faults }

// Latency is the modeled latency of the service's own work on a request.
func (s *Service) Latency() model.Latency { return s.cfg.Latency }

// Replicas names the replicas and their addresses, in order.
func (s *Service) Replicas() (names, addrs []string) {
	for _, r := range s.replicas {
		names = append(names, r.name)
		addrs = append(addrs, r.node.Addr())
	}
	return names, addrs
}

// Kill stops replica i (0-based), or every replica when i < 0.
func (s *Service) Kill(i int) error {
	return s.each(i, func(r *replica) error { r.node.Kill(); return nil })
}

// Revive restarts replica i, or every replica when i < 0.
func (s *Service) Revive(i int) error {
	return s.each(i, func(r *replica) error { return r.node.Revive() })
}

func (s *Service) each(i int, fn func(*replica) error) error {
	if i >= len(s.replicas) {
		return fmt.Errorf("%s has %d replicas; there is no replica %d", s.cfg.Name, len(s.replicas), i+1)
	}
	if i >= 0 {
		return fn(s.replicas[i])
	}
	for _, r := range s.replicas {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Down reports whether every replica is down.
func (s *Service) Down() bool {
	for _, r := range s.replicas {
		if !r.node.Down() {
			return false
		}
	}
	return true
}

// SetBreaker switches the circuit breaker on the cache on or off.
func (s *Service) SetBreaker(on bool) { s.breakerOn.Store(on) }

// SetSingleflight switches the sharing of concurrent misses on or off.
func (s *Service) SetSingleflight(on bool) { s.singleflightOn.Store(on) }

// Close stops every replica for good.
func (s *Service) Close() {
	for _, r := range s.replicas {
		r.node.Close()
	}
}

// ReplicaStats are one replica's figures.
type ReplicaStats struct {
	Name     string
	Down     bool
	InFlight int
}

// BreakerStats are the state of the breaker in front of one cache.
type BreakerStats struct {
	Cache string
	State string // closed, half-open, open
}

// Stats are the service layer's live figures.
type Stats struct {
	Replicas       []ReplicaStats
	Up             int
	Breakers       []BreakerStats
	BreakerOn      bool
	SingleflightOn bool
	Reads, Writes  int64
	Failed         int64 // requests answered with an error
	PublishFailed  int64 // events that could not be published
	Coalesced      int64 // misses that shared another request's query
}

// Stats returns the live figures.
func (s *Service) Stats() Stats {
	st := Stats{
		BreakerOn: s.breakerOn.Load(), SingleflightOn: s.singleflightOn.Load(),
		Reads: s.reads.Load(), Writes: s.writes.Load(), Failed: s.failed.Load(),
		PublishFailed: s.publishFailed.Load(), Coalesced: s.coalesced.Load(),
	}
	for _, r := range s.replicas {
		down := r.node.Down()
		if !down {
			st.Up++
		}
		st.Replicas = append(st.Replicas, ReplicaStats{Name: r.name, Down: down, InFlight: int(r.inFlight.Load())})
	}
	for i, b := range s.breakers {
		st.Breakers = append(st.Breakers, BreakerStats{Cache: s.cfg.Caches[i].Name(), State: b.State().String()})
	}
	return st
}

func (s *Service) handler(rep *replica) http.Handler {
	var app http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(rep, w, r) })
	for i := len(s.cfg.Ingress) - 1; i >= 0; i-- {
		app = s.cfg.Ingress[i](rep.name, app)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The load balancer's health check asks the replica itself.
		if r.URL.Path == "/healthz" {
			w.WriteHeader(http.StatusOK)
			return
		}
		app.ServeHTTP(w, r)
	})
}

// request is one request being served: where it runs and how to record its
// hops.
type request struct {
	s    *Service
	rep  *replica
	id   trace.ID
	key  string
	prod int
}

func (q *request) hop(from, to, op string, start time.Time, outcome trace.Outcome, detail string) {
	q.s.cfg.Recorder.Record(trace.Hop{
		Trace: q.id, From: from, To: to, Instance: q.rep.name, Op: op,
		Start: start, Duration: time.Since(start), Outcome: outcome, Detail: detail,
	})
}

// out records a call (op) from the service to target.
func (q *request) out(target, op string, start time.Time, outcome trace.Outcome, detail string) {
	q.hop(q.s.cfg.Name, target, op, start, outcome, detail)
}

// back records a reply to op from target to the service.
func (q *request) back(target, op string, outcome trace.Outcome, detail string) {
	q.hop(target, q.s.cfg.Name, op, time.Now(), outcome, detail)
}

// response is what the service answers.
type response struct {
	ID         int    `json:"id"`
	Name       string `json:"name,omitempty"`
	PriceCents int    `json:"price_cents"`
	Source     string `json:"source,omitempty"`
	Replica    string `json:"replica"`
	Error      string `json:"error,omitempty"`
}

func (s *Service) serve(rep *replica, w http.ResponseWriter, r *http.Request) {
	rep.inFlight.Add(1)
	defer rep.inFlight.Add(-1)
	from, sent := trace.Received(r.Header, time.Now())
	q := &request{s: s, rep: rep, id: trace.FromHeader(r.Header)}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()

	id, perr := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/products/"))
	q.prod, q.key = id, "product:"+strconv.Itoa(id)
	err := rep.station.Serve(ctx, nil)
	detail := r.Method + " product " + strconv.Itoa(id)
	outcome := trace.OK
	if err != nil {
		outcome, detail = trace.Error, detail+": "+err.Error()
	}
	q.hop(from, s.cfg.Name, "", sent, outcome, detail)

	var (
		resp   response
		status = http.StatusOK
	)
	switch {
	case err != nil:
		status, err = statusOf(err), fmt.Errorf("%s: %w", s.cfg.Name, err)
	case perr != nil || id <= 0:
		status, err = http.StatusBadRequest, fmt.Errorf("bad product id in %s", r.URL.Path)
	case r.Method == http.MethodGet:
		s.reads.Add(1)
		resp, err = s.read(ctx, q)
		status = statusOf(err)
	case r.Method == http.MethodPut:
		s.writes.Add(1)
		resp, err = s.write(ctx, q, r)
		status = statusOf(err)
	default:
		status, err = http.StatusMethodNotAllowed, fmt.Errorf("%s not allowed", r.Method)
	}
	resp.ID, resp.Replica = id, rep.name
	if err != nil {
		s.failed.Add(1)
		resp.Error = err.Error()
	}
	body, _ := json.Marshal(resp)
	w.Header().Set("Content-Type", "application/json")
	trace.Send(w.Header(), s.cfg.Name, time.Now())
	w.WriteHeader(status)
	w.Write(body)
}

// statusOf maps an error to the status the user sees.
func statusOf(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, database.ErrNotFound):
		return http.StatusNotFound
	case errors.As(err, new(badRequest)):
		return http.StatusBadRequest
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	default:
		return http.StatusServiceUnavailable
	}
}

// withBreaker calls a cache through its breaker (when on). The error is
// gobreaker.ErrOpenState when the breaker did not let the call through.
func (s *Service) withBreaker(i int, call func() error) error {
	if !s.breakerOn.Load() {
		return call()
	}
	_, err := s.breakers[i].Execute(func() (struct{}, error) { return struct{}{}, call() })
	return err
}

func breakerBlocked(err error) bool {
	return errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests)
}

// readState is what a read has found so far.
type readState struct {
	product *database.Product
	source  string
	missed  []bool // per cache: looked up and not found (so fill it)
}

func (s *Service) read(ctx context.Context, q *request) (response, error) {
	st := &readState{missed: make([]bool, len(s.cfg.Caches))}
	plan := s.cfg.Plan
	for i := 0; i < len(plan); i++ {
		step := plan[i]
		switch step.Kind {
		case Lookup:
			if st.product == nil {
				s.lookup(ctx, q, step, st)
			}
		case Read:
			// The read and the cache fills right after it are one load,
			// shared by concurrent misses of the same key.
			j := i + 1
			for j < len(plan) && plan[j].Kind == Fill {
				j++
			}
			if st.product == nil {
				if err := s.load(ctx, q, step, plan[i+1:j], st); err != nil {
					return response{}, err
				}
			}
			i = j - 1
		case Fill:
			if st.product != nil && st.missed[step.Cache] {
				s.fill(ctx, q, step, st)
			}
		case Publish:
			s.publish(ctx, q, event.ProductViewed)
		case Call:
			if err := s.call(ctx, q, step); err != nil {
				return response{}, err
			}
		}
	}
	if st.product == nil {
		// No database on the card: the service is the source of truth.
		st.product = &database.Product{ID: q.prod, Name: fmt.Sprintf("item %d", q.prod)}
		st.source = s.cfg.Name
	}
	return response{Name: st.product.Name, PriceCents: st.product.PriceCents, Source: st.source}, nil
}

func (s *Service) lookup(ctx context.Context, q *request, step Step, st *readState) {
	c := s.cfg.Caches[step.Cache]
	start := time.Now()
	var (
		value string
		hit   bool
	)
	err := s.withBreaker(step.Cache, func() error {
		var err error
		value, hit, _, err = c.Get(ctx, q.key)
		return err
	})
	if err == nil && hit {
		var p database.Product
		if jerr := json.Unmarshal([]byte(value), &p); jerr == nil {
			q.out(c.Name(), OpGet, start, trace.Hit, "GET "+q.key)
			if step.Reply {
				q.back(c.Name(), OpGet, trace.Hit, "HIT "+q.key)
			}
			st.product, st.source = &p, c.Name()
			return
		}
		hit = false // a value we cannot read is a miss
	}
	st.missed[step.Cache] = true
	switch {
	case breakerBlocked(err):
		q.out(c.Name(), OpGet, start, trace.Skipped, fmt.Sprintf("circuit OPEN: not calling %s for %s", c.Name(), q.key))
	case err != nil:
		q.out(c.Name(), OpGet, start, trace.Fallback, fmt.Sprintf("GET %s failed (%v): falling back", q.key, err))
	default:
		q.out(c.Name(), OpGet, start, trace.Miss, "GET "+q.key)
		if step.Reply {
			q.back(c.Name(), OpGet, trace.Miss, "MISS "+q.key)
		}
	}
}

// load reads the product from the database and fills the caches; with
// singleflight on, concurrent misses of the same key share one load.
func (s *Service) load(ctx context.Context, q *request, read Step, fills []Step, st *readState) error {
	if s.cfg.Store == nil {
		return nil
	}
	shared := s.singleflightOn.Load()
	lctx := ctx
	if shared {
		// The load is shared: the reader who runs it hanging up must not
		// fail the others waiting for it. It keeps that reader's deadline.
		lctx = context.WithoutCancel(ctx)
		if d, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			lctx, cancel = context.WithDeadline(lctx, d)
			defer cancel()
		}
	}
	leader := false
	fn := func() (any, error) {
		leader = true
		p, err := s.readDB(lctx, q, read)
		if err != nil {
			return nil, err
		}
		st.product, st.source = &p, s.cfg.Store.Name()
		for _, f := range fills {
			if st.missed[f.Cache] {
				s.fill(lctx, q, f, st)
			}
		}
		return p, nil
	}
	if !shared {
		_, err := fn()
		return err
	}
	start := time.Now()
	v, err, _ := s.flight.Do(q.key, fn)
	if leader {
		return err
	}
	s.coalesced.Add(1)
	if err != nil {
		q.out(s.cfg.Store.Name(), OpSelect, start, trace.Error, fmt.Sprintf("shared query for %s failed: %v", q.key, err))
		return err
	}
	p := v.(database.Product)
	st.product, st.source = &p, s.cfg.Store.Name()
	q.out(s.cfg.Store.Name(), OpSelect, start, trace.Skipped, fmt.Sprintf("joined the query already in flight for %s (singleflight)", q.key))
	return nil
}

func (s *Service) readDB(ctx context.Context, q *request, step Step) (database.Product, error) {
	db := s.cfg.Store
	start := time.Now()
	p, info, err := db.GetProduct(ctx, q.prod)
	sqlText := strings.Replace(info.SQL, "?", strconv.Itoa(q.prod), 1)
	if err != nil && !errors.Is(err, database.ErrNotFound) {
		q.out(db.Name(), OpSelect, start, trace.Error, fmt.Sprintf("%s: %v", sqlText, err))
		return p, err
	}
	q.out(db.Name(), OpSelect, start, trace.OK, fmt.Sprintf("%s (%s)", sqlText, ms(info.Took)))
	if err != nil {
		if step.Reply {
			q.back(db.Name(), OpSelect, trace.OK, "0 rows")
		}
		return p, err
	}
	if step.Reply {
		q.back(db.Name(), OpSelect, trace.OK, fmt.Sprintf("1 row: %s, $%d.%02d", p.Name, p.PriceCents/100, p.PriceCents%100))
	}
	return p, nil
}

func (s *Service) fill(ctx context.Context, q *request, step Step, st *readState) {
	c := s.cfg.Caches[step.Cache]
	body, _ := json.Marshal(st.product)
	ttl := s.ttl()
	start := time.Now()
	err := s.withBreaker(step.Cache, func() error {
		_, err := c.Set(ctx, q.key, string(body), ttl)
		return err
	})
	switch {
	case breakerBlocked(err):
		q.out(c.Name(), OpSet, start, trace.Skipped, fmt.Sprintf("circuit OPEN: not filling %s", q.key))
	case err != nil:
		q.out(c.Name(), OpSet, start, trace.Fallback, fmt.Sprintf("SET %s failed (%v)", q.key, err))
	default:
		q.out(c.Name(), OpSet, start, trace.OK, fmt.Sprintf("SET %s EX %ds", q.key, int(ttl.Seconds())))
	}
}

// ttl is the cache TTL with ±10 % jitter, so that keys filled together do
// not expire together.
func (s *Service) ttl() time.Duration {
	return time.Duration(float64(s.cfg.TTL) * (0.9 + 0.2*s.rng.Float64()))
}

func (s *Service) publish(ctx context.Context, q *request, typ string) {
	if s.cfg.Queue == nil {
		return
	}
	start := time.Now()
	ev := event.Event{ID: "ev-" + string(q.id), Type: typ, Product: q.prod, Trace: q.id, Published: start}
	if q.id == "" {
		ev.ID = "ev-" + string(trace.NewID(s.rng.Uint64()))
	}
	_, _, err := s.cfg.Queue.Publish(ctx, ev)
	if err != nil {
		s.publishFailed.Add(1)
		q.out(s.cfg.Queue.Name(), OpPublish, start, trace.Error, fmt.Sprintf("XADD %s failed, event dropped: %v", typ, err))
		return
	}
	q.out(s.cfg.Queue.Name(), OpPublish, start, trace.OK, "XADD events "+typ)
}

func (s *Service) call(ctx context.Context, q *request, step Step) error {
	c, ok := s.cfg.Calls[step.Target]
	if !ok {
		return nil
	}
	start := time.Now()
	took, err := c.Call(ctx)
	if err != nil {
		q.out(step.Target, OpCall, start, trace.Error, err.Error())
		return err
	}
	q.out(step.Target, OpCall, start, trace.OK, fmt.Sprintf("call %s (%s)", step.Target, ms(took)))
	if step.Reply {
		q.back(step.Target, OpCall, trace.OK, "reply")
	}
	return nil
}

// write updates the price in the database, invalidates the key in every
// cache and publishes an event.
func (s *Service) write(ctx context.Context, q *request, r *http.Request) (response, error) {
	var in struct {
		PriceCents int `json:"price_cents"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16)).Decode(&in); err != nil || in.PriceCents <= 0 {
		return response{}, badRequest{"send JSON like {\"price_cents\": 1299}"}
	}
	if db := s.cfg.Store; db != nil {
		start := time.Now()
		info, err := db.UpdatePrice(ctx, q.prod, in.PriceCents)
		sqlText := fmt.Sprintf("UPDATE products SET price_cents=%d WHERE id=%d", in.PriceCents, q.prod)
		if err != nil {
			q.out(db.Name(), OpUpdate, start, trace.Error, fmt.Sprintf("%s: %v", sqlText, err))
			return response{}, err
		}
		q.out(db.Name(), OpUpdate, start, trace.OK, fmt.Sprintf("%s (%s)", sqlText, ms(info.Took)))
		q.back(db.Name(), OpUpdate, trace.OK, "1 row updated")
	}
	for i, c := range s.cfg.Caches {
		start := time.Now()
		err := s.withBreaker(i, func() error { _, err := c.Del(ctx, q.key); return err })
		if err != nil {
			// The entry will expire with its TTL; the write stands.
			q.out(c.Name(), OpDel, start, trace.Fallback, fmt.Sprintf("DEL %s failed (%v): stale until its TTL", q.key, err))
			continue
		}
		q.out(c.Name(), OpDel, start, trace.OK, "DEL "+q.key)
	}
	s.publish(ctx, q, event.ProductUpdated)
	return response{PriceCents: in.PriceCents, Source: "write"}, nil
}

// Operations the service's calls carry (trace.Hop.Op).
const (
	OpGet     = "GET"
	OpSet     = "SET"
	OpDel     = "DEL"
	OpSelect  = "SELECT"
	OpUpdate  = "UPDATE"
	OpPublish = "XADD"
	OpCall    = "CALL"
)

type badRequest struct{ msg string }

func (e badRequest) Error() string { return e.msg }

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}
