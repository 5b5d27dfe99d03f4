package tui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/resource"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/components/traffic"
	"github.com/archex/archex/engine"
)

// t0 is the fixed clock of the tests.
var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// fakeSystem is a System with fixed figures, that records what it is asked.
type fakeSystem struct {
	mu      sync.Mutex
	card    *card.Card
	snap    *engine.Snapshot
	calls   []string
	traces  []engine.Trace
	cursor  uint64
	notices []engine.Notice
	// settings are what Settings returns and Restore sets.
	settings engine.Settings
}

func newFake() *fakeSystem { return newFakeCard(cards.Default()) }

func newFakeCard(c *card.Card) *fakeSystem {
	f := &fakeSystem{card: c}
	f.snap = steadySnapshot(c)
	return f
}

func ratio(v float64) *float64 { return &v }

// steadySnapshot is the production card at 200 req/s, all healthy.
func steadySnapshot(c *card.Card) *engine.Snapshot {
	last := engine.Second{T: 41, Sent: 201, OK: 201, HitRatio: ratio(0.91), DBReads: 17, DBQPS: 121, P50: 3.1, P99: 14.2, QueueDepth: 2, Jobs: 199,
		Down: []string{}, Components: map[string]engine.ComponentSecond{}}
	s := &engine.Snapshot{At: t0, Elapsed: 42 * time.Second, Card: c, Last: last,
		Requests: engine.Requests{Sent: 8400, OK: 8398, Failed: 2, Rate: 200, SetRate: 200, Pattern: traffic.Steady, Started: true},
		Events:   engine.Events{Published: 8400, Processed: 8398, Queued: 2},
		Switches: engine.Switches{Breaker: true, Singleflight: true, Algorithm: "round-robin"}}
	for i := 0; i < 30; i++ {
		h := last
		h.T = 11 + i
		h.Sent = 190 + (i*7)%23
		h.HitRatio = ratio(0.85 + float64(i%5)/50)
		h.P99 = 12 + float64(i%4)
		s.History = append(s.History, h)
	}
	figures := map[card.Kind]engine.Status{
		card.KindClient:       {RPS: 201},
		card.KindLoadBalancer: {RPS: 201, P99: 0.3, Healthy: 3, Replicas: 3},
		card.KindAPIGateway:   {RPS: 201, P99: 0.2},
		card.KindService:      {RPS: 201, P99: 1.3, Healthy: 3, Replicas: 3, Modeled: model.Latency{Base: time.Millisecond}},
		card.KindCache:        {RPS: 199, P99: 1.4, HitRatio: ratio(0.91), Keys: 230, Breaker: "closed", Modeled: model.Latency{Base: time.Millisecond}},
		card.KindDatabase:     {RPS: 38, P99: 10.8, PoolInUse: 1, PoolSize: 4, QPS: 121, Modeled: model.Latency{Base: 8 * time.Millisecond}},
		card.KindQueue:        {RPS: 201, P99: 0.4, Depth: 2, Lag: 3 * time.Millisecond},
		card.KindWorker:       {RPS: 201, P99: 4.1, Jobs: 199, Consumers: 2},
	}
	aliases := map[card.Kind]string{card.KindClient: "user", card.KindLoadBalancer: "loadbalancer", card.KindAPIGateway: "gateway",
		card.KindService: "service", card.KindCache: "cache", card.KindDatabase: "database", card.KindQueue: "queue", card.KindWorker: "worker"}
	for _, comp := range c.Components {
		st := figures[comp.Kind]
		st.Name, st.Kind, st.Alias, st.Description = comp.Name, comp.Kind, aliases[comp.Kind], comp.Description
		s.Components = append(s.Components, st)
	}
	return s
}

// coldTrace is the card's hops of a cold read of item 42, each with the
// fields its component records (see coldHop), at the times a real one
// takes: the async branch is listed where it forks but ends after the
// answer.
func coldTrace(c *card.Card) engine.Trace {
	durs := []float64{0.2, 0.2, 1.1, 1.2, 0, 9.4, 0, 1.1, 0.3, 3.1, 7.9, 0.05, 0.05, 0.05, 0.05, 0.05}
	t := engine.Trace{ID: "2a2e77abd09ed69e", Seq: 1, Product: 42, Start: t0, Duration: 13200 * time.Microsecond, Status: 200, Done: true}
	words := engine.ResourceOf(c)
	at, publishedAt := t0, t0
	for i, f := range c.Flow {
		d := time.Duration(durs[i%len(durs)] * float64(time.Millisecond))
		h := coldHop(c, f, words)
		if f.Async && h.Op == "" {
			at = publishedAt // the delivery waits from the publish
		}
		h.Trace, h.Start, h.Duration = t.ID, at, d
		if h.Op == "XADD" {
			publishedAt = at
		}
		t.Hops = append(t.Hops, h)
		if !h.Reply || f.Async {
			at = at.Add(d)
		}
	}
	// The answer reaches the user at 13.2 ms, before the worker is done.
	last := &t.Hops[len(t.Hops)-1]
	last.Start, last.Elapsed = t0.Add(t.Duration-last.Duration), t.Duration
	return t
}

