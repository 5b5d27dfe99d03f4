// Package engine is the running system: it builds the components a design
// card names, wires them along the card's flow, drives traffic through them,
// keeps the traces and the metrics, and takes chaos. Front ends (the
// dashboard, the headless runner, the quiz's experiments) read it through
// snapshots they pull; the engine never waits for a reader. Nothing here is
// global: several engines, and several readers of one, can run side by side.
package engine

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
	"github.com/archex/archex/components/cache"
	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/gateway"
	"github.com/archex/archex/components/generic"
	"github.com/archex/archex/components/httpnode"
	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/outbox"
	"github.com/archex/archex/components/queue"
	"github.com/archex/archex/components/resource"
	"github.com/archex/archex/components/service"
	"github.com/archex/archex/components/traffic"
	"github.com/archex/archex/components/worker"
)

// Options configure an engine. The zero value runs the default card with
// no traffic until SetRate.
type Options struct {
	Card      *card.Card // nil: the embedded production card
	Seed      uint64
	Rate      float64 // requests per second
	Pattern   traffic.Pattern
	ReadRatio float64 // share of reads (default 0.9)
	// NoLatency turns the time model off (benchmarks): components do
	// only their real work.
	NoLatency bool
	// Dir holds the database file; empty: a new temporary directory,
	// removed on Close (and, if the process dies first, by the next engine
	// to start: see makeTempDir).
	Dir string
	// ClaimIdle is how long the worker leaves a message with a consumer
	// before another may claim it (default 1 s).
	ClaimIdle time.Duration
	// CacheTTL is the cache's time to live for a product (default 60 s).
	CacheTTL time.Duration
	// KeyRate is the gateway's rate limit per API key, requests per second
	// (default 1000).
	KeyRate float64
	// Keys are the API keys the user's requests carry, one after another
	// (default the four demo keys, in turn). A key listed more often sends
	// more: a noisy client is one key listed many times.
	Keys []string
	// Zipf is the skew of the products' popularity (default 1.3; above 1,
	// higher is hotter: at 2, the most popular product gets 60 % of reads).
	Zipf float64
	// DedupeWindow is how long the queue remembers an event id, so that a
	// republished event is added once (default 2 minutes); the worker keeps
	// applied ids for twice as long (see package worker).
	DedupeWindow time.Duration
}

// DemoKeys are the API keys the user sends with by default, in turn: the
// gateway's keys with the default rate limit.
var DemoKeys = []string{"demo-key-1", "demo-key-2", "demo-key-3", "demo-key-4"}

// Engine is one running system.
type Engine struct {
	opts  Options
	card  *card.Card
	words resource.Resource // what the card's service serves
	topo  *topology
	dir   string
	owned bool   // dir is ours to remove
	lock  func() // releases dir's lock (see makeTempDir)

	db      *database.Database
	caches  []*cache.Cache
	queue   *queue.Queue
	worker  *worker.Worker
	svc     *service.Service
	relay   *outbox.Relay
	gw      *gateway.Gateway
	lb      *loadbalancer.LB
	generic map[string]*generic.Component
	front   []*httpnode.Server
	user    *traffic.Generator
	entry   string // URL of the front door

	parts []*part // every component, in card order

	scale    scaling // the service's replicas (scale.go)
	defaults Levers  // the levers as built (levers.go)

	rec   *recorder
	start time.Time
	// Guarded by mu: the seconds closed so far, the counters at the end of
	// the last one, and whether the seconds are the user's schedule's
	// (they are when the traffic started before the first second closed).
	closedSeconds int
	prev          counters
	aligned       bool
	begun         bool    // the traffic has started once
	downSeen      nameSet // down at some refresh of the second in progress
	unwellSeen    nameSet // not UP at some refresh of the second in progress (by card name)
	touched       nameSet // changed by chaos since the last refresh
	snap          atomic.Pointer[Snapshot]
	initial       Settings // as built: what Reset puts back
	notes         *noticeLog
	stop          chan struct{}
	wg            sync.WaitGroup
	closed        atomic.Bool
	mu            sync.Mutex // serialises chaos and settings
}

