package experiment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/traffic"
	"github.com/archex/archex/engine"
)

// Phase sums up consecutive whole seconds of a run. Rates and latencies are
// medians over the seconds, so that one second a busy machine spent
// elsewhere does not decide a verdict; counts are totals.
type Phase struct {
	Seconds          int
	Sent, OK, Failed int
	DBReads          float64 // reads the service sent to the database, per second
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
	// Before is the baseline, During the system after the action, After
	// the system once it was undone (a control: a machine busy with
	// something else slows every phase, not just During). For
	// exp-breaker-off, Before is the seconds with the breaker on and
	// During those with it off, with the cache down throughout.
	Before, During, After Phase
	// Paired is the median difference, in ms, between the users' median
	// wait in a second with the breaker off and in the second before it,
	// with it on.
	Paired float64

	// Down is how long the component was down.
	Down time.Duration
	// Sent is how many requests the users sent while it was down, and
	// Shed how many events were dropped meanwhile (a full spool sheds them).
	Sent, Shed int64
	// Peak is the queue's depth when the worker came back; DrainedIn how
	// long the backlog took to drain after that, or -1 when it had not
	// within the time watched.
	Peak      int
	DrainedIn time.Duration

	// Healthy and Replicas are what the load balancer counted after a
	// replica was killed.
	Healthy, Replicas int

	// The stampede: how many requests, and how many database queries they
	// made and how many failed, with singleflight off and on.
	Stampede              int
	QueriesOff, QueriesOn int
	FailedOff, FailedOn   int
}

// summarize sums up seconds.
func summarize(secs []engine.Second) Phase {
	p := Phase{Seconds: len(secs)}
	var reads, p50s, p99s, hits, depths []float64
	for _, s := range secs {
		p.Sent += s.Sent
		p.OK += s.OK
		p.Failed += s.Failed
		reads = append(reads, float64(s.DBReads))
		p50s = append(p50s, s.P50)
		p99s = append(p99s, s.P99)
		if s.HitRatio != nil {
			hits = append(hits, *s.HitRatio)
		}
		depths = append(depths, float64(s.QueueDepth))
		p.MaxDepth = max(p.MaxDepth, s.QueueDepth)
	}
	p.DBReads, p.P50, p.P99, p.HitRatio, p.Depth = median(reads), median(p50s), median(p99s), median(hits), median(depths)
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

// run is one experiment running: the lab, where to report, and what to undo.
type run struct {
	ctx  context.Context
	lab  Lab
	say  func(string)
	undo []undoStep
}

// undoStep puts back one thing the experiment changed; key lets a step be
// done early (a revive in the script) and dropped from the list.
type undoStep struct {
	key  string
	what string
	fn   func() error
}

func (r *run) pushUndo(key, what string, fn func() error) {
	r.undo = append(r.undo, undoStep{key: key, what: what, fn: fn})
}

// done drops the undo step with key: the script put it back itself.
func (r *run) done(key string) {
	for i := len(r.undo) - 1; i >= 0; i-- {
		if r.undo[i].key == key {
			r.undo = append(r.undo[:i], r.undo[i+1:]...)
			return
		}
	}
}

// undoAll puts back, last first, whatever the experiment changed and has not
// put back yet.
func (r *run) undoAll() error {
	var errs []error
	for i := len(r.undo) - 1; i >= 0; i-- {
		u := r.undo[i]
		r.say(u.what)
		if err := u.fn(); err != nil {
			errs = append(errs, err)
		}
	}
	r.undo = nil
	return errors.Join(errs...)
}

// kill kills target and remembers to revive it.
func (r *run) kill(target, name string) error {
	r.say("killing " + name + "...")
	if err := r.lab.Kill(target); err != nil {
		return err
	}
	r.pushUndo("kill "+target, "reviving "+name, func() error { return r.lab.Revive(target) })
	return nil
}

// revive brings target back within the script.
func (r *run) revive(target, name string) error {
	r.say("reviving " + name + "...")
	r.done("kill " + target)
	return r.lab.Revive(target)
}

// snapshot is the lab's latest snapshot, or an error when it has none.
func (r *run) snapshot() (*engine.Snapshot, error) {
	s := r.lab.Snapshot()
	if s == nil {
		return nil, errors.New("the system is not running")
	}
	return s, nil
}

// fresh waits for a snapshot taken after it was called (the engine takes one
// ten times a second), so that a change made just before, such as a
// component the dashboard's user has just killed, is in it.
func (r *run) fresh() (*engine.Snapshot, error) {
	start := time.Now()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		s, err := r.snapshot()
		if err != nil {
			return nil, err
		}
		if !s.At.Before(start) {
			return s, nil
		}
		if time.Since(start) > 3*time.Second {
			return nil, errors.New("the system stopped taking snapshots: is it still running?")
		}
		select {
		case <-r.ctx.Done():
			return nil, r.ctx.Err()
		case <-tick.C:
		}
	}
}