// coldHop is the hop f of a cold read as its component records it.
func coldHop(c *card.Card, f card.Hop, words resource.Resource) trace.Hop {
	kindOf := func(name string) card.Kind { comp, _ := c.Component(name); return comp.Kind }
	from, to := kindOf(f.From), kindOf(f.To)
	h := trace.Hop{From: f.From, To: f.To, Async: f.Async, ID: 42, Method: "GET", Path: words.Path(42)}
	switch {
	case f.Async && from == card.KindQueue:
		h.Instance, h.Event, h.Tries, h.Key = "worker-1", words.Viewed(), 1, "1795736851305-0"
	case f.Async:
		h.Instance, h.Op, h.Event, h.Batch, h.Statement = "worker-1", "APPLY", words.Viewed(), 1, "INSERT applied_events + UPDATE "+words.StatsTable()
	case reverseBefore(c, f) && from == card.KindCache:
		h.Op, h.Key, h.Outcome, h.Reply = "GET", words.Key(42), trace.Miss, true
	case reverseBefore(c, f) && from == card.KindDatabase:
		h.Op, h.Table, h.Rows, h.Value, h.Reply = "SELECT", words.Table(), 1, words.Row(words.Name(42), 2053), true
	case reverseBefore(c, f):
		h.Reply, h.Status = true, 200
		if to != card.KindClient && from != "cdn" {
			h.Instance = "replica-2"
		}
	case to == card.KindLoadBalancer:
		h.Instance, h.Policy = "replica-2", "round-robin"
	case to == card.KindAPIGateway:
		h.Instance, h.APIKey, h.Route = "replica-2", "demo-key-1", words.Pattern("GET")
	case to == card.KindService:
		h.Instance = "replica-2"
	case to == card.KindCache && seenBefore(c, f):
		h.Op, h.Key, h.TTL = "SET", words.Key(42), 57*time.Second
	case to == card.KindCache:
		h.Op, h.Key, h.Outcome = "GET", words.Key(42), trace.Miss
	case to == card.KindDatabase:
		h.Op, h.Table, h.Statement, h.Rows = "SELECT", words.Table(), words.Select(42), 1
	case to == card.KindQueue:
		h.Op, h.Event = "XADD", words.Viewed()
	}
	return h
}

// reverseBefore reports whether the flow lists f's reverse before f: f is
// an answer.
func reverseBefore(c *card.Card, f card.Hop) bool {
	for _, g := range c.Flow {
		if g == f {
			return false
		}
		if g.From == f.To && g.To == f.From {
			return true
		}
	}
	return false
}

// seenBefore reports whether the flow lists f's pair before f itself: the
// service's second call to a cache is its fill.
func seenBefore(c *card.Card, f card.Hop) bool {
	for _, g := range c.Flow {
		if g == f {
			return false
		}
		if g.From == f.From && g.To == f.To {
			return true
		}
	}
	return false
}

func (f *fakeSystem) record(format string, args ...any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
	return nil
}

func (f *fakeSystem) called() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.calls, "; ")
}

func (f *fakeSystem) Card() *card.Card { return f.card }

func (f *fakeSystem) Snapshot() *engine.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap
}

func (f *fakeSystem) TracesSince(cursor uint64, max int) ([]engine.Trace, uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Trace
	for _, t := range f.traces {
		if t.Seq > cursor {
			out = append(out, t)
		}
	}
	return out, f.cursor
}

func (f *fakeSystem) Trace(id trace.ID) (engine.Trace, bool) {
	t := coldTrace(f.card)
	return t, t.ID == id
}

func (f *fakeSystem) Notices(cursor uint64) ([]engine.Notice, uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Notice
	for _, n := range f.notices {
		if n.Seq > cursor {
			out = append(out, n)
		}
	}
	return out, uint64(len(f.notices))
}

