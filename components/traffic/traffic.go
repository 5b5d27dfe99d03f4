// Package traffic is the User: an open-loop traffic generator. Requests
// arrive as a Poisson process at a rate (which a pattern may vary over time)
// whether or not earlier ones have been answered, as real users do; product
// popularity follows a Zipf law, so a few products get most of the reads and
// a cache pays off; a share of the requests are writes. It can also send one
// request on demand and return what happened to it.
package traffic

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/trace"
)

// Pattern varies the arrival rate over time.
type Pattern string

// The patterns.
const (
	Steady Pattern = "steady" // the rate, constant
	Ramp   Pattern = "ramp"   // from zero up to the rate over 30 s, then hold
	Spike  Pattern = "spike"  // the rate, with 4x bursts of 3 s every 20 s
	Wave   Pattern = "wave"   // the rate ±50 %, a sine with a 30 s period
)

// Patterns lists every pattern in the order a user cycles through them.
var Patterns = []Pattern{Steady, Ramp, Spike, Wave}

// ParsePattern reads a pattern name.
func ParsePattern(s string) (Pattern, error) {
	for _, p := range Patterns {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown traffic pattern %q: use steady, ramp, spike or wave", s)
}

// RateAt is the arrival rate a pattern asks for, elapsed into it.
func (p Pattern) RateAt(rate float64, elapsed time.Duration) float64 {
	t := elapsed.Seconds()
	switch p {
	case Ramp:
		return rate * math.Min(1, t/30)
	case Spike:
		if math.Mod(t, 20) >= 17 {
			return rate * 4
		}
		return rate
	case Wave:
		return rate * (1 + 0.5*math.Sin(2*math.Pi*t/30))
	default:
		return rate
	}
}

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
	Name        string // as on the card ("User")
	Target      string // the front door's URL
	Entry       string // the card's name for the front door ("Load Balancer")
	Rate        float64
	Pattern     Pattern
	ReadRatio   float64
	Products    int
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
	Pattern                    Pattern
	Paused                     bool
}

// Generator is the User component.
type Generator struct {
	cfg    Config
	client *http.Client
	rng    *model.Rand
	zipf   *rand.Zipf // used under rng's lock

	mu       sync.Mutex // guards the counts and the settings below
	stats    Stats
	rate     float64
	pattern  Pattern
	epoch    time.Time // when the pattern started
	paused   bool
	nextKey  int
	wake     chan struct{}
	cancel   context.CancelFunc
	loopDone chan struct{}
	reqs     sync.WaitGroup
}