// New builds and starts every component of the card. Traffic starts with
// Start. On error nothing is left running.
func New(opts Options) (e *Engine, err error) {
	if opts.Card == nil {
		opts.Card = cards.Default()
	}
	topo, err := planTopology(opts.Card)
	if err != nil {
		return nil, err
	}
	e = &Engine{opts: opts, card: opts.Card, words: ResourceOf(opts.Card), topo: topo, generic: map[string]*generic.Component{},
		stop: make(chan struct{}), notes: newNoticeLog(500)}
	e.rec = newRecorder(e)
	e.scale.kick = make(chan struct{}, 1)
	e.scale.ctx, e.scale.cancel = context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			e.teardown()
			e = nil
		}
	}()
	e.dir = opts.Dir
	if e.dir == "" {
		if e.dir, e.lock, err = makeTempDir(); err != nil {
			return nil, err
		}
		e.owned = true
	}
	if err := e.build(); err != nil {
		return nil, err
	}
	names, _ := e.svc.Replicas()
	e.scale.want.Store(int64(len(names)))
	e.defaults = e.Levers()
	e.initial = e.Settings()
	e.start = time.Now()
	e.refresh(time.Now())
	e.wg.Add(2)
	go e.tick()
	go e.scaleLoop()
	return e, nil
}

// spec is one component's settings: the card's, else the kind's defaults.
type spec struct {
	latency  model.Latency
	capacity int
	replicas int
}

func (e *Engine) spec(c card.Component) spec {
	s := spec{latency: defaultLatency(c.Kind), capacity: defaultCapacity(c.Kind), replicas: defaultReplicas(c.Kind)}
	if c.Latency != nil {
		s.latency = model.Latency{Base: c.Latency.Base.D(), Jitter: c.Latency.Jitter.D()}
	}
	if c.Capacity > 0 {
		s.capacity = c.Capacity
	}
	if c.Replicas > 0 {
		s.replicas = c.Replicas
	}
	if e.opts.NoLatency {
		s.latency = model.Latency{}
	}
	return s
}

func defaultLatency(k card.Kind) model.Latency {
	switch k {
	case card.KindClient:
		return model.Latency{}
	case card.KindLoadBalancer:
		return loadbalancer.DefaultLatency
	case card.KindAPIGateway:
		return gateway.DefaultLatency
	case card.KindService:
		return service.DefaultLatency
	case card.KindCache:
		return cache.DefaultLatency
	case card.KindDatabase:
		return database.DefaultLatency
	case card.KindQueue:
		return queue.DefaultLatency
	case card.KindWorker:
		return worker.DefaultLatency
	default:
		return generic.DefaultLatency
	}
}

func defaultCapacity(k card.Kind) int {
	switch k {
	case card.KindDatabase:
		return database.DefaultPool
	case card.KindService:
		return 128 // requests per replica at once
	default:
		return 0
	}
}

func defaultReplicas(k card.Kind) int {
	switch k {
	case card.KindService:
		return service.DefaultReplicas
	case card.KindWorker:
		return 2
	default:
		return 1
	}
}

