package engine

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/outbox"
	"github.com/archex/archex/components/service"
	"github.com/archex/archex/components/traffic"
)

// State is a component's health as a word.
type State int

// States of a component.
const (
	Up       State = iota
	Degraded       // working, but slowed, failing some calls, or short of replicas
	Open           // a cache the circuit breaker has stopped calling
	Down           // killed
)

var stateNames = [...]string{"UP", "DEGRADED", "OPEN", "DOWN"}

func (s State) String() string { return stateNames[s] }

// Status is one component's live state and figures. Figures that do not
// apply to its kind are zero.
type Status struct {
	Name        string
	Alias       string // the name chaos takes: cache, database, service ...
	Kind        card.Kind
	Description string
	State       State
	Note        string // why it is not UP, in a few words
	// Killed is true while chaos has the component stopped (a paused
	// user, every replica of the service): what a revive undoes. A
	// component may be DOWN without being killed (a load balancer with no
	// healthy replica).
	Killed bool

	RPS     int     // calls received in the last second
	Errors  int     // of which failed
	P99     float64 // ms spent at the component, last second
	Modeled model.Latency
	Slow    time.Duration // added by chaos (the most on any replica)
	Fail    float64       // fraction of calls failed by chaos (the most on any replica)
	// FaultsOn names the replicas chaos slows or fails, when it is not
	// all of them ("replica-1").
	FaultsOn []string

	HitRatio *float64 // cache
	Keys     int      // cache

	PoolInUse, PoolSize, PoolWaiting int // database
	QPS                              int // database: statements in the last second

	Depth, Pending int           // queue
	Lag            time.Duration // queue: age of the oldest unfinished event
	DeadLettered   int64         // queue
	// Queue: the events waiting to be published, in the outbox (writes')
	// and in the spool (reads'), and those a full spool dropped.
	Outbox, Spool int
	EventsShed    int64 // dropped by a full spool
	Untrusted     int   // cache: keys reads skip until a write's invalidation is retried

	Jobs      int // worker: events finished in the last second
	Consumers int // worker
	// Worker, since start: deliveries of events a consumer had left
	// pending (after a crash or a stall), deliveries found applied already
	// (skipped: the de-duplication by event id), consumer crashes recovered.
	Redelivered, Duplicated, Crashes int64

	Healthy, Replicas int      // load balancer, service
	DownReplicas      []int    // service: the replicas killed, numbered from 1
	Ejected           []string // load balancer: replicas ejected for answering 5xx
	Shed              int      // service: requests refused by load shedding in the last second
	Breaker           string   // the cache breaker's state, on a cache: closed, half-open, open
}

// Requests are the user's requests since start. Sent = OK + Failed +
// InFlight holds in every snapshot.
type Requests struct {
	Sent, OK, Failed, InFlight int64
	Rate                       float64 // asked for now
	SetRate                    float64 // the rate set (the pattern varies around it)
	Pattern                    traffic.Pattern
	Paused                     bool
	// Started is false until the traffic has been started once (an engine
	// built and waiting, as a challenge waits for its clock): nothing has
	// been sent and the clock has not begun.
	Started bool
}

// Events are the requests' events since start: what the service created,
// what waits to be published and what the queue and the worker did. The
// books are
//
//	Created = Processed + DeadLettered + Queued + Pending + Shed + Lost
//
// and Lost must be 0. Delivery is at least once, yet each event counts once:
// the broker adds an event id once within its dedupe window (a republished
// event is Deduplicated, not Published again), so Published, Processed
// (events acknowledged), DeadLettered and Queued (in the stream) count
// events, not attempts; a redelivery the worker finds applied already is
// Duplicated and still acknowledged once. The figures come from the relay and
// from the broker, read a moment apart: exact once the system is still (the
// end of a run, after the drain), off by the events in flight between the
// two while it runs.
type Events struct {
	// Created counts the events the service committed to deliver: every
	// read's, and every write's once its transaction committed.
	Created                                        int64
	Published, Processed, Duplicated, DeadLettered int64
	Deduplicated                                   int64 // republished events the broker already had
	Queued                                         int   // in the stream: not processed yet
	Outbox, Spool                                  int   // waiting to be published
	Shed                                           int64 // dropped by a full spool: the only loss allowed, and counted
	Spooled                                        int64 // read events that went to the spool instead of the queue
}

