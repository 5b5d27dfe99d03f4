// Package traffic is the User: an open-loop traffic generator. Requests
// arrive as a Poisson process at a rate (which a pattern may vary over time)
// whether or not earlier ones have been answered, as real users do; product
// popularity follows a Zipf law, so a few products get most of the reads and
// a cache pays off; a share of the requests are writes. It can also send one
// request on demand and return what happened to it.
//
// Everything the user sends on its own comes from the seed: when each
// request arrives (a Schedule), which product it asks for, whether it is a
// write and with what price, and its API key. A late goroutine changes when
// a request leaves, never which requests are sent or in which second of the
// schedule they count (SentBy).
package traffic

import (
	"context"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/resource"
	"github.com/archex/archex/components/trace"
)

// Defaults for the generator.
const (
	DefaultReadRatio = 0.9
	DefaultProducts  = 1000
	// DefaultZipf is the skew of product popularity (Zipf s): with 1,000
	// products the 10 most popular get about 60 % of the reads.
	DefaultZipf        = 1.3
	DefaultTimeout     = 2 * time.Second
	DefaultMaxInFlight = 5000
)

// Config configures the generator.
type Config struct {
	Name      string // as on the card ("User")
	Target    string // the front door's URL
	Entry     string // the card's name for the front door ("Load Balancer")
	Rate      float64
	Pattern   Pattern
	ReadRatio float64
	Products  int
	// Resource names what is requested: its routes and a write's field
	// (the zero value: products and their price in cents).
	Resource    resource.Resource
	Zipf        float64
	Keys        []string // API keys, used in turn
	Seed        uint64
	Timeout     time.Duration
	MaxInFlight int
	Recorder    trace.Recorder
	// OnResult is told about every finished request. It must not block.
	OnResult func(Result)
	// OnPanic is told of a panic recovered in a request's goroutine.
	OnPanic func(component string, v any)
}

// Request is one request to send.
type Request struct {
	Product int
	Write   bool
	Key     string // API key; empty: the generator's next key
	Price   int    // a write's new price in cents; 0: drawn when sent
}

// Result is what happened to one request.
type Result struct {
	Trace    trace.ID
	Request  Request
	Start    time.Time
	Duration time.Duration
	Status   int // 0 when no response came
	Err      string
}

// OK reports whether the user got a successful answer.
func (r Result) OK() bool { return r.Status >= 200 && r.Status < 300 }

// Stats are the generator's counts. Sent = OK + Failed + InFlight always
// holds in one Stats value.
type Stats struct {
	Sent, OK, Failed, InFlight int64
	Rate                       float64 // the rate asked for now
	SetRate                    float64 // the rate set (the pattern varies around it)
	Pattern                    Pattern
	Paused                     bool
	// Late is how long after its time on the schedule the last arrival
	// left, MaxLate the most since start: a generator that keeps up leaves
	// within a timer's resolution (about a millisecond).
	Late, MaxLate time.Duration
}

// Generator is the User component.
type Generator struct {
	cfg    Config
	client *http.Client
	// Three streams, so that what is sent on schedule never depends on
	// what is sent by hand, or on the order goroutines run in.
	mix    *model.Rand // products, writes and prices of the arrivals
	ids    *model.Rand // trace ids of the arrivals
	manual *model.Rand // trace ids and prices of requests sent by hand
	zipf   *rand.Zipf  // used under mix's lock

	mu        sync.Mutex // guards everything below
	sched     *Schedule
	stats     Stats
	arrivals  int64   // sent on schedule
	byHand    int64   // sent by Send
	bySecond  []int64 // bySecond[i]: arrivals due before second firstSec+i
	firstSec  int
	epoch     time.Time
	started   bool
	manualKey int
	cancel    context.CancelFunc
	loopDone  chan struct{}
	ended     chan struct{} // closed once the schedule's planned end passes

	wake chan struct{}
	reqs sync.WaitGroup
}

// New builds a generator; Start begins the arrivals.
func New(cfg Config) *Generator {
	if cfg.Name == "" {
		cfg.Name = "User"
	}
	if cfg.Pattern == "" {
		cfg.Pattern = Steady
	}
	if !(cfg.ReadRatio > 0 && cfg.ReadRatio <= 1) {
		cfg.ReadRatio = DefaultReadRatio
	}
	if cfg.Products <= 0 {
		cfg.Products = DefaultProducts
	}
	if !(cfg.Zipf > 1) {
		cfg.Zipf = DefaultZipf
	}
	if len(cfg.Keys) == 0 {
		cfg.Keys = []string{"demo-key-1"}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.Recorder == nil {
		cfg.Recorder = trace.Discard
	}
	g := &Generator{
		cfg:    cfg,
		mix:    model.NewRand(cfg.Seed, cfg.Name+"/mix"),
		ids:    model.NewRand(cfg.Seed, cfg.Name+"/trace"),
		manual: model.NewRand(cfg.Seed, cfg.Name+"/manual"),
		sched:  NewSchedule(cfg.Seed, cfg.Name+"/arrivals", cfg.Rate, cfg.Pattern),
		wake:   make(chan struct{}, 1),
		ended:  make(chan struct{}),
	}
	g.mix.With(func(r *rand.Rand) {
		g.zipf = rand.NewZipf(r, cfg.Zipf, 1, uint64(cfg.Products-1))
	})
	g.client = &http.Client{
		Timeout: cfg.Timeout,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: time.Second}).DialContext,
			MaxIdleConns:        1024,
			MaxIdleConnsPerHost: 1024,
			IdleConnTimeout:     30 * time.Second,
		},
	}
	return g
}

// Name is the component's name on the card.
func (g *Generator) Name() string { return g.cfg.Name }