// build starts the components from the back of the flow to the front, so
// each one's dependencies exist when it starts.
func (e *Engine) build() error {
	seed := e.opts.Seed
	onPanic := e.reportPanic
	c := e.card
	for _, comp := range c.Components {
		sp := e.spec(comp)
		switch comp.Kind {
		case card.KindDatabase:
			if e.db != nil {
				return fmt.Errorf("card %q: archex runs one database; %q is a second", c.Title, comp.Name)
			}
			db, err := database.Open(database.Config{Name: comp.Name, Dir: e.dir, Pool: sp.capacity, Latency: sp.latency, Seed: seed, Resource: e.words})
			if err != nil {
				return err
			}
			e.db = db
		case card.KindCache:
			ch, err := cache.Open(cache.Config{Name: comp.Name, Latency: sp.latency, Capacity: sp.capacity, Seed: seed})
			if err != nil {
				return err
			}
			e.caches = append(e.caches, ch)
		case card.KindQueue:
			if e.queue != nil {
				return fmt.Errorf("card %q: archex runs one queue; %q is a second", c.Title, comp.Name)
			}
			q, err := queue.Open(queue.Config{Name: comp.Name, Latency: sp.latency, Seed: seed, DedupeWindow: e.opts.DedupeWindow})
			if err != nil {
				return err
			}
			e.queue = q
		case card.KindClient, card.KindLoadBalancer, card.KindAPIGateway, card.KindService, card.KindWorker:
			// Built below, once what they depend on exists.
		default:
			e.generic[comp.Name] = generic.New(generic.Config{Name: comp.Name, Kind: string(comp.Kind), Latency: sp.latency,
				Capacity: sp.capacity, Seed: seed, Recorder: e.rec, OnPanic: onPanic})
		}
	}
	if err := e.buildWorker(); err != nil {
		return err
	}
	if err := e.buildService(); err != nil {
		return err
	}
	if err := e.buildIngress(); err != nil {
		return err
	}
	client, _ := c.Component(e.topo.client)
	keys := e.opts.Keys
	if len(keys) == 0 {
		keys = DemoKeys
	}
	e.user = traffic.New(traffic.Config{
		Name: client.Name, Target: e.entry, Entry: e.entryName(), Rate: e.opts.Rate, Pattern: e.opts.Pattern, Resource: e.words,
		ReadRatio: e.opts.ReadRatio, Keys: keys, Zipf: e.opts.Zipf,
		Seed: seed, Recorder: e.rec, OnResult: e.rec.result, OnPanic: e.reportPanic,
	})
	e.parts = e.makeParts()
	return nil
}

func (e *Engine) buildWorker() error {
	workers := e.card.ByKind(card.KindWorker)
	if len(workers) == 0 {
		return nil
	}
	if len(workers) > 1 {
		return fmt.Errorf("card %q: archex runs one background worker; %q is a second", e.card.Title, workers[1].Name)
	}
	if e.queue == nil {
		return fmt.Errorf("card %q: the worker %q needs a queue to read", e.card.Title, workers[0].Name)
	}
	// The worker writes where the card's branch goes: the database, a
	// component of another kind, or nowhere past itself.
	t := e.topo
	var store worker.Store
	switch {
	case t.sink != "" && e.db != nil && t.sink == e.db.Name():
		store = e.db
	case t.sink != "":
		g := e.generic[t.sink]
		if g == nil {
			return fmt.Errorf("card %q: the worker %q writes to %q, which archex does not run", e.card.Title, workers[0].Name, t.sink)
		}
		store = newSink(g)
	default:
		store = newSink(nil)
	}
	sp := e.spec(workers[0])
	w, err := worker.New(worker.Config{
		Name: workers[0].Name, QueueName: e.queue.Name(), StoreName: t.sink, StoreReply: t.sinkReply, Resource: e.words,
		Queue: e.queue, Store: store, Consumers: sp.replicas, ClaimIdle: e.opts.ClaimIdle, KeepApplied: 2 * e.opts.DedupeWindow,
		Latency: sp.latency, Seed: e.opts.Seed, Recorder: e.rec, OnPanic: e.reportPanic,
	})
	if err != nil {
		return err
	}
	e.worker = w
	w.Start()
	return nil
}

