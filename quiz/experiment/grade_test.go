package experiment

import (
	"math"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/archex/archex/engine"
)

// Every test that starts an engine closes it: nothing may be left running.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// phase makes a hand-made phase of n seconds in which answered requests
// were answered and failed of them failed.
func phase(answered, failed int) Phase {
	return Phase{Seconds: 3, Sent: answered, OK: answered - failed, Failed: failed, HitRatio: math.NaN()}
}

func (p Phase) with(f func(p *Phase)) Phase {
	f(&p)
	return p
}

func reads(answered, failed int, dbReads float64) Phase {
	return phase(answered, failed).with(func(p *Phase) { p.DBReads = dbReads })
}

// p50 is a phase whose seconds all had the median wait ms.
func p50(answered, failed int, ms float64) Phase {
	return phase(answered, failed).with(func(p *Phase) { p.P50, p.MinP50, p.MaxP50 = ms, ms, ms })
}

// spread is a phase whose seconds' median waits went from lo to hi.
func spread(answered int, lo, mid, hi float64) Phase {
	return phase(answered, 0).with(func(p *Phase) { p.P50, p.MinP50, p.MaxP50 = mid, lo, hi })
}

// served is a spread of total requests, so many served by each replica.
func served(total int, each ...int) Spread {
	return Spread{Total: total, Served: each, Mean: make([]float64, len(each))}
}

type gradeCase struct {
	name string
	m    Measurement
	want string
}