// Pending is the events waiting to be published: in the outbox or the spool.
func (e Events) Pending() int { return e.Outbox + e.Spool }

// Lost is what the books cannot account for: 0 unless an event vanished.
func (e Events) Lost() int64 {
	return e.Created - e.Processed - e.DeadLettered - int64(e.Queued) - int64(e.Pending()) - e.Shed
}

// Switches are the settings a user can flip.
type Switches struct {
	Breaker, Singleflight, Shedding bool
	Algorithm                       string
}

// Snapshot is the whole system at one moment. The engine builds a new one
// every refresh and never changes it afterwards: readers may keep it.
type Snapshot struct {
	At         time.Time
	Elapsed    time.Duration
	Card       *card.Card
	Components []Status // in card order
	Requests   Requests
	Events     Events
	Switches   Switches
	Levers     Levers // every lever's setting (Switches are the switches among them)
	// DefaultLevers are the levers as the engine started (DefaultLevers).
	DefaultLevers Levers
	// Last is the last complete second; History the seconds before it,
	// oldest first, up to historyInSnapshot of them.
	Last    Second
	History []Second
}

// Component returns a component's status by name.
func (s *Snapshot) Component(name string) (Status, bool) {
	for _, c := range s.Components {
		if c.Name == name {
			return c, true
		}
	}
	return Status{}, false
}

// ByKind returns the status of the first component of kind k.
func (s *Snapshot) ByKind(k card.Kind) (Status, bool) {
	for _, c := range s.Components {
		if c.Kind == k {
			return c, true
		}
	}
	return Status{}, false
}

// historyInSnapshot is how many seconds of history a snapshot carries.
const historyInSnapshot = 300

// Snapshot returns the latest snapshot. It never blocks.
func (e *Engine) Snapshot() *Snapshot { return e.snap.Load() }

// History returns every second kept so far, oldest first.
func (e *Engine) History() []Second { return e.rec.history(0) }

// tick refreshes the snapshot ten times a second and closes each second.
func (e *Engine) tick() {
	defer e.wg.Done()
	defer e.recoverIn("engine ticker")
	const every = 100 * time.Millisecond
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case now := <-t.C:
			e.refresh(now)
		}
	}
}

// recoverIn reports a panic in an engine goroutine instead of crashing.
func (e *Engine) recoverIn(where string) {
	if v := recover(); v != nil {
		e.reportPanic(where, v)
	}
}

// counters are the cumulative figures the per-second ones are deltas of.
type counters struct {
	sent, dbQueries, jobs int64
}

// refresh closes any second that has ended and publishes a new snapshot.
func (e *Engine) refresh(now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	elapsed := now.Sub(e.start)
	for e.closedSeconds < int(elapsed/time.Second) {
		c, final := e.counters(elapsed)
		if !final {
			break // the user still has arrivals of this second to send
		}
		depth := 0
		if e.queue != nil {
			depth = e.queue.Stats().Depth
		}
		backlog := backlog{queued: depth, waiting: e.relay.Stats().Pending()}
		e.rec.close(e.closedSeconds, int(c.sent-e.prev.sent), int(c.dbQueries-e.prev.dbQueries), backlog, int(c.jobs-e.prev.jobs), e.downSeen.list(), e.unwellSeen.list())
		e.prev = c
		e.closedSeconds++
		e.downSeen, e.unwellSeen = nil, nil
	}
	// What is down now belongs to the second in progress: a second's
	// "down" lists whatever was down at any refresh during it.
	for _, d := range e.downList() {
		e.downSeen = e.downSeen.add(d)
	}
	snap := e.assemble(now, elapsed)
	for _, c := range snap.Components {
		if c.State != Up {
			e.unwellSeen = e.unwellSeen.add(c.Name)
		}
	}
	e.watch(snap)
	e.snap.Store(snap)
}