func (e *Engine) buildService() error {
	t := e.topo
	sp := e.spec(t.svc)
	if t.lb == nil {
		sp.replicas = 1 // nothing would spread requests over more
	}
	cfg := service.Config{
		Name: t.svc.Name, Replicas: sp.replicas, Latency: sp.latency, Capacity: sp.capacity, Seed: e.opts.Seed,
		Plan: t.plan, Resource: e.words, TTL: e.opts.CacheTTL, Recorder: e.rec, OnPanic: e.reportPanic, Calls: map[string]service.Caller{},
	}
	rc := outbox.Config{Service: t.svc.Name, Recorder: e.rec, OnPanic: e.reportPanic}
	for _, name := range t.cacheNames() {
		c := e.cacheNamed(name)
		cfg.Caches = append(cfg.Caches, c)
		rc.Caches = append(rc.Caches, c)
	}
	for _, step := range t.plan {
		switch step.Kind {
		case service.Read:
			cfg.Store = e.db
		case service.Publish:
			rc.Queue = e.queue
		case service.Call:
			if g := e.generic[step.Target]; g != nil {
				cfg.Calls[step.Target] = g
			}
		}
	}
	if cfg.Store == nil && e.db != nil {
		// Writes still go to the database the card has.
		cfg.Store = e.db
	}
	if e.db != nil {
		rc.Store = e.db // the outbox is a table of the database
	}
	relay, err := outbox.New(context.Background(), rc)
	if err != nil {
		return err
	}
	e.relay, cfg.Relay = relay, relay
	relay.Start()
	for _, stage := range t.inner {
		mw, err := e.middleware(stage)
		if err != nil {
			return err
		}
		cfg.Ingress = append(cfg.Ingress, mw)
	}
	svc, err := service.New(cfg)
	if err != nil {
		return err
	}
	e.svc = svc
	return nil
}

