package challenge

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/archex/archex/engine"
)

// A goal's conditions are measurements over the window's seconds, each
// compared with a bound: "failed = 0", "p99 < 80ms", "hit_ratio >= 80%",
// "others.failed = 0". Evaluate is pure: it reads recorded seconds and
// nothing else, so it is table-tested and the headless runner and the
// dashboard grade alike.

// Metric is what a condition measures.
type Metric struct {
	Name string
	Unit Unit
	// Count metrics may also be bounded as a share of the requests
	// answered ("failed < 1%").
	Count bool
	Doc   string
	// value measures the metric over a window's seconds (with a % bound,
	// a count metric is measured as a share by the caller).
	value func(w window) (float64, bool)
}

// Unit is how a metric's value reads.
type Unit int

// Units.
const (
	UnitCount   Unit = iota // a number of requests or events
	UnitMS                  // milliseconds
	UnitPercent             // a share, 0 to 100
	UnitRate                // per second
)

// window is the seconds a goal is measured over, and whose requests count.
type window struct {
	secs []engine.Second
	// before is the second that closed as the window opened, if any: what
	// stood then.
	before *engine.Second
	noisy  string // the noisy client's key; with scope others, every other key
	scope  string // "" or "others"
}

// answered are the requests answered in the window (in scope).
func (w window) answered() (ok, failed int) {
	for _, s := range w.secs {
		if w.scope == "" {
			ok, failed = ok+s.OK, failed+s.Failed
			continue
		}
		for key, k := range s.Keys {
			if key != w.noisy {
				ok, failed = ok+k.OK, failed+k.Failed
			}
		}
	}
	return ok, failed
}

// latencies merges the window's distributions (in scope).
func (w window) latencies() engine.Latencies {
	var l engine.Latencies
	for _, s := range w.secs {
		if w.scope == "" {
			l = l.Merge(s.Latency)
			continue
		}
		for key, k := range s.Keys {
			if key != w.noisy {
				l = l.Merge(k.Latency)
			}
		}
	}
	return l
}

func (w window) sum(f func(engine.Second) int) int {
	n := 0
	for _, s := range w.secs {
		n += f(s)
	}
	return n
}

func quantile(q float64) func(w window) (float64, bool) {
	return func(w window) (float64, bool) {
		l := w.latencies()
		return l.Quantile(q), l.Count() > 0
	}
}

func count(f func(w window) int) func(w window) (float64, bool) {
	return func(w window) (float64, bool) { return float64(f(w)), true }
}

// Metrics are the measurements a condition can name. Those that count
// requests count the requests answered in the window's seconds.
var Metrics = []Metric{
	{Name: "ok", Count: true, Doc: "requests answered OK", value: count(func(w window) int { ok, _ := w.answered(); return ok })},
	{Name: "failed", Count: true, Doc: "requests that failed: any error, refusal or no answer", value: count(func(w window) int { _, f := w.answered(); return f })},
	{Name: "errors", Count: true, Doc: "failed requests other than those refused on purpose (shed, or rate-limited)", value: count(func(w window) int {
		_, f := w.answered()
		return max(0, f-w.sum(func(s engine.Second) int { return s.Shed + s.Limited }))
	})},
	{Name: "shed", Count: true, Doc: "requests refused by load shedding (503, Retry-After: 1)", value: count(func(w window) int { return w.sum(func(s engine.Second) int { return s.Shed }) })},
	{Name: "limited", Count: true, Doc: "requests refused by a rate limit (429)", value: count(func(w window) int { return w.sum(func(s engine.Second) int { return s.Limited }) })},
	{Name: "p50", Unit: UnitMS, Doc: "the median wait of the users, every request of the window", value: quantile(0.50)},
	{Name: "p90", Unit: UnitMS, Doc: "90th percentile of the wait", value: quantile(0.90)},
	{Name: "p95", Unit: UnitMS, Doc: "95th percentile of the wait", value: quantile(0.95)},
	{Name: "p99", Unit: UnitMS, Doc: "99th percentile of the wait", value: quantile(0.99)},
	{Name: "hit_ratio", Unit: UnitPercent, Doc: "cache lookups that hit, of all lookups", value: func(w window) (float64, bool) {
		var hits float64
		lookups := 0
		for _, s := range w.secs {
			if s.HitRatio != nil {
				hits += *s.HitRatio * float64(s.Lookups)
				lookups += s.Lookups
			}
		}
		if lookups == 0 {
			return 0, false
		}
		return 100 * hits / float64(lookups), true
	}},
	{Name: "db_qps", Unit: UnitRate, Doc: "statements the database ran a second, on average", value: func(w window) (float64, bool) {
		if len(w.secs) == 0 {
			return 0, false
		}
		return float64(w.sum(func(s engine.Second) int { return s.DBQPS })) / float64(len(w.secs)), true
	}},
	{Name: "backlog", Count: true, Doc: "events not done at the end of the window (in the queue, or waiting to be published); as a share, of those not done as it opened", value: func(w window) (float64, bool) {
		if len(w.secs) == 0 {
			return 0, false
		}
		return float64(backlogOf(w.secs[len(w.secs)-1])), true
	}},
}