// The graders decide from numbers alone: these are the numbers this
// architecture produces (from real runs), and the borderlines on either side
// of every threshold.
var gradeCases = map[string][]gradeCase{
	"exp-cache-kill": {
		{"measured", Measurement{Before: reads(600, 0, 31), During: reads(589, 0, 152)}, "rise"},
		{"exactly twice and 20 more", Measurement{Before: reads(600, 0, 20), During: reads(600, 0, 40)}, "rise"},
		{"just under twice", Measurement{Before: reads(600, 0, 20), During: reads(600, 0, 39)}, "same"},
		{"twice but only 9 more", Measurement{Before: reads(600, 0, 3), During: reads(600, 0, 12)}, "same"},
		{"from nothing to 10", Measurement{Before: reads(600, 0, 0), During: reads(600, 0, 10)}, "rise"},
		{"no baseline seconds", Measurement{Before: reads(0, 0, math.NaN()), During: reads(600, 0, 150)}, "rise"},
		{"a quarter", Measurement{Before: reads(600, 0, 30), During: reads(600, 0, 7.5)}, "zero"},
		{"just over a quarter", Measurement{Before: reads(600, 0, 30), During: reads(600, 0, 8)}, "same"},
		{"too few reads to drop", Measurement{Before: reads(600, 0, 3), During: reads(600, 0, 0)}, "same"},
		{"half failed", Measurement{Before: reads(600, 0, 30), During: reads(600, 300, 150)}, "down"},
		{"just under half failed", Measurement{Before: reads(600, 0, 30), During: reads(600, 299, 150)}, "rise"},
	},
	"exp-worker-kill": {
		{"measured", Measurement{Before: phase(400, 0).with(func(p *Phase) { p.Depth = 2 }), During: phase(1045, 0),
			Sent: 1045, Peak: 1248, DrainedIn: 500 * time.Millisecond, Down: 6 * time.Second}, "drain"},
		{"not drained", Measurement{Before: phase(400, 0), During: phase(1045, 0), Sent: 1045, Peak: 1248, DrainedIn: -1}, "stuck"},
		{"grew by a fifth of the events", Measurement{Before: phase(400, 0).with(func(p *Phase) { p.Depth = 2 }), During: phase(1000, 0),
			Sent: 1000, Peak: 202, DrainedIn: 0}, "drain"},
		{"grew by just under a fifth", Measurement{Before: phase(400, 0).with(func(p *Phase) { p.Depth = 2 }), During: phase(1000, 0),
			Sent: 1000, Peak: 201, DrainedIn: 0}, "flat"},
		{"grew by 50, events not counted", Measurement{Before: phase(400, 0).with(func(p *Phase) { p.Depth = 2 }), During: phase(0, 0),
			Peak: 52, DrainedIn: 0}, "drain"},
		{"grew by 49", Measurement{Before: phase(400, 0).with(func(p *Phase) { p.Depth = 2 }), During: phase(0, 0),
			Peak: 51, DrainedIn: 0}, "flat"},
		{"a tenth failed", Measurement{Before: phase(400, 0), During: phase(1000, 100), Sent: 1000, Peak: 1200, DrainedIn: 0}, "fail"},
		{"just under a tenth failed", Measurement{Before: phase(400, 0), During: phase(1000, 99), Sent: 1000, Peak: 1200, DrainedIn: 0}, "drain"},
	},
	"exp-replica-kill": {
		{"measured", Measurement{Before: p50(400, 0, 3.4), During: p50(600, 0, 3.6), After: p50(400, 0, 3.5), Healthy: 2, Replicas: 3}, "unnoticed"},
		{"1% failed", Measurement{Before: p50(400, 0, 3.4), During: p50(800, 8, 3.6)}, "unnoticed"},
		{"2% failed", Measurement{Before: p50(400, 0, 3.4), During: p50(800, 16, 3.6)}, "some"},
		{"just under 2%", Measurement{Before: p50(400, 0, 3.4), During: p50(800, 15, 3.6)}, "unnoticed"},
		{"a third failed", Measurement{Before: p50(400, 0, 3.4), During: p50(800, 267, 3.6)}, "some"},
		{"60% failed", Measurement{Before: p50(400, 0, 3.4), During: p50(800, 480, 3.6)}, "some"},
		{"just over 60%", Measurement{Before: p50(400, 0, 3.4), During: p50(800, 481, 3.6)}, "all"},
		{"every second twice as slow and 5 ms more", Measurement{Before: p50(400, 0, 3.4), During: p50(600, 0, 8.4), After: p50(400, 0, 3.4)}, "slow"},
		{"4.9 ms slower", Measurement{Before: p50(400, 0, 3.4), During: p50(600, 0, 8.3), After: p50(400, 0, 3.4)}, "unnoticed"},
		{"twice as slow", Measurement{Before: p50(400, 0, 10), During: p50(600, 0, 20), After: p50(400, 0, 10)}, "slow"},
		{"just under twice", Measurement{Before: p50(400, 0, 10), During: p50(600, 0, 19.9), After: p50(400, 0, 10)}, "unnoticed"},
		{"slow, and as slow after the revive: a busy machine", Measurement{Before: p50(400, 0, 3.4), During: p50(600, 0, 60), After: p50(400, 0, 45)}, "unnoticed"},
		{"one fast second among slow ones", Measurement{Before: p50(400, 0, 3.4), During: spread(600, 5, 60, 70), After: p50(400, 0, 3.4)}, "unnoticed"},
		{"one slow second before", Measurement{Before: spread(400, 3.4, 3.5, 40), During: p50(600, 0, 60), After: p50(400, 0, 3.4)}, "unnoticed"},
	},
	"exp-least-connections": {
		{"measured", Measurement{Before: phase(619, 0), During: phase(633, 0), SpreadBefore: served(619, 206, 207, 206), SpreadDuring: served(633, 70, 282, 281)}, "fewer"},
		{"25%", Measurement{SpreadBefore: served(600, 200, 200, 200), SpreadDuring: served(600, 150, 225, 225)}, "same"},
		{"just under 25%", Measurement{SpreadBefore: served(600, 200, 200, 200), SpreadDuring: served(600, 149, 226, 225)}, "fewer"},
		{"3%", Measurement{SpreadBefore: served(600, 200, 200, 200), SpreadDuring: served(600, 18, 291, 291)}, "fewer"},
		{"just under 3%", Measurement{SpreadBefore: served(600, 200, 200, 200), SpreadDuring: served(600, 17, 292, 291)}, "none"},
		{"40%", Measurement{SpreadBefore: served(600, 200, 200, 200), SpreadDuring: served(600, 240, 180, 180)}, "same"},
		{"just over 40%", Measurement{SpreadBefore: served(600, 200, 200, 200), SpreadDuring: served(600, 241, 180, 179)}, "more"},
		{"no requests", Measurement{}, "none"},
	},
	"exp-breaker-off": {
		{"measured", Measurement{Before: p50(300, 0, 12), During: p50(300, 0, 51), Paired: 39}, "slower"},
		{"10 ms slower in pairs", Measurement{Before: p50(300, 0, 12), During: p50(300, 0, 22), Paired: 10}, "slower"},
		{"just under 10 ms", Measurement{Before: p50(300, 0, 12), During: p50(300, 0, 22), Paired: 9.9}, "same"},
		{"a busy machine slows both", Measurement{Before: p50(300, 0, 90), During: p50(300, 0, 130), Paired: 40}, "slower"},
		{"5 ms faster in pairs", Measurement{Before: p50(300, 0, 12), During: p50(300, 0, 7), Paired: -5}, "faster"},
		{"just under 5 ms faster", Measurement{Before: p50(300, 0, 12), During: p50(300, 0, 7.1), Paired: -4.9}, "same"},
		{"a fifth failed", Measurement{Before: p50(300, 0, 12), During: p50(1000, 200, 51), Paired: 39}, "fail"},
		{"just under a fifth", Measurement{Before: p50(300, 0, 12), During: p50(1000, 199, 51), Paired: 39}, "slower"},
	},
	"exp-database-kill": {
		{"measured", Measurement{Before: phase(400, 0), During: phase(622, 126).with(func(p *Phase) { p.P99 = 8.4; p.HitRatio = 0.89 })}, "some"},
		{"under 5% failed", Measurement{Before: phase(400, 0), During: phase(622, 31)}, "none"},
		{"5% failed", Measurement{Before: phase(400, 0), During: phase(600, 30)}, "some"},
		{"90% failed", Measurement{Before: phase(400, 0), During: phase(600, 540)}, "all"},
		{"just under 90%", Measurement{Before: phase(400, 0), During: phase(600, 539)}, "some"},
		{"failures after 500 ms", Measurement{Before: phase(400, 0).with(func(p *Phase) { p.P99 = 15 }), During: phase(600, 200).with(func(p *Phase) { p.P99 = 500 })}, "hang"},
		{"failures just under 500 ms", Measurement{Before: phase(400, 0).with(func(p *Phase) { p.P99 = 15 }), During: phase(600, 200).with(func(p *Phase) { p.P99 = 499 })}, "some"},
		{"four times a slow baseline", Measurement{Before: phase(400, 0).with(func(p *Phase) { p.P99 = 200 }), During: phase(600, 200).with(func(p *Phase) { p.P99 = 800 })}, "hang"},
		{"under four times a slow baseline: a busy machine", Measurement{Before: phase(400, 0).with(func(p *Phase) { p.P99 = 200 }), During: phase(600, 200).with(func(p *Phase) { p.P99 = 790 })}, "some"},
		{"slow but nothing failed", Measurement{Before: phase(400, 0), During: phase(600, 0).with(func(p *Phase) { p.P99 = 2000 })}, "none"},
	},
	"exp-overload": {
		{"measured", Measurement{Before: phase(2400, 0).with(func(p *Phase) { p.P99 = 45 }), During: phase(2000, 120).with(func(p *Phase) { p.P99 = 504 }),
			After: phase(2000, 900).with(func(p *Phase) { p.P99 = 140; p.Shed = 880 })}, "timeouts"},
		{"failing at 400 ms", Measurement{Before: phase(2400, 0).with(func(p *Phase) { p.P99 = 45 }), During: phase(2000, 20).with(func(p *Phase) { p.P99 = 400 })}, "timeouts"},
		{"failing under 400 ms", Measurement{Before: phase(2400, 0).with(func(p *Phase) { p.P99 = 45 }), During: phase(2000, 20).with(func(p *Phase) { p.P99 = 399 })}, "refused"},
		{"under 1% failing, slow", Measurement{Before: phase(2400, 0).with(func(p *Phase) { p.P99 = 45 }), During: phase(2000, 19).with(func(p *Phase) { p.P99 = 110 })}, "slow"},
		{"under 1% failing, not twice and 20 ms", Measurement{Before: phase(2400, 0).with(func(p *Phase) { p.P99 = 45 }), During: phase(2000, 0).with(func(p *Phase) { p.P99 = 109 })}, "fine"},
	},
	"exp-stampede": {
		{"measured", Measurement{Stampede: 100, QueriesOff: 100, QueriesOn: 1}, "shared"},
		{"measured with the requests spread out", Measurement{Stampede: 100, QueriesOff: 27, QueriesOn: 1}, "shared"},
		{"off 11", Measurement{Stampede: 100, QueriesOff: 11, QueriesOn: 1}, "shared"},
		{"off 10", Measurement{Stampede: 100, QueriesOff: 10, QueriesOn: 1}, "one"},
		{"on 10", Measurement{Stampede: 100, QueriesOff: 100, QueriesOn: 10}, "shared"},
		{"on 11", Measurement{Stampede: 100, QueriesOff: 100, QueriesOn: 11}, "many"},
		{"half failed with it on", Measurement{Stampede: 100, QueriesOff: 100, QueriesOn: 1, FailedOn: 50}, "fail"},
		{"just under half failed", Measurement{Stampede: 100, QueriesOff: 100, QueriesOn: 1, FailedOn: 49}, "shared"},
		{"a small stampede", Measurement{Stampede: 10, QueriesOff: 4, QueriesOn: 1}, "shared"},
	},
	"exp-queue-kill": {
		{"measured", Measurement{Before: p50(400, 0, 5.2), During: p50(670, 0, 3.7), After: p50(400, 0, 4.4), Sent: 820, Down: 4100 * time.Millisecond,
			Events: EventBooks{Created: 873, Waiting: 868, Spool: 780, Outbox: 88, PublishedIn: 300 * time.Millisecond}}, "kept"},
		{"a quarter shed", Measurement{Before: p50(400, 0, 3.5), During: p50(610, 0, 3.5), Events: EventBooks{Created: 800, Waiting: 600, Shed: 200}}, "dropped"},
		{"just under a quarter shed", Measurement{Before: p50(400, 0, 3.5), During: p50(610, 0, 3.5), Events: EventBooks{Created: 800, Waiting: 601, Shed: 199}}, "kept"},
		{"half gone without a trace", Measurement{Before: p50(400, 0, 3.5), During: p50(610, 0, 3.5), Events: EventBooks{Created: 800, Waiting: 399}}, "dropped"},
		{"half waiting", Measurement{Before: p50(400, 0, 3.5), During: p50(610, 0, 3.5), Events: EventBooks{Created: 800, Waiting: 400}}, "kept"},
		{"nothing created", Measurement{Before: p50(400, 0, 3.5), During: p50(0, 0, math.NaN())}, "kept"},
		{"slower", Measurement{Before: p50(400, 0, 3.5), During: p50(610, 0, 8.5), After: p50(400, 0, 3.5), Events: EventBooks{Created: 800, Waiting: 800}}, "slow"},
		{"slower, and after too: a busy machine", Measurement{Before: p50(400, 0, 3.5), During: p50(610, 0, 60), After: p50(400, 0, 50), Events: EventBooks{Created: 800, Waiting: 800}}, "kept"},
		{"a tenth failed", Measurement{Before: p50(400, 0, 3.5), During: p50(610, 61, 3.5), Events: EventBooks{Created: 800, Waiting: 800}}, "fail"},
	},
}