func (e *Engine) cacheNamed(name string) *cache.Cache {
	for _, c := range e.caches {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

// middleware is a stage that runs in front of the service.
func (e *Engine) middleware(stage card.Component) (service.Middleware, error) {
	if stage.Kind == card.KindAPIGateway {
		if e.gw != nil {
			return nil, fmt.Errorf("card %q: archex runs one API gateway; %q is a second", e.card.Title, stage.Name)
		}
		sp := e.spec(stage)
		var keys []gateway.Key
		if r := e.opts.KeyRate; r > 0 {
			for _, k := range gateway.DefaultKeys {
				if k.Key != gateway.TrialKey {
					k.Rate, k.Burst = r, gateway.BurstFor(r)
				}
				keys = append(keys, k)
			}
		}
		routes := []string{e.words.Pattern("GET"), e.words.Pattern("PUT")}
		e.gw = gateway.New(gateway.Config{Name: stage.Name, Keys: keys, Routes: routes, Latency: sp.latency, Capacity: sp.capacity, Seed: e.opts.Seed, Recorder: e.rec})
		return e.gw.Wrap, nil
	}
	if g := e.generic[stage.Name]; g != nil {
		return g.Wrap, nil
	}
	return nil, fmt.Errorf("card %q: %q (%s) cannot stand between the client and the service", e.card.Title, stage.Name, stage.Kind)
}

// buildIngress starts the load balancer and the stages in front of it,
// back to front, and remembers the front door.
func (e *Engine) buildIngress() error {
	t := e.topo
	names, addrs := e.svc.Replicas()
	next, nextName := "http://"+addrs[0], t.svc.Name
	if len(t.inner) > 0 {
		nextName = t.inner[0].Name
	}
	if t.lb != nil {
		sp := e.spec(*t.lb)
		var backends []loadbalancer.Backend
		for i := range names {
			backends = append(backends, loadbalancer.Backend{Name: names[i], Addr: addrs[i]})
		}
		lb, err := loadbalancer.New(loadbalancer.Config{Name: t.lb.Name, Next: nextName, Backends: backends,
			Latency: sp.latency, Capacity: sp.capacity, Seed: e.opts.Seed, Recorder: e.rec, OnPanic: e.reportPanic})
		if err != nil {
			return err
		}
		e.lb = lb
		next, nextName = lb.URL(), t.lb.Name
	}
	for i := len(t.front) - 1; i >= 0; i-- {
		stage := t.front[i]
		target, err := url.Parse(next)
		if err != nil {
			return err
		}
		mw, err := e.middleware(stage)
		if err != nil {
			return err
		}
		node, err := httpnode.Listen(stage.Name, "127.0.0.1:0", mw("", httpnode.Proxy(stage.Name, nextName, target, e.rec)), e.reportPanic)
		if err != nil {
			return err
		}
		e.front = append(e.front, node)
		next, nextName = node.URL(), stage.Name
	}
	e.entry = next
	return nil
}

// entryName is the card's name for the front door.
func (e *Engine) entryName() string {
	if len(e.topo.front) > 0 {
		return e.topo.front[0].Name
	}
	if e.topo.lb != nil {
		return e.topo.lb.Name
	}
	return e.topo.svc.Name
}

// Card is the card the engine runs.
func (e *Engine) Card() *card.Card { return e.card }

// FrontDoor is the URL where users' requests enter.
func (e *Engine) FrontDoor() string { return e.entry }

// Start begins the traffic. Started for the first time, the engine's
// seconds become the traffic's: second k counts exactly the arrivals its
// schedule put there (idle seconds before it are forgotten: see
// restartClock).
func (e *Engine) Start() {
	e.mu.Lock()
	defer e.mu.Unlock()
	epoch := e.user.Start()
	switch {
	case e.closedSeconds == 0:
		e.start, e.aligned = epoch, true
	case !e.begun:
		e.restartClock(epoch)
	}
	e.begun = true
}

// StopTraffic ends the arrivals at once; requests in flight go on.
func (e *Engine) StopTraffic() { e.user.Stop() }

// TrafficEnded is closed once the traffic reaches the end planned with
// Plan.
func (e *Engine) TrafficEnded() <-chan struct{} { return e.user.Ended() }

// Drain waits, up to ctx, for requests in flight, for the events waiting in
// the outbox and the spool to be published and for the queue to empty.
func (e *Engine) Drain(ctx context.Context) error {
	if err := e.user.Wait(ctx); err != nil {
		return fmt.Errorf("requests still in flight: %w", err)
	}
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		waiting := e.relay.Stats()
		var qs queue.Stats
		if e.queue != nil {
			qs = e.queue.Stats()
		}
		if waiting.Pending() == 0 && !qs.Down && qs.Depth == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d events still waiting (%d in the outbox, %d in the spool, %d queued): %w",
				waiting.Pending()+qs.Depth, waiting.Outbox, waiting.Spool, qs.Depth, ctx.Err())
		case <-t.C:
		}
	}
}

// Close stops everything and waits for every goroutine. The engine cannot
// be used afterwards.
func (e *Engine) Close() error {
	if !e.closed.CompareAndSwap(false, true) {
		return nil
	}
	close(e.stop)
	e.scale.cancel()
	e.wg.Wait()
	e.teardown()
	return nil
}

// teardown stops whatever was started, front to back.
func (e *Engine) teardown() {
	e.scale.cancel()
	if e.user != nil {
		e.user.Close()
	}
	for _, n := range e.front {
		n.Close()
	}
	if e.lb != nil {
		e.lb.Close()
	}
	if e.svc != nil {
		e.svc.Close()
	}
	if e.relay != nil {
		e.relay.Close()
	}
	if e.worker != nil {
		e.worker.Stop()
	}
	if e.queue != nil {
		e.queue.Close()
	}
	for _, c := range e.caches {
		c.Close()
	}
	if e.db != nil {
		e.db.Close()
	}
	if e.owned && e.dir != "" {
		os.RemoveAll(e.dir)
		e.lock()
	}
}

// reportPanic is told of a panic recovered inside a component.
func (e *Engine) reportPanic(component string, v any) {
	e.notes.add(time.Now(), component, fmt.Sprintf("recovered from a panic: %v", v), LevelError)
}

// errClosed is returned by calls on a closed engine.
var errClosed = errors.New("engine: closed")