// Start begins the arrivals and returns the schedule's zero: an arrival
// at t leaves at epoch + t. The first Start sets it; a Start after Stop
// keeps it and goes on from now. It is a no-op when the arrivals are
// running.
func (g *Generator) Start() (epoch time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cancel != nil {
		return g.epoch
	}
	if !g.started {
		g.epoch, g.started = time.Now(), true
	} else {
		g.sched.hold(g.clock(), false)
	}
	ctx, cancel := context.WithCancel(context.Background())
	g.cancel, g.loopDone = cancel, make(chan struct{})
	go g.loop(ctx, g.loopDone)
	return g.epoch
}

// Stop ends the arrivals at once, however fast they come; requests in
// flight go on (see Wait). Arrivals that were due but not yet sent are not
// sent.
func (g *Generator) Stop() {
	g.mu.Lock()
	cancel, done := g.cancel, g.loopDone
	g.cancel = nil
	g.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
	g.mu.Lock()
	g.sched.hold(g.sched.Taken(), true)
	g.mu.Unlock()
}

// Ended is closed once the arrivals reach the end planned with PlanEnd.
func (g *Generator) Ended() <-chan struct{} { return g.ended }

// Wait waits for the requests in flight, or until ctx ends.
func (g *Generator) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { g.reqs.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the arrivals, waits for requests in flight and releases
// connections.
func (g *Generator) Close() {
	g.Stop()
	g.reqs.Wait()
	g.client.CloseIdleConnections()
}

// clock is the time on the schedule now; callers hold mu.
func (g *Generator) clock() time.Duration {
	if !g.started {
		return 0
	}
	return time.Since(g.epoch)
}

// SetRate sets the arrival rate (requests per second) from now on. A rate
// that is not a number or below zero is 0; one above MaxRate is MaxRate.
func (g *Generator) SetRate(r float64) { g.PlanRate(-1, r) }

// SetPattern switches the pattern from now on; it starts from its
// beginning.
func (g *Generator) SetPattern(p Pattern) { g.PlanPattern(-1, p) }

// SetPaused pauses or resumes the arrivals.
func (g *Generator) SetPaused(p bool) {
	g.plan(-1, func(s *Schedule, at time.Duration) { s.SetPaused(at, p) })
}

// PlanRate sets the rate from at on the schedule (since the first Start);
// at < 0 means now. Planned before it comes, a change happens at exactly
// that point of the schedule, however late the generator runs.
func (g *Generator) PlanRate(at time.Duration, r float64) {
	g.plan(at, func(s *Schedule, at time.Duration) { s.SetRate(at, r) })
}

// PlanPattern switches the pattern at at (see PlanRate).
func (g *Generator) PlanPattern(at time.Duration, p Pattern) {
	g.plan(at, func(s *Schedule, at time.Duration) { s.SetPattern(at, p) })
}

// PlanEnd ends the arrivals at at (see PlanRate): none at or after it; the
// arrivals stop by themselves there and Ended is closed.
func (g *Generator) PlanEnd(at time.Duration) {
	g.plan(at, func(s *Schedule, at time.Duration) { s.End(at) })
}

func (g *Generator) plan(at time.Duration, do func(*Schedule, time.Duration)) {
	g.mu.Lock()
	if at < 0 {
		at = g.clock()
	}
	do(g.sched, at)
	g.mu.Unlock()
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// Stats returns the counts, consistent with each other.
func (g *Generator) Stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.stats
	now := g.clock()
	st := g.sched.settingsAt(now)
	s.Rate, s.SetRate, s.Pattern, s.Paused = st.rateAt(now), st.rate, st.pattern, st.paused
	return s
}

// SentBy returns how many requests had been sent by second k of the
// schedule: the arrivals due before it, plus every request sent by hand so
// far. final is false while arrivals due before it have still to leave;
// once final, the arrivals' part of the count never changes, for a k not
// ahead of the schedule's clock (a change made later cannot reach back).
func (g *Generator) SentBy(k int) (n int64, final bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch i := k - g.firstSec; {
	case i < 0 && len(g.bySecond) > 0: // long past: not kept
		return g.bySecond[0] + g.byHand, true
	case i >= 0 && i < len(g.bySecond):
		return g.bySecond[i] + g.byHand, true
	}
	at, due := g.sched.Next()
	return g.arrivals + g.byHand, !due || at >= time.Duration(k)*time.Second
}

// keepSeconds bounds the per-second boundaries kept for SentBy.
const keepSeconds = 600

// countArrival books an arrival at at; callers hold mu.
func (g *Generator) countArrival(at time.Duration) {
	sec := int(at / time.Second)
	for g.firstSec+len(g.bySecond) <= sec {
		g.bySecond = append(g.bySecond, g.arrivals)
	}
	if len(g.bySecond) > keepSeconds {
		drop := len(g.bySecond) - keepSeconds/2
		g.bySecond = append(g.bySecond[:0], g.bySecond[drop:]...)
		g.firstSec += drop
	}
	g.arrivals++
}

// Next draws the next request of the mix: a Zipf-popular product to read, or
// a uniformly chosen product to write (edits are not popularity-driven) with
// its new price.
func (g *Generator) Next() Request {
	var req Request
	g.mix.With(func(r *rand.Rand) {
		if r.Float64() < g.cfg.ReadRatio {
			req.Product = int(g.zipf.Uint64()) + 1
		} else {
			req.Write, req.Product, req.Price = true, r.IntN(g.cfg.Products)+1, drawPrice(r)
		}
	})
	return req
}

func drawPrice(r *rand.Rand) int { return 499 + r.IntN(9500) }
