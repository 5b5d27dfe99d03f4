package challenge

import (
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/engine"
)

func ptr(v float64) *float64 { return &v }

// sec is a second of the window (T from 2: the goal below warms up 2 s).
func sec(t int, mod func(*engine.Second)) engine.Second {
	s := engine.Second{T: t, OK: 100, Latency: engine.LatenciesOf(rep(10, 100)...)}
	if mod != nil {
		mod(&s)
	}
	return s
}

func rep(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func goalOf(t *testing.T, conds ...string) Goal {
	t.Helper()
	g := Goal{Warmup: 2 * time.Second, Window: 3 * time.Second}
	for _, c := range conds {
		cond, err := ParseCondition(c)
		if err != nil {
			t.Fatal(err)
		}
		g.Conditions = append(g.Conditions, cond)
	}
	return g
}

// Goal evaluation over recorded seconds: each measurement over the seconds
// of the window only, against its bound.
func TestGoalEvaluation(t *testing.T) {
	quiet := func(ok, failed int) map[string]engine.KeySecond {
		return map[string]engine.KeySecond{
			NoisyKey:     {OK: 10, Failed: 500, Latency: engine.LatenciesOf(rep(500, 510)...)},
			"demo-key-2": {OK: ok, Failed: failed, Latency: engine.LatenciesOf(rep(20, ok+failed)...)},
		}
	}
	for _, tc := range []struct {
		name    string
		cond    string
		secs    []engine.Second
		value   float64
		met     bool
		decided bool
	}{
		{"no failure", "failed = 0", []engine.Second{sec(2, nil), sec(3, nil), sec(4, nil)}, 0, true, false},
		{"a failure in the window", "failed = 0", []engine.Second{sec(2, nil), sec(3, func(s *engine.Second) { s.Failed = 1 })}, 1, false, true},
		{"failures before and after the window do not count", "failed = 0",
			[]engine.Second{sec(1, func(s *engine.Second) { s.Failed = 9 }), sec(2, nil), sec(5, func(s *engine.Second) { s.Failed = 9 })}, 0, true, false},
		{"a share within", "failed < 1%", []engine.Second{sec(2, func(s *engine.Second) { s.OK, s.Failed = 199, 1 })}, 0.5, true, false},
		{"a share over, not decided", "failed < 1%", []engine.Second{sec(2, func(s *engine.Second) { s.OK, s.Failed = 197, 3 })}, 1.5, false, false},
		{"p99 under", "p99 < 80ms", []engine.Second{sec(2, func(s *engine.Second) { s.Latency = engine.LatenciesOf(append(rep(10, 99), 200)...) })}, 10, true, false},
		{"p99 over", "p99 < 80ms", []engine.Second{sec(2, func(s *engine.Second) { s.Latency = engine.LatenciesOf(append(rep(10, 98), 200, 200)...) })}, 200, false, false},
		{"p99 over the window, not per second", "p99 < 80ms", []engine.Second{
			sec(2, func(s *engine.Second) { s.Latency = engine.LatenciesOf(append(rep(10, 98), 200, 200)...) }), // 2 % slow alone
			sec(3, func(s *engine.Second) { s.Latency = engine.LatenciesOf(rep(10, 100)...) }),                  // 1 % of both
		}, 10, true, false},
		{"p50 in seconds", "p50 < 1s", []engine.Second{sec(2, nil)}, 10, true, false},
		{"hit ratio weighs seconds by their lookups", "hit_ratio >= 80%", []engine.Second{
			sec(2, func(s *engine.Second) { s.HitRatio, s.Lookups = ptr(0.9), 100 }),
			sec(3, func(s *engine.Second) { s.HitRatio, s.Lookups = ptr(0.6), 300 }),
		}, 67.5, false, false},
		{"errors leave out the refusals on purpose", "errors = 0", []engine.Second{sec(2, func(s *engine.Second) { s.Failed, s.Shed, s.Limited = 10, 8, 1 })}, 1, false, true},
		{"shed counted", "shed <= 10", []engine.Second{sec(2, func(s *engine.Second) { s.Shed = 8 }), sec(3, func(s *engine.Second) { s.Shed = 3 })}, 11, false, true},
		{"the others than the noisy client", "others.failed = 0", []engine.Second{sec(2, func(s *engine.Second) { s.Keys = quiet(100, 0) })}, 0, true, false},
		{"a quiet client failing", "others.failed = 0", []engine.Second{sec(2, func(s *engine.Second) { s.Keys = quiet(99, 1) })}, 1, false, true},
		{"the others' latency", "others.p99 < 100ms", []engine.Second{sec(2, func(s *engine.Second) { s.Keys = quiet(100, 0) })}, 20, true, false},
		{"backlog at the end", "backlog < 100", []engine.Second{
			sec(2, func(s *engine.Second) { s.QueueDepth = 500 }),
			sec(4, func(s *engine.Second) { s.QueueDepth, s.EventsWaiting = 50, 60 }),
		}, 110, false, false},
		{"backlog as a share of the one as the window opened", "backlog < 10%", []engine.Second{
			sec(1, func(s *engine.Second) { s.QueueDepth = 1000 }),
			sec(2, func(s *engine.Second) { s.QueueDepth = 600 }),
			sec(4, func(s *engine.Second) { s.QueueDepth, s.EventsWaiting = 40, 10 }),
		}, 5, true, false},
		{"a backlog over its share, not decided: it can drain", "backlog < 10%", []engine.Second{
			sec(1, func(s *engine.Second) { s.QueueDepth = 1000 }),
			sec(4, func(s *engine.Second) { s.QueueDepth = 300 }),
		}, 30, false, false},
		{"database statements a second", "db_qps < 300", []engine.Second{sec(2, func(s *engine.Second) { s.DBQPS = 200 }), sec(3, func(s *engine.Second) { s.DBQPS = 500 })}, 350, false, false},
		{"a lower bound", "ok >= 250", []engine.Second{sec(2, nil), sec(3, nil), sec(4, nil)}, 300, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := goalOf(t, tc.cond)
			v := g.Evaluate(tc.secs, NoisyKey, true)
			r := v.Readings[0]
			if !r.Measured || !near(r.Value, tc.value) || r.Met != tc.met || r.Decided != tc.decided {
				t.Errorf("%s: value %.2f measured %v met %v decided %v; want %.2f, met %v, decided %v", tc.cond, r.Value, r.Measured, r.Met, r.Decided, tc.value, tc.met, tc.decided)
			}
			if v.Passed != tc.met || v.Failed == tc.met {
				t.Errorf("complete verdict passed %v failed %v; want passed %v", v.Passed, v.Failed, tc.met)
			}
		})
	}
}