// inProgress is the index (Second.T) of the second in progress: every second
// before it is complete.
func inProgress(s *engine.Snapshot) int {
	if s.Last.Components == nil && len(s.History) == 0 {
		return 0 // no second has closed yet
	}
	return s.Last.T + 1
}

// now is the second in progress.
func (r *run) now() (int, error) {
	s, err := r.snapshot()
	if err != nil {
		return 0, err
	}
	return inProgress(s), nil
}

// seconds waits until the n seconds from second from have closed and
// returns them. It fails when ctx ends or when the lab stops closing
// seconds.
func (r *run) seconds(from, n int) ([]engine.Second, error) {
	s, err := r.snapshot()
	if err != nil {
		return nil, err
	}
	wait := time.Duration(max(0, from+n-inProgress(s))+3) * time.Second
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if s = r.lab.Snapshot(); s != nil && inProgress(s) >= from+n {
			// The snapshot is shared with other readers: read it, never
			// append to its slices.
			var out []engine.Second
			for _, sec := range s.History {
				if sec.T >= from && sec.T < from+n {
					out = append(out, sec)
				}
			}
			if s.Last.T >= from && s.Last.T < from+n {
				out = append(out, s.Last)
			}
			if len(out) != n {
				return nil, fmt.Errorf("the system kept %d of the %d seconds measured", len(out), n)
			}
			return out, nil
		}
		select {
		case <-r.ctx.Done():
			return nil, r.ctx.Err()
		case <-deadline.C:
			return nil, fmt.Errorf("the system stopped counting seconds (none closed for %v): is it still running?", wait)
		case <-tick.C:
		}
	}
}

// phase measures n whole seconds from second from.
func (r *run) phase(from, n int, what string) (Phase, error) {
	if what != "" {
		r.say(fmt.Sprintf("measuring %d s %s...", n, what))
	}
	secs, err := r.seconds(from, n)
	if err != nil {
		return Phase{}, err
	}
	return summarize(secs), nil
}

// baseline measures the next n seconds, starting with the one in progress
// (nothing has changed in it).
func (r *run) baseline(n int) (Phase, error) {
	from, err := r.now()
	if err != nil {
		return Phase{}, err
	}
	return r.phase(from, n, "of the baseline")
}

// prepare checks that the lab has what the experiment needs and makes it
// healthy (see healthy); Run puts the lab's settings back afterwards.
func (r *run) prepare(needs []string) error {
	s, err := r.fresh()
	if err != nil {
		return err
	}
	for _, n := range needs {
		if err := check(s, n); err != nil {
			return err
		}
	}
	found := r.lab.Settings()
	want := healthy(found)
	changes := found.Changes(want)
	if len(changes) > 0 {
		r.say("so that it starts from a healthy system with steady traffic: " + strings.Join(changes, ", "))
		if err := r.lab.Restore(want); err != nil {
			return fmt.Errorf("could not make the system healthy: %w", err)
		}
	}
	if err := r.waitForBacklog(s); err != nil {
		return err
	}
	if len(changes) > 0 {
		// Let the change show in a whole second before measuring.
		now, err := r.now()
		if err != nil {
			return err
		}
		if _, err := r.seconds(now, 2); err != nil {
			return err
		}
	}
	return nil
}