func backlogOf(s engine.Second) int { return s.QueueDepth + s.EventsWaiting }

// metricNamed finds a metric.
func metricNamed(name string) (Metric, bool) {
	for _, m := range Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// scoped are the metrics that can be read for the other clients alone.
var scoped = map[string]bool{"ok": true, "failed": true, "p50": true, "p90": true, "p95": true, "p99": true}

// Condition is one bound on a measurement: "p99 < 80ms".
type Condition struct {
	Text   string // as written
	Scope  string // "" or "others": every API key but the noisy client's
	Metric Metric
	Op     string  // <, <=, =, >=, >
	Bound  float64 // in the metric's unit (ms, %, count)
	// Share: a count metric bounded as a share of the requests answered
	// ("failed < 1%"); Bound is then a percentage.
	Share bool
}

// ops are the comparisons, longest first for parsing.
var ops = []string{"<=", ">=", "<", ">", "="}

// ParseCondition reads "metric op value": "failed = 0", "p99 < 80ms",
// "failed < 1%", "hit_ratio >= 80%", "others.p99 < 100ms".
func ParseCondition(s string) (Condition, error) {
	c := Condition{Text: strings.Join(strings.Fields(s), " ")}
	var left, right string
	for _, op := range ops {
		if i := strings.Index(s, op); i >= 0 {
			c.Op, left, right = op, strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+len(op):])
			break
		}
	}
	if c.Op == "" {
		return c, fmt.Errorf("condition %q has no comparison: write it like \"p99 < 80ms\" (with <, <=, =, >= or >)", s)
	}
	name := left
	if rest, ok := strings.CutPrefix(left, "others."); ok {
		c.Scope, name = "others", rest
	}
	m, ok := metricNamed(name)
	if !ok {
		return c, fmt.Errorf("condition %q: unknown measurement %q; use one of %s", s, left, metricList())
	}
	if c.Scope != "" && !scoped[name] {
		return c, fmt.Errorf("condition %q: %s is not measured per client; others. goes with ok, failed, p50, p90, p95 or p99", s, name)
	}
	c.Metric = m
	v, err := parseBound(right, m, &c)
	if err != nil {
		return c, fmt.Errorf("condition %q: %v", s, err)
	}
	c.Bound = v
	return c, nil
}

