package engine

import (
	"net/http"
	"sync"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/service"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/components/traffic"
)

// Bounds of what the engine keeps.
const (
	keepTraces   = 4096 // traces by id, for the async hops that come late
	keepDone     = 1024 // finished traces readers can page through
	keepSeconds  = 3600 // per-second history
	maxLatencyUS = 60_000_000
)

// recorder receives every hop and every finished request. It keeps the
// recent traces and the figures of the second in progress; the engine's
// ticker closes each second into the history.
type recorder struct {
	e      *Engine
	client string
	db     string
	reply  map[card.Hop]bool

	mu     sync.Mutex
	traces map[trace.ID]*traceRec
	fifo   []trace.ID // arrival order of traces, for eviction
	done   []trace.ID // finished traces, oldest first
	seq    uint64
	win    window
	hist   []Second
}

// window is the second in progress.
type window struct {
	ok, failed    int
	lookups, hits int
	dbReads       int
	shed          int
	limited       int                     // answered 429 by a rate limit
	latency       *hdrhistogram.Histogram // what users waited, µs
	dist          latencyCounter          // the same, for Second.Latency
	keys          map[string]*keyWindow   // by API key
	comps         map[string]*compWindow
}

// keyWindow is one API key's requests in the second in progress.
type keyWindow struct {
	ok, failed int
	dist       latencyCounter
}

type compWindow struct {
	calls, errors int
	lookups, hits int                     // for a cache
	latency       *hdrhistogram.Histogram // time spent at the component, µs
}

func newHistogram() *hdrhistogram.Histogram { return hdrhistogram.New(1, maxLatencyUS, 2) }

func newRecorder(e *Engine) *recorder {
	r := &recorder{e: e, traces: make(map[trace.ID]*traceRec), reply: e.topo.reply, client: e.topo.client}
	for _, c := range e.card.ByKind(card.KindDatabase) {
		r.db = c.Name
	}
	r.win = window{latency: newHistogram(), comps: map[string]*compWindow{}, keys: map[string]*keyWindow{}}
	for _, c := range e.card.Components {
		r.win.comps[c.Name] = &compWindow{latency: newHistogram()}
	}
	return r
}

// Record takes one hop from any component.
func (r *recorder) Record(h trace.Hop) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.count(h)
	if h.Trace == "" {
		return
	}
	t := r.traces[h.Trace]
	if t == nil {
		if h.Async {
			return // its trace is gone already
		}
		t = r.newTrace(h)
	}
	t.add(h)
}

// newTrace starts recording the trace h begins. Beyond keepTraces the
// oldest is forgotten, and its record and its hops' room are the new
// one's: what reads a trace copies it (snapshot), so nothing else holds
// them, and a request recorded costs no allocation of its hops.
func (r *recorder) newTrace(h trace.Hop) *traceRec {
	var t *traceRec
	if len(r.fifo) >= keepTraces {
		t = r.traces[r.fifo[0]]
		delete(r.traces, r.fifo[0])
		r.fifo = r.fifo[1:]
	}
	var hops []trace.Hop
	if t != nil {
		hops = t.Hops[:0]
	} else {
		t = new(traceRec)
	}
	*t = traceRec{Trace: Trace{ID: h.Trace, Start: h.Start, Hops: hops}}
	r.traces[h.Trace] = t
	r.fifo = append(r.fifo, h.Trace)
	return t
}

// count adds a hop to the second in progress.
func (r *recorder) count(h trace.Hop) {
	reply := r.reply[card.Hop{From: h.From, To: h.To}]
	switch {
	case h.Op == service.OpGet && !reply:
		// A lookup: the call to the cache carries the outcome.
		hit := h.Outcome == trace.Hit
		r.win.lookups++
		if c := r.win.comps[h.To]; c != nil {
			c.lookups++
			if hit {
				c.hits++
			}
		}
		if hit {
			r.win.hits++
		}
	case h.Op == service.OpSelect && !reply && h.To == r.db && h.Outcome != trace.Skipped && h.Outcome != trace.Shed:
		r.win.dbReads++
	}
	if h.Outcome == trace.Shed {
		r.win.shed++
	}
	if reply || h.Outcome == trace.Skipped || h.Outcome == trace.Shed {
		return // replies and calls not made are no work for the receiver
	}
	c := r.win.comps[h.To]
	if c == nil {
		return
	}
	c.calls++
	if h.Outcome == trace.Error {
		c.errors++
	}
	c.latency.RecordValue(max(1, h.Duration.Microseconds()))
}

// result takes one finished request from the user.
func (r *recorder) result(res traffic.Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	us := max(1, res.Duration.Microseconds())
	k := r.win.keys[res.Request.Key]
	if k == nil {
		k = &keyWindow{}
		r.win.keys[res.Request.Key] = k
	}
	if res.OK() {
		r.win.ok++
		k.ok++
	} else {
		r.win.failed++
		k.failed++
	}
	if res.Status == http.StatusTooManyRequests {
		r.win.limited++
	}
	r.win.latency.RecordValue(us)
	r.win.dist.add(us)
	k.dist.add(us)
	if t := r.traces[res.Trace]; t != nil && res.Trace != "" {
		r.seq++
		t.finish(res, r.seq)
		r.done = append(r.done, res.Trace)
		if len(r.done) > keepDone {
			r.done = r.done[1:]
		}
	}
}