// healthy are the settings an experiment starts from, given the lab's: every
// component up and healed, the breaker and singleflight on, the traffic
// running, steady, at MinRate or more (DefaultRate when it was less). The
// load balancer's algorithm stays as it is.
func healthy(s engine.Settings) engine.Settings {
	h := engine.Settings{Breaker: true, Singleflight: true, Algorithm: s.Algorithm, Rate: s.Rate, Pattern: traffic.Steady}
	if h.Rate < MinRate {
		h.Rate = DefaultRate
	}
	for _, p := range s.Parts {
		h.Parts = append(h.Parts, engine.PartSettings{Alias: p.Alias})
	}
	return h
}

// backlog is the queue depth from which the worker counts as busy catching
// up: draining a backlog takes the database and the processor, which would
// show in a baseline.
const backlog = 50

// waitForBacklog waits, up to 10 s, for a backlog in the queue to drain
// (one a previous experiment left, say).
func (r *run) waitForBacklog(s *engine.Snapshot) error {
	q, ok := statusOf(s, "queue")
	if !ok || q.Depth <= backlog {
		return nil
	}
	r.say(fmt.Sprintf("waiting for the queue's backlog of %s events to drain first...", count(q.Depth)))
	if _, err := r.drain(0, 0, 10*time.Second); err != nil {
		return err
	}
	return nil
}

// check reports whether the system has a component the experiment needs:
// "cache", or "service-2" for the second replica of the service.
func check(s *engine.Snapshot, need string) error {
	for _, c := range s.Components {
		if c.Alias == need {
			return nil
		}
	}
	if svc, n, ok := strings.Cut(need, "-"); ok {
		k, err := strconv.Atoi(n)
		for _, c := range s.Components {
			if c.Alias == svc && c.Kind == card.KindService && err == nil && c.Replicas >= k {
				return nil
			}
		}
	}
	title := "this system"
	if s.Card != nil {
		title = fmt.Sprintf("the card %q", s.Card.Title)
	}
	return fmt.Errorf("the experiment needs a %s, and %s has none", need, title)
}

// warmUp lets the system run at least n whole seconds and, with hits, until
// the cache answers most reads (at most 6 s): a fresh system starts with an
// empty cache, and a baseline measured then would be no baseline.
func (r *run) warmUp(n int, hits bool) error {
	if hits {
		r.say("warming up until the cache answers most reads...")
	} else {
		r.say("letting the traffic settle...")
	}
	from, err := r.now()
	if err != nil {
		return err
	}
	const most, limit = 0.6, 6
	for i := 0; i < limit; i++ {
		secs, err := r.seconds(from+i, 1)
		if err != nil {
			return err
		}
		hr := secs[0].HitRatio
		if i+1 >= n && (!hits || (hr != nil && *hr >= most)) {
			return nil
		}
	}
	return nil // a cache that stays cold is measured as it is
}

// statusOf returns the status of the component with the given chaos name.
func statusOf(s *engine.Snapshot, alias string) (engine.Status, bool) {
	for _, c := range s.Components {
		if c.Alias == alias {
			return c, true
		}
	}
	return engine.Status{}, false
}

// count writes n with thousands separators: 1,840.
func count[T ~int | ~int64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// rate writes a per-second figure: 31, 1,840.
func rate(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return count(int64(math.Round(x)))
}

// ms writes a latency: 3.4 ms, 51 ms.
func ms(x float64) string {
	switch {
	case math.IsNaN(x):
		return "n/a"
	case x < 10:
		return strconv.FormatFloat(x, 'f', 1, 64) + " ms"
	default:
		return strconv.FormatFloat(x, 'f', 0, 64) + " ms"
	}
}

// percent writes a ratio as a percentage: 81%, 0.4%.
func percent(x float64) string {
	switch {
	case math.IsNaN(x):
		return "n/a"
	case x > 0 && x < 0.01:
		return strconv.FormatFloat(100*x, 'f', 1, 64) + "%"
	default:
		return strconv.FormatFloat(100*x, 'f', 0, 64) + "%"
	}
}

// secs writes a duration in seconds: 5.9 s.
func secs(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
}

// failedOf writes "3 of 812 requests failed (0.4%)".
func failedOf(p Phase) string {
	if p.Answered() == 0 {
		return "no request was answered"
	}
	return fmt.Sprintf("%s of %s requests failed (%s)", count(p.Failed), count(p.Answered()), percent(p.FailRatio()))
}
