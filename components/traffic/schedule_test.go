package traffic_test

import (
	"math"
	"testing"
	"time"

	"github.com/archex/archex/components/traffic"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// Each pattern's rate, second by second over its first minute, at a set
// rate of 100.
func TestPatternRateSecondBySecond(t *testing.T) {
	want := map[traffic.Pattern]func(s int) float64{
		traffic.Steady: func(int) float64 { return 100 },
		// 10 % of the rate at 0, +3 a second, the rate from 30 s on.
		traffic.Ramp: func(s int) float64 { return float64(10 + 3*min(s, 30)) },
		// 4x from 5 s for 3 s, and every 20 s after.
		traffic.Spike: func(s int) float64 {
			if s%20 >= 5 && s%20 < 8 {
				return 400
			}
			return 100
		},
		traffic.Wave: func(s int) float64 { return 100 + 50*math.Sin(2*math.Pi*float64(s)/30) },
	}
	for _, p := range traffic.Patterns {
		for s := 0; s <= 60; s++ {
			if got := p.RateAt(100, time.Duration(s)*time.Second); !near(got, want[p](s)) {
				t.Errorf("%s at %ds: %v req/s, want %v", p, s, got, want[p](s))
			}
		}
	}
	// The wave's turning points, written out.
	for at, w := range map[time.Duration]float64{7500 * time.Millisecond: 150, 15 * time.Second: 100, 22500 * time.Millisecond: 50} {
		if got := traffic.Wave.RateAt(100, at); !near(got, w) {
			t.Errorf("wave at %v: %v, want %v", at, got, w)
		}
	}
	if got := traffic.Spike.RateAt(100, 7999*time.Millisecond); got != 400 {
		t.Errorf("spike at 7.999s: %v, want 400 (the burst lasts 3 s)", got)
	}
	if got := traffic.Steady.RateAt(1e9, 0); got != traffic.MaxRate {
		t.Errorf("steady at 1e9 req/s asks for %v, want MaxRate", got)
	}
}

// arrivalsPerSecond counts a schedule's arrivals in each of n seconds.
func arrivalsPerSecond(s *traffic.Schedule, n int) []int {
	out := make([]int, n)
	for {
		at, ok := s.Take()
		if !ok || at >= time.Duration(n)*time.Second {
			return out
		}
		out[at/time.Second]++
	}
}

// expected integrates a pattern's rate over second k.
func expected(p traffic.Pattern, rate float64, k int) float64 {
	const steps = 1000
	sum := 0.0
	for i := range steps {
		at := time.Duration(k)*time.Second + time.Duration((float64(i)+0.5)/steps*float64(time.Second))
		sum += p.RateAt(rate, at)
	}
	return sum / steps
}

// The schedule of arrivals follows each pattern second by second: the
// count in every second is within Poisson noise of the pattern's rate
// there (the seed is fixed, so this never flakes), and a ramp sends from
// its first second on.
func TestScheduleFollowsEachPatternSecondBySecond(t *testing.T) {
	const rate, seconds = 200.0, 60
	for _, p := range traffic.Patterns {
		got := arrivalsPerSecond(traffic.NewSchedule(7, "test", rate, p), seconds)
		total, want := 0, 0.0
		for k, n := range got {
			mu := expected(p, rate, k)
			total += n
			want += mu
			if math.Abs(float64(n)-mu) > 4*math.Sqrt(mu)+2 {
				t.Errorf("%s second %d: %d arrivals, want %.0f (±%.0f)", p, k, n, mu, 4*math.Sqrt(mu)+2)
			}
		}
		if math.Abs(float64(total)-want) > 4*math.Sqrt(want) {
			t.Errorf("%s: %d arrivals in %d s, want %.0f", p, total, seconds, want)
		}
		if p == traffic.Ramp && (got[0] < 5 || got[5] < 20) {
			t.Errorf("ramp at %v req/s: %d arrivals in second 0 and %d in second 5, want it sending from the start", rate, got[0], got[5])
		}
	}
}

// The arrivals are the seed's alone: how often a caller looks ahead does not
// change them, and a planned change happens at its point exactly.
func TestScheduleIsTheSeedsAlone(t *testing.T) {
	build := func(seed uint64) *traffic.Schedule {
		s := traffic.NewSchedule(seed, "test", 300, traffic.Steady)
		s.SetPattern(2*time.Second, traffic.Spike)
		s.SetRate(4*time.Second, 50)
		s.SetPaused(5*time.Second, true)
		s.SetPaused(6*time.Second, false)
		s.End(8 * time.Second)
		return s
	}
	draw := func(s *traffic.Schedule, peek bool) []time.Duration {
		var out []time.Duration
		for {
			if peek {
				s.Next()
				s.Next()
				s.RateAt(3 * time.Second)
			}
			at, ok := s.Take()
			if !ok {
				return out
			}
			out = append(out, at)
		}
	}
	a, b, c := draw(build(1), false), draw(build(1), true), draw(build(2), false)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("seed 1 twice: %d and %d arrivals", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("arrival %d: %v and %v", i, a[i], b[i])
		}
	}
	if len(c) == len(a) && c[0] == a[0] {
		t.Error("seeds 1 and 2 gave the same arrivals")
	}
	per := make([]int, 9)
	for _, at := range a {
		per[at/time.Second]++
	}
	// 300/s, spike from 2 s (the burst from 7 s is after the pause), 50/s
	// from 4 s, paused 5-6 s, ended at 8 s.
	if per[0] < 240 || per[1] < 240 || per[4] > 80 || per[5] != 0 || per[6] < 25 || per[8] != 0 {
		t.Errorf("arrivals per second %v, want ~300, 300, 300, 300, 50, 0, 50, 200, 0", per)
	}
	if a[len(a)-1] >= 8*time.Second {
		t.Errorf("an arrival at %v, after the end at 8s", a[len(a)-1])
	}
}