// Second is one second of the system's life, as the headless timeline
// prints it.
type Second struct {
	T          int      `json:"t"` // seconds since start at the beginning of this one
	Sent       int      `json:"sent"`
	OK         int      `json:"ok"`
	Failed     int      `json:"failed"`
	HitRatio   *float64 `json:"hit_ratio"` // nil when there were no lookups
	DBReads    int      `json:"db_reads"`  // reads the service sent to the database
	DBQPS      int      `json:"db_qps"`    // every statement the database ran
	Shed       int      `json:"shed"`      // requests refused by load shedding
	P50        float64  `json:"p50_ms"`
	P99        float64  `json:"p99_ms"`
	QueueDepth int      `json:"queue_depth"`
	// EventsWaiting are the events not yet published at the end of the
	// second: in the outbox or the spool (the queue was down or slow).
	EventsWaiting int      `json:"events_waiting"`
	Down          []string `json:"down"`

	// Limited counts the requests a rate limit refused (429); Lookups
	// the cache lookups HitRatio is a share of.
	Limited int `json:"-"`
	Lookups int `json:"-"`
	// Latency is what the users waited, every answer of the second, for
	// percentiles over several seconds (Latencies.Merge).
	Latency Latencies `json:"-"`
	// Keys are the requests answered in the second by API key.
	Keys map[string]KeySecond `json:"-"`
	// Unwell names (as the card does) the components that were not UP at
	// some moment of the second: down, open, degraded. A second with none
	// is a steady one, a fair "before" for a fault that comes after.
	Unwell []string `json:"-"`

	// Per component: calls received, errors, p99 of time spent there.
	Components map[string]ComponentSecond `json:"-"`
	Jobs       int                        `json:"-"` // events the worker finished
}

// KeySecond is one API key's second: its requests answered, and how long
// they took.
type KeySecond struct {
	OK, Failed int
	Latency    Latencies
}

// ComponentSecond is one component's second.
type ComponentSecond struct {
	Calls, Errors int
	P99           float64  // ms
	HitRatio      *float64 // a cache's; nil without lookups
}

// backlog is the events not done at the end of a second: in the stream, and
// waiting to be published.
type backlog struct{ queued, waiting int }

// close ends the second in progress as second t, with the figures that come
// from the components themselves, and starts the next.
func (r *recorder) close(t int, sent, dbQueries int, b backlog, jobs int, down, unwell []string) Second {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := &r.win
	s := Second{T: t, Sent: sent, OK: w.ok, Failed: w.failed, DBReads: w.dbReads, DBQPS: dbQueries, Shed: w.shed, Limited: w.limited, Lookups: w.lookups,
		Latency: w.dist.take(), Keys: make(map[string]KeySecond, len(w.keys)),
		QueueDepth: b.queued, EventsWaiting: b.waiting, Down: down, Unwell: unwell, Jobs: jobs, Components: make(map[string]ComponentSecond, len(w.comps))}
	if s.Down == nil {
		s.Down = []string{}
	}
	s.HitRatio = ratio(w.hits, w.lookups)
	if w.latency.TotalCount() > 0 {
		s.P50 = us2ms(w.latency.ValueAtQuantile(50))
		s.P99 = us2ms(w.latency.ValueAtQuantile(99))
	}
	for name, c := range w.comps {
		cs := ComponentSecond{Calls: c.calls, Errors: c.errors, HitRatio: ratio(c.hits, c.lookups)}
		if c.latency.TotalCount() > 0 {
			cs.P99 = us2ms(c.latency.ValueAtQuantile(99))
		}
		s.Components[name] = cs
		c.calls, c.errors, c.lookups, c.hits = 0, 0, 0, 0
		c.latency.Reset()
	}
	for key, k := range w.keys {
		if k.ok+k.failed > 0 {
			s.Keys[key] = KeySecond{OK: k.ok, Failed: k.failed, Latency: k.dist.take()}
		}
		k.ok, k.failed = 0, 0
	}
	w.ok, w.failed, w.lookups, w.hits, w.dbReads, w.shed, w.limited = 0, 0, 0, 0, 0, 0, 0
	w.latency.Reset()
	r.hist = append(r.hist, s)
	if len(r.hist) > keepSeconds {
		r.hist = append(r.hist[:0], r.hist[len(r.hist)-keepSeconds:]...)
	}
	return s
}

// ratio is part/whole, or nil when whole is zero.
func ratio(part, whole int) *float64 {
	if whole == 0 {
		return nil
	}
	v := float64(part) / float64(whole)
	return &v
}

func us2ms(v int64) float64 { return float64(v) / 1000 }

// history copies the last n seconds (all when n <= 0).
func (r *recorder) history(n int) []Second {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.hist
	if n > 0 && len(h) > n {
		h = h[len(h)-n:]
	}
	return append([]Second(nil), h...)
}

// trace copies one trace.
func (r *recorder) trace(id trace.ID) (Trace, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.traces[id]
	if t == nil {
		return Trace{}, false
	}
	return t.snapshot(), true
}

// since copies up to max finished traces after cursor (a Seq), newest
// last, and returns the new cursor. A reader that fell behind skips ahead.
func (r *recorder) since(cursor uint64, max int) ([]Trace, uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []trace.ID
	for i := len(r.done) - 1; i >= 0 && len(ids) < max; i-- {
		t := r.traces[r.done[i]]
		if t == nil {
			continue
		}
		if t.Seq <= cursor {
			break
		}
		ids = append(ids, r.done[i])
	}
	out := make([]Trace, 0, len(ids))
	for i := len(ids) - 1; i >= 0; i-- {
		out = append(out, r.traces[ids[i]].snapshot())
	}
	return out, r.seq
}