// New builds a generator; Start begins the arrivals.
func New(cfg Config) *Generator {
	if cfg.Name == "" {
		cfg.Name = "User"
	}
	if cfg.Pattern == "" {
		cfg.Pattern = Steady
	}
	if cfg.ReadRatio == 0 {
		cfg.ReadRatio = DefaultReadRatio
	}
	if cfg.Products <= 0 {
		cfg.Products = DefaultProducts
	}
	if cfg.Zipf <= 1 {
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
		cfg: cfg, rng: model.NewRand(cfg.Seed, cfg.Name),
		rate: cfg.Rate, pattern: cfg.Pattern, wake: make(chan struct{}, 1),
	}
	g.rng.With(func(r *rand.Rand) {
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

// Start begins the arrivals. It is a no-op when they are running.
func (g *Generator) Start() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	g.cancel, g.loopDone = cancel, make(chan struct{})
	g.epoch = time.Now()
	go g.loop(ctx, g.loopDone)
}

// Stop ends the arrivals; requests in flight go on (see Wait).
func (g *Generator) Stop() {
	g.mu.Lock()
	cancel, done := g.cancel, g.loopDone
	g.cancel = nil
	g.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

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

// SetRate sets the arrival rate (requests per second).
func (g *Generator) SetRate(r float64) {
	g.mu.Lock()
	g.rate = math.Max(0, r)
	g.mu.Unlock()
	g.poke()
}

// SetPattern switches the pattern; it starts from its beginning.
func (g *Generator) SetPattern(p Pattern) {
	g.mu.Lock()
	g.pattern, g.epoch = p, time.Now()
	g.mu.Unlock()
	g.poke()
}

// SetPaused pauses or resumes the arrivals.
func (g *Generator) SetPaused(p bool) {
	g.mu.Lock()
	g.paused = p
	g.mu.Unlock()
	g.poke()
}

func (g *Generator) poke() {
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
	s.Rate = g.currentRate(time.Now())
	s.Pattern, s.Paused = g.pattern, g.paused
	return s
}

// currentRate is the rate asked for at now; callers hold mu.
func (g *Generator) currentRate(now time.Time) float64 {
	if g.paused {
		return 0
	}
	return g.pattern.RateAt(g.rate, now.Sub(g.epoch))
}

// loop fires arrivals: the gap to the next one is exponential with the
// current rate (a Poisson process); arrivals that fall due together fire
// together.
func (g *Generator) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	next := time.Now()
	for {
		now := time.Now()
		g.mu.Lock()
		rate := g.currentRate(now)
		g.mu.Unlock()
		if rate <= 0 {
			select {
			case <-ctx.Done():
				return
			case <-g.wake:
			case <-time.After(100 * time.Millisecond):
			}
			next = time.Now()
			continue
		}
		for !next.After(now) {
			g.fire(ctx)
			next = next.Add(time.Duration(g.expGap(rate) * float64(time.Second)))
		}
		// Do not sleep past a change of rate for long.
		wait := min(time.Until(next), 50*time.Millisecond)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-g.wake:
			t.Stop()
			next = time.Now()
		case <-t.C:
		}
	}
}

func (g *Generator) expGap(rate float64) float64 {
	var e float64
	g.rng.With(func(r *rand.Rand) { e = r.ExpFloat64() })
	return e / rate
}

// Next draws the next request of the mix: a Zipf-popular product to read, or
// a uniformly chosen product to write (edits are not popularity-driven).
func (g *Generator) Next() Request {
	var req Request
	g.rng.With(func(r *rand.Rand) {
		if r.Float64() < g.cfg.ReadRatio {
			req.Product = int(g.zipf.Uint64()) + 1
		} else {
			req.Write, req.Product = true, r.IntN(g.cfg.Products)+1
		}
	})
	return req
}

func (g *Generator) fire(ctx context.Context) {
	req := g.Next()
	g.mu.Lock()
	if g.stats.InFlight >= int64(g.cfg.MaxInFlight) {
		g.stats.Sent++
		g.stats.Failed++
		g.mu.Unlock()
		g.report(Result{Request: req, Start: time.Now(), Err: "too many requests in flight: the user gave up"})
		return
	}
	// In flight from now, not from when its goroutine runs: arrivals that
	// fall due together would otherwise all pass the limit.
	req = g.begin(req)
	g.mu.Unlock()
	g.reqs.Add(1)
	go func() {
		defer g.reqs.Done()
		defer func() {
			if v := recover(); v != nil && g.cfg.OnPanic != nil {
				g.cfg.OnPanic(g.cfg.Name, v)
			}
		}()
		g.finish(context.WithoutCancel(ctx), req)
	}()
}

func (g *Generator) report(r Result) {
	if g.cfg.OnResult != nil {
		g.cfg.OnResult(r)
	}
}

// Send sends one request and waits for its answer. It counts like any other
// request.
func (g *Generator) Send(ctx context.Context, req Request) Result {
	g.mu.Lock()
	req = g.begin(req)
	g.mu.Unlock()
	return g.finish(ctx, req)
}

// begin counts req as sent and in flight and gives it its API key; callers
// hold mu.
func (g *Generator) begin(req Request) Request {
	if req.Key == "" {
		req.Key = g.cfg.Keys[g.nextKey%len(g.cfg.Keys)]
		g.nextKey++
	}
	g.stats.Sent++
	g.stats.InFlight++
	return req
}

// finish sends a begun request, waits for its answer and counts how it ended.
// A request that panics on its way counts as failed, so the books still
// balance.
func (g *Generator) finish(ctx context.Context, req Request) (res Result) {
	done := false
	defer func() {
		g.mu.Lock()
		g.stats.InFlight--
		if done && res.OK() {
			g.stats.OK++
		} else {
			g.stats.Failed++
		}
		g.mu.Unlock()
		if done {
			g.report(res)
		}
	}()
	res = g.do(ctx, req)
	done = true
	return res
}

func (g *Generator) do(ctx context.Context, req Request) Result {
	res := Result{Trace: trace.NewID(g.rng.Uint64()), Request: req, Start: time.Now()}
	method, body := http.MethodGet, io.Reader(nil)
	if req.Write {
		var price int
		g.rng.With(func(r *rand.Rand) { price = 499 + r.IntN(9500) })
		method, body = http.MethodPut, bytes.NewBufferString(`{"price_cents":`+strconv.Itoa(price)+`}`)
	}
	hr, err := http.NewRequestWithContext(ctx, method, g.cfg.Target+"/products/"+strconv.Itoa(req.Product), body)
	if err != nil {
		res.Err = err.Error()
		return res
	}
	hr.Header[trace.HeaderID] = []string{string(res.Trace)}
	hr.Header["X-Api-Key"] = []string{req.Key}
	trace.Send(hr.Header, g.cfg.Name, res.Start)
	resp, err := g.client.Do(hr)
	if err != nil {
		res.Duration = time.Since(res.Start)
		res.Err = describe(err)
		g.cfg.Recorder.Record(trace.Hop{
			Trace: res.Trace, From: g.cfg.Name, To: g.cfg.Entry, Start: res.Start,
			Duration: res.Duration, Outcome: trace.Error, Detail: res.Err,
		})
		return res
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	now := time.Now()
	res.Duration, res.Status = now.Sub(res.Start), resp.StatusCode
	from, sent := trace.Received(resp.Header, now)
	hop := trace.Hop{Trace: res.Trace, From: from, To: g.cfg.Name, Start: sent, Duration: now.Sub(sent)}
	var b [8]byte
	hop.Detail = resp.Status + " in " + string(strconv.AppendFloat(b[:0], float64(res.Duration)/float64(time.Millisecond), 'f', 1, 64)) + " ms"
	if !res.OK() {
		hop.Outcome = trace.Error
		res.Err = firstLine(msg)
		hop.Detail += ": " + res.Err
	}
	g.cfg.Recorder.Record(hop)
	return res
}

func describe(err error) string {
	var ue interface{ Timeout() bool }
	if errors.As(err, &ue) && ue.Timeout() {
		return "no answer (timed out)"
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Op + ": " + op.Err.Error()
	}
	return err.Error()
}

func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}