func (f *fakeSystem) Send(ctx context.Context, req engine.Request, waitAsync bool) (engine.Trace, error) {
	f.record("send %d", req.Product)
	return coldTrace(f.card), nil
}

// setState changes one component's state in a new snapshot, as a kill or
// a revive would.
// overload is the system at 1,500 req/s with the cache down and shedding
// on, replica-1 ejected for answering 5xx.
func (f *fakeSystem) overload() {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := *f.snap
	s.Components = append([]engine.Status(nil), f.snap.Components...)
	s.Switches.Shedding = true
	s.Requests.SetRate, s.Last.Shed = 1500, 612
	for i := range s.Components {
		st := &s.Components[i]
		switch st.Kind {
		case card.KindService:
			st.RPS, st.Shed = 1500, 612
		case card.KindLoadBalancer:
			st.RPS, st.Healthy, st.Ejected = 1500, 2, []string{"replica-1"}
			st.State, st.Note = engine.Degraded, "replica-1 ejected"
		}
	}
	f.snap = &s
}

func (f *fakeSystem) setState(alias string, state engine.State) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := *f.snap
	s.Components = append([]engine.Status(nil), f.snap.Components...)
	s.History = append([]engine.Second(nil), f.snap.History...)
	name := ""
	for i := range s.Components {
		st := &s.Components[i]
		if st.Alias != alias {
			continue
		}
		name = st.Name
		st.State, st.Killed = state, state == engine.Down
		st.Note = ""
		if state == engine.Down {
			st.Note = "killed"
		}
		if alias == "cache" && state == engine.Down {
			st.HitRatio = ratio(0)
			st.Breaker = "open"
		}
		if alias == "queue" {
			// Down, the events wait in the service; revived, the
			// relay is working through them.
			st.Outbox, st.Spool = 38, 1210
			if state == engine.Up {
				st.Outbox, st.Spool = 0, 420
			}
		}
	}
	if state != engine.Down || name == "" {
		f.snap = &s
		return
	}
	// Four seconds pass with it down: the one it went down in, and three
	// whole ones after.
	for i := range 4 {
		s.History = append(s.History, s.Last)
		last := s.Last
		last.T++
		last.Down, last.Unwell = []string{alias}, []string{name}
		switch alias {
		case "cache":
			last.HitRatio, last.DBQPS, last.DBReads, last.P50, last.P99 = ratio(0), 302, 181, 11.2, 19.8
		case "worker":
			last.QueueDepth, last.Jobs = 25*(i+1), 0
		}
		s.Last = last
	}
	for i := range s.Components {
		st := &s.Components[i]
		switch {
		case alias == "worker" && st.Kind == card.KindQueue:
			st.Depth, st.Lag = 100, 4800*time.Millisecond
		case alias == "worker" && st.Kind == card.KindWorker:
			st.Jobs, st.RPS = 0, 0
		}
	}
	s.Elapsed += 4 * time.Second
	s.At = s.At.Add(4 * time.Second)
	f.snap = &s
}

func (f *fakeSystem) Kill(target string) error {
	f.setState(target, engine.Down)
	return f.record("kill %s", target)
}

func (f *fakeSystem) Revive(target string) error {
	f.setState(target, engine.Up)
	return f.record("revive %s", target)
}

func (f *fakeSystem) Slow(target string, d time.Duration) error {
	return f.record("slow %s %v", target, d)
}

func (f *fakeSystem) FailRate(target string, p float64) error {
	return f.record("fail %s %g", target, p)
}

func (f *fakeSystem) Heal(target string) error { return f.record("heal %s", target) }
func (f *fakeSystem) CrashWorker() error       { return f.record("crash worker") }
func (f *fakeSystem) SetBreaker(on bool)       { f.record("breaker %v", on) }
func (f *fakeSystem) SetSingleflight(on bool)  { f.record("singleflight %v", on) }
func (f *fakeSystem) SetShedding(on bool)      { f.record("shedding %v", on) }
func (f *fakeSystem) SetAlgorithm(a loadbalancer.Algorithm) error {
	return f.record("algorithm %s", a)
}
func (f *fakeSystem) SetRate(r float64)            { f.record("rate %g", r) }
func (f *fakeSystem) SetPattern(p traffic.Pattern) { f.record("pattern %s", p) }
func (f *fakeSystem) SetPaused(p bool)             { f.record("paused %v", p) }
func (f *fakeSystem) Turn(l engine.Fault) error    { return f.record("turn %s", l.Text) }