// parseBound reads the value of a condition in its metric's unit.
func parseBound(s string, m Metric, c *Condition) (float64, error) {
	num, unit := s, ""
	for _, u := range []string{"ms", "%", "s"} {
		if strings.HasSuffix(s, u) {
			num, unit = strings.TrimSpace(strings.TrimSuffix(s, u)), u
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, fmt.Errorf("%q is not a number (0 or more)", s)
	}
	switch {
	case m.Unit == UnitMS && unit == "ms":
		return v, nil
	case m.Unit == UnitMS && unit == "s":
		return v * 1000, nil
	case m.Unit == UnitMS:
		return 0, fmt.Errorf("%s is a time: give it in ms or s, like 80ms", m.Name)
	case m.Unit == UnitPercent && unit == "%":
		return v, nil
	case m.Unit == UnitPercent:
		return 0, fmt.Errorf("%s is a share: give it in %%, like 80%%", m.Name)
	case m.Count && unit == "%":
		c.Share = true
		return v, nil
	case unit != "":
		return 0, fmt.Errorf("%s is a number: give it without a unit (%s)", m.Name, unit)
	}
	return v, nil
}

func metricList() string {
	var names []string
	for _, m := range Metrics {
		names = append(names, m.Name)
	}
	return strings.Join(names, ", ")
}

// Reading is a condition measured over a window.
type Reading struct {
	Condition Condition
	Value     float64 // in the condition's unit
	Measured  bool    // there was something to measure
	Met       bool
	// Decided: whatever the rest of the window brings, the condition
	// stays as it is now (a count over its upper bound only grows).
	Decided bool
}

// String shows the reading: "p99 = 43.2 ms".
func (r Reading) String() string {
	c := r.Condition
	name := c.Metric.Name
	if c.Scope != "" {
		name = c.Scope + "." + name
	}
	if !r.Measured {
		return name + " = – (nothing measured yet)"
	}
	return name + " = " + formatValue(r.Value, c)
}

// formatValue writes a value in its condition's unit.
func formatValue(v float64, c Condition) string {
	switch {
	case c.Share || c.Metric.Unit == UnitPercent:
		return strconv.FormatFloat(v, 'f', 1, 64) + " %"
	case c.Metric.Unit == UnitMS:
		return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
	case c.Metric.Unit == UnitRate:
		return strconv.FormatFloat(v, 'f', 0, 64) + "/s"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// Read measures c over the seconds (noisy: the noisy client's key);
// before is the second that closed as they began, or nil.
func (c Condition) Read(secs []engine.Second, before *engine.Second, noisy string) Reading {
	w := window{secs: secs, before: before, noisy: noisy, scope: c.Scope}
	r := Reading{Condition: c}
	r.Value, r.Measured = c.Metric.value(w)
	switch {
	case r.Measured && c.Share && c.Metric.Name == "backlog":
		// Of the backlog as the window opened: the share left undone.
		if w.before == nil || backlogOf(*w.before) == 0 {
			r.Value, r.Measured = 0, false
		} else {
			r.Value = 100 * r.Value / float64(backlogOf(*w.before))
		}
	case r.Measured && c.Share:
		ok, failed := w.answered()
		if ok+failed == 0 {
			r.Value, r.Measured = 0, false
		} else {
			r.Value = 100 * r.Value / float64(ok+failed)
		}
	}
	if !r.Measured {
		return r
	}
	r.Met = compare(r.Value, c.Op, c.Bound)
	// A count of requests only grows: past an upper bound it cannot come
	// back (a backlog can drain).
	r.Decided = !r.Met && c.Metric.Count && !c.Share && c.Metric.Name != "backlog" && (c.Op == "<" || c.Op == "<=" || c.Op == "=")
	return r
}

func compare(v float64, op string, bound float64) bool {
	switch op {
	case "<":
		return v < bound
	case "<=":
		return v <= bound
	case "=":
		return v == bound
	case ">=":
		return v >= bound
	case ">":
		return v > bound
	}
	return false
}

// Verdict is a goal measured over its window.
type Verdict struct {
	Readings []Reading
	// Passed: every condition is met over the whole window. Failed: some
	// condition cannot be met any more. Neither: the window is not over.
	Passed, Failed bool
}

// Evaluate measures the goal over the seconds recorded so far: those in
// the window count (from Warmup to Warmup + Window, in the seconds' own
// times). complete says whether the window is over; before, a verdict is
// only Failed when a condition is decided.
func (g Goal) Evaluate(history []engine.Second, noisy string, complete bool) Verdict {
	secs, before := g.inWindow(history)
	var v Verdict
	all := true
	for _, c := range g.Conditions {
		r := c.Read(secs, before, noisy)
		v.Readings = append(v.Readings, r)
		all = all && r.Met
		v.Failed = v.Failed || r.Decided
	}
	if complete {
		v.Passed, v.Failed = all, !all
	}
	return v
}

// inWindow are the seconds of history inside the goal's window, and the
// one just before it.
func (g Goal) inWindow(history []engine.Second) (in []engine.Second, before *engine.Second) {
	from, to := secondsOf(g.Warmup), secondsOf(g.Warmup+g.Window)
	for i, s := range history {
		switch {
		case s.T == from-1:
			before = &history[i]
		case s.T >= from && s.T < to:
			in = append(in, s)
		}
	}
	return in, before
}
