package tui

import (
	"math"
	"slices"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/engine"
)

// Windows of the proof.
const (
	// smoothFor is how many seconds a "now" figure averages: one second
	// at 20 req/s is a handful of requests, too few to compare.
	smoothFor = 3
	// steadyFor is how many steady seconds a baseline takes at most, and
	// steadyAtLeast how many it needs.
	steadyFor     = 5
	steadyAtLeast = 3
	// warmUp is the first seconds of the system's life, which are not
	// steady: its caches are cold, its pools filling.
	warmUp = 5
	// recoverFor is how long a recovery stays on screen at most.
	recoverFor = 3 * time.Minute
	// nearBefore is how close to its level before the kill a cache's hit
	// ratio must come back for the rebuild to be over.
	nearBefore = 0.05
)

// failureWatch follows every component that goes down: the steady seconds
// before (the baseline of "now vs before"), the failed requests when it
// started, and after the revive, the recovery its look waits for.
type failureWatch struct {
	card      *card.Card
	incidents []*incident // in the order they started
	// unsteady are spans of seconds the watch saw a recovery in: not a
	// fair "before" for the next fault, though every component was UP.
	unsteady [][2]int
}

// incident is one component's failure.
type incident struct {
	name, alias string
	kind        card.Kind
	downT       int // the first second it was down in (partly)
	base        baseline
	failedAt    int64
	// revivedT is the second it came back in, -1 while down.
	revivedT  int
	revivedAt time.Time
}

// baseline is the steady seconds before a fault, oldest first; none when
// there were not steadyAtLeast of them in a row.
type baseline struct {
	seconds []engine.Second
}

func (b baseline) ok() bool { return len(b.seconds) > 0 }

func (w *failureWatch) observe(s *engine.Snapshot) {
	now := s.Last.T + 1 // the second in progress
	for _, st := range s.Components {
		down := st.State == engine.Down && st.Kind != card.KindClient
		inc := w.find(st.Name)
		switch {
		case down && (inc == nil || inc.revivedT >= 0):
			if inc != nil {
				w.close(inc, now)
			}
			downT := firstDown(s, st.Alias, now)
			w.incidents = append(w.incidents, &incident{name: st.Name, alias: st.Alias, kind: st.Kind, downT: downT,
				base: steadyBefore(s, downT, w.unsteady), failedAt: s.Requests.Failed, revivedT: -1})
		case !down && inc != nil && inc.revivedT < 0:
			inc.revivedT, inc.revivedAt = now, s.At
			if lookOf(inc.kind).recovered == nil {
				w.close(inc, now)
			}
		case !down && inc != nil && (s.At.Sub(inc.revivedAt) >= recoverFor || lookOf(inc.kind).recovered(inc, st, s)):
			w.close(inc, now)
		}
	}
}

// close ends an incident; its recovery is not a steady time.
func (w *failureWatch) close(inc *incident, now int) {
	if inc.revivedT >= 0 {
		w.unsteady = append(w.unsteady, [2]int{inc.revivedT, now})
		if len(w.unsteady) > 64 {
			w.unsteady = w.unsteady[1:]
		}
	}
	w.incidents = slices.DeleteFunc(w.incidents, func(x *incident) bool { return x == inc })
}

func (w *failureWatch) find(name string) *incident {
	for _, inc := range w.incidents {
		if inc.name == name {
			return inc
		}
	}
	return nil
}

// of is the incident of the component named, or nil.
func (w *failureWatch) of(name string) *incident { return w.find(name) }

// firstDown is the first second of the run of seconds, up to the one in
// progress (now), in which alias was down: when the dashboard saw the kill
// late, the seconds say when it happened.
func firstDown(s *engine.Snapshot, alias string, now int) int {
	first := now
	for i := len(s.History); i >= 0; i-- {
		sec := s.Last
		if i < len(s.History) {
			sec = s.History[i]
		}
		if !slices.Contains(sec.Down, alias) {
			break
		}
		first = sec.T
	}
	return first
}

// steady reports whether a second is a fair "before": past the warm-up,
// with traffic, and every component UP all through it, outside a recovery
// the watch saw.
func steady(sec engine.Second, unsteady [][2]int) bool {
	if sec.T < warmUp || sec.Sent == 0 || len(sec.Unwell) > 0 || len(sec.Down) > 0 {
		return false
	}
	for _, u := range unsteady {
		if sec.T >= u[0] && sec.T <= u[1] {
			return false
		}
	}
	return true
}

// steadyBefore is the last steady window before second t: up to steadyFor
// steady seconds in a row, the latest such run of at least steadyAtLeast.
func steadyBefore(s *engine.Snapshot, t int, unsteady [][2]int) baseline {
	all := append(append(make([]engine.Second, 0, len(s.History)+1), s.History...), s.Last)
	var run []engine.Second // newest first
	for i := len(all) - 1; i >= 0; i-- {
		sec := all[i]
		if sec.T >= t {
			continue
		}
		if steady(sec, unsteady) && (len(run) == 0 || run[len(run)-1].T == sec.T+1) {
			run = append(run, sec)
			if len(run) == steadyFor {
				break
			}
			continue
		}
		if len(run) >= steadyAtLeast {
			break
		}
		run = run[:0]
		if steady(sec, unsteady) {
			run = append(run, sec)
		}
	}
	if len(run) < steadyAtLeast {
		return baseline{}
	}
	slices.Reverse(run)
	return baseline{seconds: run}
}

// since is up to n of the latest seconds after second t (the seconds wholly
// after a change that happened in t), oldest first.
func since(s *engine.Snapshot, t, n int) []engine.Second {
	var out []engine.Second
	if s.Last.T > t {
		out = append(out, s.Last)
	}
	for i := len(s.History) - 1; i >= 0 && len(out) < n; i-- {
		if s.History[i].T <= t {
			break
		}
		out = append(out, s.History[i])
	}
	if len(out) > n {
		out = out[:n]
	}
	slices.Reverse(out)
	return out
}

// mean averages a figure over seconds; ok is false when none has it.
func mean(secs []engine.Second, f func(engine.Second) (float64, bool)) (float64, bool) {
	sum, n := 0.0, 0
	for _, s := range secs {
		if v, ok := f(s); ok && !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// medianOf is the median of a figure over seconds; ok is false when none
// has it.
func medianOf(secs []engine.Second, f func(engine.Second) (float64, bool)) (float64, bool) {
	var vs []float64
	for _, s := range secs {
		if v, ok := f(s); ok && !math.IsNaN(v) {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	if n := len(vs); n%2 == 0 {
		return (vs[n/2-1] + vs[n/2]) / 2, true
	}
	return vs[len(vs)/2], true
}

// over is a proof figure over seconds: their mean, or their median.
func (p proofFigure) over(secs []engine.Second) (float64, bool) {
	if p.median {
		return medianOf(secs, p.second)
	}
	return mean(secs, p.second)
}

// recovering reports whether the incident's component is back and its look
// is waiting for it to recover.
func (inc *incident) recovering() bool { return inc.revivedT >= 0 }

func secondsDur(t int) time.Duration { return time.Duration(t) * time.Second }
