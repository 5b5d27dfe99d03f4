package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
	"github.com/archex/archex/engine"
)

// The proof compares the seconds after the kill, averaged, with the last
// steady seconds before it: seconds with any component unwell (a gateway
// slowed, then healed) are not a "before".
func TestProofBaselineSkipsUnsteadySeconds(t *testing.T) {
	var hist []engine.Second
	for i := 0; i < 40; i++ {
		s := engine.Second{T: i, Sent: 20, OK: 20, P99: 15, DBReads: 1, HitRatio: ratio(0.88)}
		if i >= 30 && i < 38 { // the gateway slowed: p99 109 ms
			s.P99, s.Unwell = 109, []string{"API Gateway"}
		}
		hist = append(hist, s)
	}
	snap := &engine.Snapshot{History: hist[:len(hist)-1], Last: hist[len(hist)-1]}
	b := steadyBefore(snap, 40, nil)
	// 38 and 39 are steady but two are too few; 25-29 are the last five
	// in a row.
	if len(b.seconds) != steadyFor || b.seconds[0].T != 25 || b.seconds[4].T != 29 {
		t.Fatalf("baseline %v, want seconds 25-29", secondsOf(b.seconds))
	}
	if p99, _ := mean(b.seconds, proofP99.second); p99 != 15 {
		t.Errorf("baseline p99 %g, want the steady 15 ms, not the slowed 109", p99)
	}
	// Seconds the dashboard saw a rebuild in are not steady either.
	if b := steadyBefore(snap, 40, [][2]int{{20, 29}}); len(b.seconds) != steadyFor || b.seconds[4].T != 19 {
		t.Errorf("baseline with 20-29 rebuilding: %v, want 15-19", secondsOf(b.seconds))
	}
	// A system that just started has none.
	young := &engine.Snapshot{Last: engine.Second{T: 1, Sent: 20}, History: []engine.Second{{T: 0, Sent: 20}}}
	if b := steadyBefore(young, 2, nil); b.ok() {
		t.Errorf("a two-second-old system has a baseline: %v", secondsOf(b.seconds))
	}
}

func secondsOf(secs []engine.Second) []int {
	var out []int
	for _, s := range secs {
		out = append(out, s.T)
	}
	return out
}

// The banner's proof: DB reads a second averaged over the seconds after
// the kill, against the steady ones before; with no steady second before,
// it says so and compares nothing.
func TestProofLines(t *testing.T) {
	f := newFake()
	m := newTestModel(f)
	press(m, "c")
	run(m, frameMsg(t0.Add(time.Second)))
	out := m.View()
	for _, want := range []string{"DB reads 181/s (was 17/s)", "hit ratio 0% (was 90%)", "3 s average vs the 5 steady s before, 00:37–00:42"} {
		if !strings.Contains(out, want) {
			t.Errorf("cache-down banner lacks %q:\n%s", want, out)
		}
	}
	f = newFake()
	f.edit(func(s *engine.Snapshot) {
		for i := range s.History {
			s.History[i].Unwell = []string{"API Gateway"}
		}
		s.Last.Unwell = []string{"API Gateway"}
	})
	m = newTestModel(f)
	press(m, "c")
	run(m, frameMsg(t0.Add(time.Second)))
	out = m.View()
	if !strings.Contains(out, "no steady seconds before it to compare with") || strings.Contains(out, "(was") {
		t.Errorf("without a steady second before, the banner compares:\n%s", out)
	}
}

// The rebuild view stays until the hit ratio, averaged, is back near where
// it was before the kill, not at the first second above 80 %.
func TestRebuildStaysUntilNearBefore(t *testing.T) {
	c := cards.Default()
	w := failureWatch{card: c}
	hist := make([]engine.Second, 0, 80)
	second := func(t int, hr float64, down bool) engine.Second {
		s := engine.Second{T: t, Sent: 20, OK: 20, P99: 15, HitRatio: ratio(hr)}
		if down {
			s.Down, s.Unwell = []string{"cache"}, []string{"Cache"}
		}
		return s
	}
	snap := func(cache engine.State, at int) *engine.Snapshot {
		s := steadySnapshot(c)
		s.History, s.Last = hist[:len(hist)-1], hist[len(hist)-1]
		s.At = t0.Add(time.Duration(at) * time.Second)
		st := statusOf(s, card.KindCache)
		st.State = cache
		return s
	}
	for i := range 30 {
		hist = append(hist, second(i, 0.88, false))
	}
	w.observe(snap(engine.Up, 30))
	hist = append(hist, second(30, 0, true))
	w.observe(snap(engine.Down, 31))
	hist = append(hist, second(31, 0, true))
	w.observe(snap(engine.Up, 32)) // revived in second 32
	for i, hr := range []float64{0.3, 0.6, 0.76, 0.76, 0.79, 0.81, 0.85, 0.86, 0.87} {
		hist = append(hist, second(32+i, hr, false))
		w.observe(snap(engine.Up, 33+i))
		avg, _ := mean(since(snap(engine.Up, 33+i), 32, smoothFor), proofHitRatio.second)
		done := w.of("Cache") == nil
		if want := avg >= 0.88-nearBefore; done != want {
			t.Fatalf("second %d, hit ratio %.2f (3 s average %.2f): rebuilt %v, want %v", 32+i, hr, avg, done, want)
		}
	}
	if w.of("Cache") != nil {
		t.Errorf("the rebuild never ended")
	}
	if len(w.unsteady) != 1 || w.unsteady[0][0] != 32 {
		t.Errorf("the rebuild's seconds %v are not marked unsteady", w.unsteady)
	}
}