// counters reads the figures at the end of the second about to close. The
// requests sent are the user's arrivals due in it (from its schedule, once
// it has sent them all, so that a late goroutine never moves a request into
// the next second) plus those sent by hand. final is false while the user
// is still sending arrivals due in that second; after lateBy, the second
// closes with what was sent, and so do the seconds after it.
func (e *Engine) counters(elapsed time.Duration) (c counters, final bool) {
	end := e.closedSeconds + 1
	if e.aligned {
		c.sent, final = e.user.SentBy(end)
	} else {
		c.sent, final = e.user.Stats().Sent, true
	}
	if !final {
		if elapsed < time.Duration(end)*time.Second+lateBy {
			return c, false
		}
		// Too far behind to wait for: count what was sent, from now on.
		c.sent, e.aligned = e.user.Stats().Sent, false
	}
	if e.db != nil {
		c.dbQueries = e.db.Stats().Queries
	}
	if e.worker != nil {
		st := e.worker.Stats()
		c.jobs = st.Processed + st.Duplicated + st.DeadLettered
	}
	return c, true
}

// lateBy is how long past its end a second waits for the user's arrivals.
const lateBy = 2 * time.Second

// assemble builds a snapshot from the components' own figures and the last
// complete second.
func (e *Engine) assemble(now time.Time, elapsed time.Duration) *Snapshot {
	hist := e.rec.history(historyInSnapshot + 1)
	s := &Snapshot{At: now, Elapsed: elapsed, Card: e.card}
	if n := len(hist); n > 0 {
		s.Last, s.History = hist[n-1], hist[:n-1]
	}
	us := e.user.Stats()
	s.Requests = Requests{Sent: us.Sent, OK: us.OK, Failed: us.Failed, InFlight: us.InFlight,
		Rate: us.Rate, SetRate: us.SetRate, Pattern: us.Pattern, Paused: us.Paused, Started: e.begun}
	svc := e.svc.Stats()
	s.Switches = Switches{Breaker: svc.BreakerOn, Singleflight: svc.SingleflightOn, Shedding: svc.SheddingOn}
	if e.lb != nil {
		s.Switches.Algorithm = string(e.lb.Stats().Algorithm)
	}
	s.Levers, s.DefaultLevers = e.Levers(), e.defaults
	rs := e.relay.Stats()
	s.Events.Created, s.Events.Outbox, s.Events.Spool = rs.Created, rs.Outbox, rs.Spool
	s.Events.Shed, s.Events.Spooled = rs.Shed, rs.Spooled
	for _, p := range e.parts {
		s.Components = append(s.Components, e.status(p, s, svc, rs))
	}
	return s
}

type serviceStats = service.Stats

// status is one component's status.
func (e *Engine) status(p *part, s *Snapshot, svc serviceStats, rs outbox.Stats) Status {
	st := Status{Name: p.comp.Name, Alias: p.alias, Kind: p.comp.Kind, Description: p.comp.Description, Modeled: p.latency}
	last := s.Last.Components[p.comp.Name]
	st.RPS, st.Errors, st.P99 = last.Calls, last.Errors, last.P99
	st.Slow, st.Fail, st.FaultsOn = e.faultFigures(p)
	switch p.comp.Kind {
	case card.KindClient:
		st.RPS = s.Last.Sent
	case card.KindLoadBalancer:
		ls := e.lb.Stats()
		st.Healthy, st.Replicas, st.Ejected = ls.Healthy, len(ls.Backends), ls.Ejected
	case card.KindService:
		st.Healthy, st.Replicas, st.Shed = svc.Up, len(svc.Replicas), s.Last.Shed
		for i, r := range svc.Replicas {
			if r.Down {
				st.DownReplicas = append(st.DownReplicas, i+1)
			}
		}
	case card.KindCache:
		c := e.cacheNamed(p.comp.Name)
		cs := c.Stats()
		st.Keys, st.HitRatio, st.Untrusted = cs.Keys, last.HitRatio, rs.Stale
		for _, b := range svc.Breakers {
			if b.Cache == p.comp.Name {
				st.Breaker = b.State
			}
		}
	case card.KindDatabase:
		ds := e.db.Stats()
		st.PoolInUse, st.PoolSize, st.PoolWaiting, st.QPS = ds.InUse, ds.Pool, ds.Waiting, s.Last.DBQPS
	case card.KindQueue:
		qs := e.queue.Stats()
		st.Depth, st.Pending, st.Lag, st.DeadLettered = qs.Depth, qs.Pending, qs.Lag, qs.DeadLettered
		st.Outbox, st.Spool, st.EventsShed = rs.Outbox, rs.Spool, rs.Shed
		// The broker's own counts: true even when a client's call timed
		// out after the broker had done it.
		s.Events.Published, s.Events.Processed, s.Events.DeadLettered, s.Events.Queued = qs.Published, qs.Acked, qs.DeadLettered, qs.Depth
		s.Events.Deduplicated = qs.Deduplicated
	case card.KindWorker:
		ws := e.worker.Stats()
		st.Jobs, st.Consumers = s.Last.Jobs, ws.Consumers
		st.Redelivered, st.Duplicated, st.Crashes = ws.Redelivered, ws.Duplicated, ws.Panics
		s.Events.Duplicated = ws.Duplicated
	}
	st.Killed = p.down()
	st.State, st.Note = health(st)
	return st
}

