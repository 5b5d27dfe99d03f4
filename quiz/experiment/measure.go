package experiment

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/archex/archex/engine"
)

// Phase sums up consecutive whole seconds of a run. Rates and latencies are
// medians over the seconds, so that one second a busy machine spent
// elsewhere does not decide a verdict; counts are totals.
type Phase struct {
	Seconds          int
	Sent, OK, Failed int
	Rate             float64 // requests the users sent, per second
	DBReads          float64 // reads the service sent to the database, per second
	DBQPS            float64 // statements the database ran, per second
	Shed             int     // requests refused by load shedding
	Jobs             float64 // events the worker finished, per second
	P50, P99         float64 // what users waited, ms
	// MinP50 and MaxP50 are the fastest and the slowest second's median:
	// a slowdown the action causes shows in every second, a busy machine
	// in some.
	MinP50, MaxP50 float64
	// HitRatio is the cache's, over the seconds with lookups; NaN when
	// there were none.
	HitRatio float64
	// Depth is the queue's depth at the end of each second (median);
	// MaxDepth the largest.
	Depth    float64
	MaxDepth int
}

// FailRatio is the share of the answered requests that failed; 0 when none
// was answered.
func (p Phase) FailRatio() float64 {
	if n := p.OK + p.Failed; n > 0 {
		return float64(p.Failed) / float64(n)
	}
	return 0
}

// Answered is how many requests got an answer, good or bad.
func (p Phase) Answered() int { return p.OK + p.Failed }

// Measurement is what an experiment measured; each uses the fields it needs.
type Measurement struct {
	// Before is the steady baseline the learner predicts from, During the
	// system after the action, After the system once it was undone (a
	// control: a machine busy with something else slows every phase, not
	// just During). For exp-breaker-off, Before is seconds with the cache
	// down and the breaker on, During the seconds with it off and After
	// those with it on again, switched every second; for exp-overload,
	// After is the seconds with load shedding on; for
	// exp-least-connections, Before is round-robin with replica 1 slowed.
	Before, During, After Phase
	// Paired is the median difference, in ms, between the users' median
	// wait in a second with the breaker off and in the second after it,
	// with it on. CacheTimeout is how long a call to the cache may take, ms.
	Paired, CacheTimeout float64

	// Down is how long the component was down.
	Down time.Duration
	// Sent is how many requests the users sent while it was down.
	Sent int64
	// Events are the events' books while the queue was down: created
	// meanwhile, waiting to be published when it came back, shed by a full
	// spool; and how soon they were published.
	Events EventBooks
	// Peak is the queue's depth when the worker came back; DrainedIn how
	// long the backlog took to drain after that, or -1 when it had not
	// within the time watched.
	Peak      int
	DrainedIn time.Duration

	// Healthy and Replicas are what the load balancer counted after a
	// replica was killed.
	Healthy, Replicas int

	// Writes is the share of the baseline's requests that were writes;
	// ReadHits the share of the reads the cache answered while the
	// database was down; Capacity the database's.
	Writes, ReadHits float64
	Capacity         Capacity

	// The stampede: how many requests, how many database queries they
	// made and how many failed, with singleflight off and on; how long the
	// burst with it off took to answer, from its first request to its
	// last answer.
	Stampede              int
	MissesOff             int // reads the cache did not answer, singleflight off
	QueriesOff, QueriesOn int
	FailedOff, FailedOn   int
	SlowestOff            time.Duration

	// Spread is how the load balancer spread the requests: Before under
	// round-robin, During under least-connections (exp-least-connections).
	SpreadBefore, SpreadDuring Spread
}

// EventBooks are the events of an outage of the queue.
type EventBooks struct {
	// While it was down: created, waiting to be published at the revive
	// (in the spool, in the outbox), shed by a full spool.
	Created, Shed          int64
	Waiting, Spool, Outbox int
	// PublishedIn is how long after the revive nothing waited any more, or
	// -1 when something still did at the end of the time watched.
	PublishedIn time.Duration
	// Since is the books from the kill to the end of the experiment:
	// created, processed by the worker (or dead-lettered), still in the
	// stream, waiting, shed.
	Since Books
}

// Books are the events' books over a stretch of time (see engine.Events).
type Books struct {
	Created, Processed, Shed int64
	Queued, Waiting          int
}

// Spread is how many requests went to each replica, and how long they took
// there.
type Spread struct {
	Total int
	// Served[i] and Mean[i] are the requests replica i+1 served and the
	// mean time users waited for them, ms.
	Served []int
	Mean   []float64
	Over   int // requests that took longer than the slowdown
}

// Share is the share of the requests replica i+1 served, 0 to 1; NaN
// without requests.
func (s Spread) Share(i int) float64 {
	if s.Total == 0 || i >= len(s.Served) {
		return math.NaN()
	}
	return float64(s.Served[i]) / float64(s.Total)
}

// summarize sums up seconds.
func summarize(secs []engine.Second) Phase {
	p := Phase{Seconds: len(secs)}
	var rates, reads, qps, jobs, p50s, p99s, hits, depths []float64
	for _, s := range secs {
		p.Sent += s.Sent
		p.OK += s.OK
		p.Failed += s.Failed
		p.Shed += s.Shed
		rates = append(rates, float64(s.Sent))
		reads = append(reads, float64(s.DBReads))
		qps = append(qps, float64(s.DBQPS))
		jobs = append(jobs, float64(s.Jobs))
		p50s = append(p50s, s.P50)
		p99s = append(p99s, s.P99)
		if s.HitRatio != nil {
			hits = append(hits, *s.HitRatio)
		}
		depths = append(depths, float64(s.QueueDepth))
		p.MaxDepth = max(p.MaxDepth, s.QueueDepth)
	}
	p.Rate, p.DBReads, p.DBQPS, p.Jobs = median(rates), median(reads), median(qps), median(jobs)
	p.P50, p.P99, p.HitRatio, p.Depth = median(p50s), median(p99s), median(hits), median(depths)
	p.MinP50, p.MaxP50 = math.NaN(), math.NaN()
	if len(p50s) > 0 {
		p.MinP50, p.MaxP50 = slices.Min(p50s), slices.Max(p50s)
	}
	return p
}

// median is the middle value (the upper one of an even count); NaN for
// none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// nz is x, or 0 when it is NaN.
func nz(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return x
}