// near compares a value read from the distribution's buckets (5 % wide).
func near(got, want float64) bool {
	if want == 0 {
		return got == 0
	}
	return got > want*0.97 && got < want*1.03
}

// Before the window is over a verdict is failed only when a condition is
// decided; an empty window measures nothing and fails once complete.
func TestVerdictBeforeTheEnd(t *testing.T) {
	g := goalOf(t, "failed = 0", "p99 < 80ms")
	slow := sec(2, func(s *engine.Second) { s.Latency = engine.LatenciesOf(rep(300, 100)...) })
	if v := g.Evaluate([]engine.Second{slow}, NoisyKey, false); v.Passed || v.Failed {
		t.Errorf("a slow second mid-window: %+v; want neither passed nor failed yet", v)
	}
	failing := sec(2, func(s *engine.Second) { s.Failed = 1 })
	if v := g.Evaluate([]engine.Second{failing}, NoisyKey, false); !v.Failed {
		t.Error("a failure mid-window does not decide failed = 0")
	}
	v := g.Evaluate(nil, NoisyKey, true)
	if v.Passed || !v.Failed || v.Readings[1].Measured {
		t.Errorf("an empty window: %+v; want failed, nothing measured", v)
	}
	if got := v.Readings[1].Line(); got != "p99 < 80ms: nothing measured, not met" {
		t.Errorf("line %q", got)
	}
}