func TestGraders(t *testing.T) {
	for _, e := range All() {
		cases := gradeCases[e.ID()]
		if len(cases) == 0 {
			t.Errorf("%s: no grader cases", e.ID())
		}
		decided := map[string]bool{}
		for _, c := range cases {
			t.Run(e.ID()+"/"+c.name, func(t *testing.T) {
				got, v := e.Grade(c.m)
				decided[got] = true
				if got != c.want {
					t.Errorf("decided %q, want %q: %s", got, c.want, v.Evidence)
				}
				if e.Outcomes[v.Correct] != got {
					t.Errorf("verdict names option %d (%s), not the outcome %s", v.Correct, e.Outcomes[v.Correct], got)
				}
				if v.Evidence == "" || strings.Contains(v.Evidence, "NaN") || strings.Contains(v.Evidence, "%!") {
					t.Errorf("evidence %q", v.Evidence)
				}
			})
		}
		// Every option can be the right one: the tables reach each.
		for _, o := range e.Outcomes {
			if !decided[o] {
				t.Errorf("%s: no case decides %q", e.ID(), o)
			}
		}
	}
	for id := range gradeCases {
		if _, ok := Lookup(id); !ok {
			t.Errorf("cases for %s, which is not an experiment", id)
		}
	}
}

// The evidence is what the learner reads: the numbers, readably.
func TestEvidence(t *testing.T) {
	tests := []struct {
		id   string
		m    Measurement
		want string
	}{
		{"exp-cache-kill", Measurement{Before: reads(600, 0, 31).with(func(p *Phase) { p.HitRatio = 0.84 }),
			During: reads(589, 0, 152).with(func(p *Phase) { p.HitRatio = 0 })},
			"database reads went from 31/s to 152/s (medians of 3 s before and 3 s after the kill); cache hit ratio 84% → 0%; 0 of 589 requests failed (0%)"},
		{"exp-worker-kill", Measurement{Before: phase(400, 0).with(func(p *Phase) { p.Depth = 2 }), During: phase(1045, 0),
			Sent: 1045, Peak: 1248, DrainedIn: 500 * time.Millisecond, Down: 6 * time.Second},
			"queue depth rose from 2 to 1,248 in 6.0 s without the worker, then drained in 0.5 s after the revive; 0 of 1,045 requests failed (0%)"},
		{"exp-worker-kill", Measurement{Before: phase(400, 0).with(func(p *Phase) { p.Depth = 2 }), During: phase(1045, 0),
			Sent: 1045, Peak: 1248, DrainedIn: -1, Down: 6 * time.Second},
			"queue depth rose from 2 to 1,248 in 6.0 s without the worker, and had not drained 5 s after the revive; 0 of 1,045 requests failed (0%)"},
		{"exp-replica-kill", Measurement{Before: p50(600, 0, 3.4), During: p50(800, 3, 3.6), Healthy: 2, Replicas: 3},
			"3 of 800 requests failed (0.4%) in the 3 s from the kill on; median response 3.4 ms before, 3.6 ms after; the load balancer counted 2 of 3 replicas healthy"},
		{"exp-least-connections", Measurement{Before: phase(619, 0).with(func(p *Phase) { p.P99 = 73 }), During: phase(633, 0).with(func(p *Phase) { p.P99 = 58 }),
			SpreadBefore: served(619, 206, 207, 206), SpreadDuring: served(633, 70, 282, 281)},
			"replica 1, slowed by 50 ms, served 33 % of the requests under round-robin (206 of 619) and 11 % under least-connections (70 of 633); p99 73 ms → 58 ms"},
		{"exp-overload", Measurement{Before: phase(2400, 0).with(func(p *Phase) { p.P99 = 45; p.Rate = 800 }), During: phase(2000, 120).with(func(p *Phase) { p.P99 = 504; p.P50 = 130 }),
			After: phase(2000, 900).with(func(p *Phase) { p.P99 = 140; p.Shed = 880 })},
			"at 800 requests/s, killing the cache took the p99 from 45 ms to 504 ms (median 130 ms) and 120 of 2,000 requests failed (6%); with load shedding on, 880 were refused at once, p99 140 ms"},
		{"exp-breaker-off", Measurement{Before: p50(300, 0, 11.6), During: p50(300, 0, 50.9), After: p50(300, 0, 12), Paired: 39.3},
			"with the cache down, the median response was 12 ms with the breaker on and 51 ms in the seconds with it off (switched every second for 6 s; 39 ms slower than the second after each, with it on); 0 of 300 requests failed (0%) with the breaker off"},
		{"exp-database-kill", Measurement{Before: phase(400, 0).with(func(p *Phase) { p.Depth = 2 }),
			During: phase(622, 126).with(func(p *Phase) { p.P99 = 8.4; p.HitRatio = 0.89; p.MaxDepth = 647 })},
			"126 of 622 requests failed (20%) in the 3 s the database was down (99th percentile 8.4 ms); cache hit ratio 89%; queue depth 2 → 647 as the worker waited"},
		{"exp-stampede", Measurement{Stampede: 100, QueriesOff: 100, QueriesOn: 1},
			"100 reads of a product just removed from the cache made 100 database queries with singleflight off and 1 query with it on"},
		{"exp-queue-kill", Measurement{Before: p50(400, 0, 5.2), During: p50(670, 0, 3.7), Down: 4100 * time.Millisecond,
			Events: EventBooks{Created: 873, Waiting: 868, Spool: 780, Outbox: 88, PublishedIn: 300 * time.Millisecond}},
			"with the queue down for 4.1 s, 868 events waited to be published (780 in the spool, 88 in the outbox) of 873 created, 0 dropped; all published within 0.3 s of the revive; 0 of 670 requests failed (0%) in the whole seconds measured, median response 3.7 ms (5.2 ms before)"},
	}
	for _, tt := range tests {
		e, _ := Lookup(tt.id)
		if _, v := e.Grade(tt.m); v.Evidence != tt.want {
			t.Errorf("%s evidence\n  %s\nwant\n  %s", tt.id, v.Evidence, tt.want)
		}
	}
}

