// Package service is the Service Layer component: N replicas, each a real
// http.Server on loopback, running the business logic. A read is cache-aside:
// ask the cache, on a miss read the database and fill the cache with a TTL
// plus jitter. A write goes to the database and invalidates the key. Both
// leave an event for the background worker, delivered by the outbox relay
// (package outbox; see publish.go and write.go). Cache calls sit behind a
// circuit breaker, and concurrent misses of one key share one database query
// (singleflight); both can be switched off at run time to show what they buy.
// Load shedding (off by default) refuses a request at once when the
// database's line is too long to serve it in time (see shed.go).
package service

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
	"golang.org/x/sync/singleflight"

	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/httpnode"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/resource"
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
	// UpdatePrice commits the price and the outbox rows in one
	// transaction, setting each row's Seq.
	UpdatePrice(ctx context.Context, id, priceCents int, outbox []database.OutboxRow) (database.Query, error)
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
	// Resource names what the service serves: its routes, keys, table and
	// events (the zero value: products priced in cents).
	Resource resource.Resource
	Caches   []CacheStore
	Store    Store // nil: no database on the card
	Relay    Relay // the outbox relay; nil: nothing to deliver (no queue, no cache)
	Calls    map[string]Caller
	Ingress  []Middleware // outermost first
	TTL      time.Duration
	Timeout  time.Duration
	Breaker  BreakerConfig
	// ShedTarget is the longest line for the database a request is let
	// into when load shedding is on (default DefaultShedTarget).
	ShedTarget time.Duration
	Recorder   trace.Recorder
	OnPanic    httpnode.PanicFunc
}

// Service is the Service Layer component.
type Service struct {
	cfg Config
	rng *model.Rand
	// replicas is the list, replaced whole when one is added or removed
	// (scale.go); scaleMu serialises those.
	replicas atomic.Pointer[[]*replica]
	scaleMu  sync.Mutex
	ttlNow   atomic.Int64 // the cache TTL now, nanoseconds (SetTTL)
	breakers []*gobreaker.CircuitBreaker[struct{}]
	flight   singleflight.Group
	shedder  *shedder

	breakerOn, singleflightOn atomic.Bool

	reads, writes, failed, coalesced, events atomic.Int64
}

type replica struct {
	name     string
	node     *httpnode.Server
	station  *model.Station
	faults   model.Faults // chaos aimed at this replica alone
	inFlight atomic.Int64
	// draining: being removed (scale.go), finishing its requests; life
	// orders a revive against it.
	draining atomic.Bool
	life     sync.Mutex
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
	if cfg.ShedTarget <= 0 {
		cfg.ShedTarget = DefaultShedTarget
	}
	s := &Service{cfg: cfg, rng: model.NewRand(cfg.Seed, cfg.Name), shedder: newShedder(cfg.Store, cfg.ShedTarget)}
	s.breakerOn.Store(true)
	s.singleflightOn.Store(true)
	s.ttlNow.Store(int64(cfg.TTL))
	s.replicas.Store(&[]*replica{})
	for _, c := range cfg.Caches {
		s.breakers = append(s.breakers, gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
			Name:    c.Name(),
			Timeout: cfg.Breaker.OpenFor,
			ReadyToTrip: func(counts gobreaker.Counts) bool {
				return counts.ConsecutiveFailures >= uint32(cfg.Breaker.Failures)
			},
			// A request that gave up, or ran out of its own time, is not
			// the cache's fault. The cache's own timeout (cache.ErrTimeout)
			// is, and counts.
			IsExcluded: func(err error) bool {
				return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
			},
		}))
	}
	for range cfg.Replicas {
		if _, _, err := s.AddReplica(); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// Name is the component's name on the card.
func (s *Service) Name() string { return s.cfg.Name }

// Faults are the chaos applied to each replica's requests, in replica
// order: a fault on the whole service sets every one of them.
func (s *Service) Faults() []*model.Faults {
	list := s.list()
	out := make([]*model.Faults, len(list))
	for i, r := range list {
		out[i] = &r.faults
	}
	return out
}

// Latency is the modeled latency of the service's own work on a request.
func (s *Service) Latency() model.Latency { return s.cfg.Latency }

// Replicas names the replicas and their addresses, in order.
func (s *Service) Replicas() (names, addrs []string) {
	for _, r := range s.list() {
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
	return s.each(i, (*replica).revive)
}

func (s *Service) each(i int, fn func(*replica) error) error {
	list := s.list()
	if i >= len(list) {
		return fmt.Errorf("%s has %d replicas; there is no replica %d", s.cfg.Name, len(list), i+1)
	}
	if i >= 0 {
		return fn(list[i])
	}
	for _, r := range list {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Down reports whether every replica is down.
func (s *Service) Down() bool {
	for _, r := range s.list() {
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
	for _, r := range s.list() {
		r.node.Close()
	}
}

// ReplicaStats are one replica's figures.
type ReplicaStats struct {
	Name     string
	Down     bool
	Draining bool // being removed (scale.go): finishing its requests
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
	SheddingOn     bool
	Reads, Writes  int64
	Shed           int64 // requests refused by load shedding
	Failed         int64 // requests answered with an error
	Coalesced      int64 // misses that shared another request's query
}

// Stats returns the live figures.
func (s *Service) Stats() Stats {
	st := Stats{
		BreakerOn: s.breakerOn.Load(), SingleflightOn: s.singleflightOn.Load(),
		SheddingOn: s.sheddingOn(), Shed: s.shedCount(),
		Reads: s.reads.Load(), Writes: s.writes.Load(), Failed: s.failed.Load(),
		Coalesced: s.coalesced.Load(),
	}
	for _, r := range s.list() {
		down := r.node.Down()
		if !down {
			st.Up++
		}
		st.Replicas = append(st.Replicas, ReplicaStats{Name: r.name, Down: down, Draining: r.draining.Load(), InFlight: int(r.inFlight.Load())})
	}
	for i, b := range s.breakers {
		st.Breakers = append(st.Breakers, BreakerStats{Cache: s.cfg.Caches[i].Name(), State: b.State().String()})
	}
	return st
}