func TestParseConditionRefusesWhatItCannotMeasure(t *testing.T) {
	for in, want := range map[string]string{
		"p99 < 80":                "p99 is a time: give it in ms or s",
		"hit_ratio >= 80":         "hit_ratio is a share: give it in %",
		"latency < 5ms":           `unknown measurement "latency"`,
		"failed ~ 0":              "has no comparison",
		"others.hit_ratio >= 80%": "is not measured per client",
		"p99 < -5ms":              "is not a number (0 or more)",
		"failed = 2ms":            "failed is a number: give it without a unit",
	} {
		if _, err := ParseCondition(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseCondition(%q) = %v, want an error with %q", in, err, want)
		}
	}
	c, err := ParseCondition("  p99<80ms ")
	if err != nil || c.Op != "<" || c.Bound != 80 || c.Text != "p99<80ms" {
		t.Errorf("%+v %v", c, err)
	}
}

func TestCosts(t *testing.T) {
	start := engine.Levers{Replicas: 3, Workers: 2, Pool: 3}
	for _, tc := range []struct {
		now  engine.Levers
		want int
	}{
		{engine.Levers{Replicas: 3, Workers: 2, Pool: 3, Shedding: true, TTL: time.Hour}, 0},
		{engine.Levers{Replicas: 5, Workers: 2, Pool: 3}, 4},
		{engine.Levers{Replicas: 3, Workers: 4, Pool: 6}, 5},
		{engine.Levers{Replicas: 1, Workers: 2, Pool: 4}, 1}, // fewer replicas give nothing back
	} {
		if got := Cost(start, tc.now); got != tc.want {
			t.Errorf("Cost(%+v) = %d, want %d", tc.now, got, tc.want)
		}
	}
}

// A noisy client's key takes its share of the requests, spread out.
func TestNoisyClientKeys(t *testing.T) {
	keys := Traffic{Rate: 150, Noisy: 1000}.Keys()
	n := map[string]int{}
	run, longest := 0, 0
	for i, k := range keys {
		n[k]++
		if k == NoisyKey && i > 0 && keys[i-1] == NoisyKey {
			run++
		} else {
			run = 0
		}
		longest = max(longest, run+1)
	}
	if len(keys) != 60 || n[NoisyKey] != 52 || n["demo-key-2"]+n["demo-key-3"]+n["demo-key-4"] != 8 {
		t.Errorf("key counts %v of %d; want 52 of 60 noisy (1000 of 1150 req/s)", n, len(keys))
	}
	if longest > 10 {
		t.Errorf("the noisy key comes %d times in a row; want it spread out", longest)
	}
	if got := (Traffic{Rate: 200}).Keys(); len(got) != 4 {
		t.Errorf("without a noisy client the keys are %v", got)
	}
}

func TestScaledKeepsWholeSeconds(t *testing.T) {
	revive, _ := engine.ParseFault("revive worker @12s")
	kill, _ := engine.ParseFault("kill cache @6s")
	late, _ := engine.ParseFault("kill queue @13s")
	c := &Challenge{Goal: Goal{Warmup: 12 * time.Second, Window: 3 * time.Second}, Faults: []engine.Fault{revive, kill, late}}
	s := c.Scaled(0.2)
	if s.Goal.Warmup != 2*time.Second || s.Goal.Window != time.Second {
		t.Errorf("scaled: warmup %v window %v", s.Goal.Warmup, s.Goal.Window)
	}
	for i, want := range []time.Duration{2 * time.Second, time.Second, 2300 * time.Millisecond} {
		if got := s.Faults[i].At; got != want {
			t.Errorf("%s scaled to %v, want %v", c.Faults[i].Text, got, want)
		}
	}
	if c.Faults[0].At != 12*time.Second {
		t.Error("Scaled changed the original")
	}
}