func TestFormats(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 1840: "1,840", 1234567: "1,234,567", -2310: "-2,310"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
	for x, want := range map[float64]string{0: "0%", 0.004: "0.4%", 0.2: "20%", 0.846: "85%", 1: "100%"} {
		if got := percent(x); got != want {
			t.Errorf("percent(%v) = %q, want %q", x, got, want)
		}
	}
	for x, want := range map[float64]string{3.44: "3.4 ms", 9.96: "10.0 ms", 11.6: "12 ms", 250: "250 ms"} {
		if got := ms(x); got != want {
			t.Errorf("ms(%v) = %q, want %q", x, got, want)
		}
	}
	if got := rate(math.NaN()); got != "n/a" {
		t.Errorf("rate(NaN) = %q", got)
	}
}

func TestSummarize(t *testing.T) {
	hit := func(x float64) *float64 { return &x }
	p := summarize(nil)
	if p.Seconds != 0 || !math.IsNaN(p.P50) || p.FailRatio() != 0 {
		t.Errorf("no seconds: %+v", p)
	}
	// One wild second does not move a median of three.
	p = summarize(secondsOf(
		sec{sent: 200, ok: 200, reads: 30, p50: 3.4, hit: hit(0.8), depth: 2},
		sec{sent: 190, ok: 185, failed: 5, reads: 900, p50: 250, depth: 1800},
		sec{sent: 210, ok: 210, reads: 32, p50: 3.6, hit: hit(0.82), depth: 3},
	))
	if p.Seconds != 3 || p.Sent != 600 || p.OK != 595 || p.Failed != 5 || p.DBReads != 32 || p.P50 != 3.6 ||
		p.HitRatio != 0.82 || p.Depth != 3 || p.MaxDepth != 1800 {
		t.Errorf("summarize = %+v", p)
	}
	if got := p.FailRatio(); math.Abs(got-5.0/600) > 1e-9 {
		t.Errorf("fail ratio %v", got)
	}
}

type sec struct {
	sent, ok, failed, reads, depth int
	p50                            float64
	hit                            *float64
}

func secondsOf(ss ...sec) []engine.Second {
	out := make([]engine.Second, len(ss))
	for i, s := range ss {
		out[i] = engine.Second{T: i, Sent: s.sent, OK: s.ok, Failed: s.failed, DBReads: s.reads, P50: s.p50, HitRatio: s.hit, QueueDepth: s.depth}
	}
	return out
}