// A change made now reaches back before nothing taken, and a planned change
// that drawing ran ahead to still happens at its time.
func TestAChangeNowKeepsThePlannedOnes(t *testing.T) {
	s := traffic.NewSchedule(3, "test", 0, traffic.Steady)
	s.SetRate(10*time.Second, 100)
	s.End(20 * time.Second)
	if at, ok := s.Next(); !ok || at < 10*time.Second {
		t.Fatalf("first arrival %v, %v: want one after 10s", at, ok)
	}
	s.SetRate(time.Second, 50) // made at 1 s, before the arrival drawn
	per := arrivalsPerSecond(s, 20)
	before, after := 0, 0
	for k, n := range per {
		switch {
		case k < 1 && n > 0:
			t.Errorf("%d arrivals in second 0, at rate 0", n)
		case k < 10:
			before += n
		default:
			after += n
		}
	}
	if before < 350 || before > 550 || after < 850 || after > 1150 {
		t.Errorf("%d arrivals from 1 s to 10 s (want ~450 at 50/s) and %d from 10 s to 20 s (want ~1000 at 100/s)", before, after)
	}
}

// Rates the generator cannot follow are clamped, never spun on.
func TestScheduleClampsRates(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		want float64
	}{{math.NaN(), 0}, {math.Inf(1), traffic.MaxRate}, {-3, 0}, {1e-9, 0}, {2e9, traffic.MaxRate}} {
		s := traffic.NewSchedule(1, "test", tc.rate, traffic.Steady)
		if got := s.RateAt(time.Second); got != tc.want {
			t.Errorf("rate %v: asks for %v, want %v", tc.rate, got, tc.want)
		}
		s.End(time.Second)
		if n := arrivalsPerSecond(s, 1)[0]; (tc.want == 0) != (n == 0) {
			t.Errorf("rate %v: %d arrivals in a second", tc.rate, n)
		}
	}
}

func TestCheckRate(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		p    traffic.Pattern
		ok   bool
	}{
		{0, traffic.Steady, true}, {200, traffic.Spike, true}, {traffic.MaxRate, traffic.Steady, true},
		{math.NaN(), traffic.Steady, false}, {math.Inf(1), traffic.Steady, false}, {-1, traffic.Steady, false},
		{traffic.MaxRate + 1, traffic.Steady, false}, {2000, traffic.Spike, false}, {4000, traffic.Wave, false},
	} {
		if err := traffic.CheckRate(tc.rate, tc.p); (err == nil) != tc.ok {
			t.Errorf("CheckRate(%v, %s) = %v, want ok %v", tc.rate, tc.p, err, tc.ok)
		}
	}
}