// faultFigures are the chaos on a component: the most added latency and
// failure rate of any of its fault sets, and which replicas they are on when
// not all.
func (e *Engine) faultFigures(p *part) (slow time.Duration, fail float64, on []string) {
	fs := p.faultSets()
	for i, f := range fs {
		slow, fail = max(slow, f.Slow()), max(fail, f.FailRate())
		if f.Slow() > 0 || f.FailRate() > 0 {
			on = append(on, fmt.Sprintf("replica-%d", i+1))
		}
	}
	if len(on) == len(fs) || p.comp.Kind != card.KindService {
		on = nil
	}
	return slow, fail, on
}

// watch turns changes between the previous snapshot and this one into
// notices. A change a chaos call made has its notice already (saying what
// was done); callers hold mu.
func (e *Engine) watch(s *Snapshot) {
	prev := e.snap.Load()
	touched := e.touched
	e.touched = nil
	if prev == nil {
		return
	}
	for i, c := range s.Components {
		was := prev.Components[i]
		if c.State != was.State && !touched.has(c.Name) {
			level := LevelInfo
			if c.State == Down || c.State == Open {
				level = LevelWarn
			}
			text := fmt.Sprintf("%s -> %s", was.State, c.State)
			if c.Note != "" {
				text += " (" + c.Note + ")"
			}
			e.notes.add(s.At, c.Name, text, level)
		}
		if c.Breaker != was.Breaker && c.Breaker != "" {
			e.notes.add(s.At, c.Name, fmt.Sprintf("circuit breaker %s -> %s", was.Breaker, c.Breaker), LevelInfo)
		}
		e.noticeEjections(s.At, c, was)
		e.noticeRedeliveries(s.At, c, was)
	}
}

// noticeRedeliveries tells what followed a worker's crash (or stall): the
// events it left pending delivered again, and those it had applied already
// found so by their id and acknowledged without being applied twice.
func (e *Engine) noticeRedeliveries(at time.Time, now, was Status) {
	re, dup := now.Redelivered-was.Redelivered, now.Duplicated-was.Duplicated
	if now.Kind != card.KindWorker || re <= 0 && dup <= 0 {
		return
	}
	text := fmt.Sprintf("%d %s redelivered (left pending by a consumer)", re, plural(re, "event", "events"))
	switch {
	case re <= 0:
		text = fmt.Sprintf("%d %s found applied already: acknowledged, not applied twice", dup, plural(dup, "delivery", "deliveries"))
	case dup > 0:
		text += fmt.Sprintf("; %d found applied already by event id: acknowledged, not applied twice", dup)
	}
	e.notes.add(at, now.Name, text, LevelInfo)
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// noticeEjections tells of replicas the load balancer ejected or took back
// since the last snapshot.
func (e *Engine) noticeEjections(at time.Time, now, was Status) {
	for _, r := range now.Ejected {
		if !slices.Contains(was.Ejected, r) {
			o := loadbalancer.DefaultOutlier
			e.notes.add(at, now.Name, fmt.Sprintf("%s ejected: %d 5xx answers in a row (out for %v)", r, o.Consecutive5xx, o.EjectFor), LevelWarn)
		}
	}
	for _, r := range was.Ejected {
		if !slices.Contains(now.Ejected, r) {
			e.notes.add(at, now.Name, r+" back in rotation after its ejection", LevelInfo)
		}
	}
}

// nameSet is a small set of names, in the order first added.
type nameSet []string

func (s nameSet) add(name string) nameSet {
	if s.has(name) {
		return s
	}
	return append(s, name)
}

// has reports whether name is in the set.
func (s nameSet) has(name string) bool {
	for _, n := range s {
		if n == name {
			return true
		}
	}
	return false
}

// list returns the names sorted.
func (s nameSet) list() []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}
