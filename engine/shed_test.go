package engine

import (
	"os"
	"sort"
	"strings"
	"testing"
)

// shedRun is what users got in the measured seconds of one run.
type shedRun struct {
	ok, shed, db []float64
	p99          []float64
}

func (r *shedRun) add(s Second) {
	r.ok = append(r.ok, float64(s.OK))
	r.shed = append(r.shed, float64(s.Shed))
	r.db = append(r.db, float64(s.DBQPS))
	r.p99 = append(r.p99, s.P99)
}

// busyDatabase is the fewest statements a second the database runs when its
// line is never empty (it can run about 375): below it, the machine set the
// pace (the modeled waits fired late), not the system, and the second
// measures nothing.
const busyDatabase = 250

// measureShedding runs 1,500 req/s with the cache down for a second to
// settle and three to measure, shedding on or off, on an engine of its own,
// and adds the seconds the database was kept busy.
func measureShedding(t *testing.T, on bool, into *shedRun) {
	t.Helper()
	e := newEngine(t, Options{Rate: 1500})
	defer e.Close()
	if err := e.Kill("cache"); err != nil {
		t.Fatal(err)
	}
	e.SetShedding(on)
	e.Start()
	waitSeconds(t, e, 1) // the breaker opens, the line builds
	for _, s := range waitSeconds(t, e, 3) {
		t.Logf("shedding %-5v ok %4d failed %4d shed %4d p50 %5.1f ms p99 %5.1f ms db %d q/s", on, s.OK, s.Failed, s.Shed, s.P50, s.P99, s.DBQPS)
		if s.DBQPS >= busyDatabase {
			into.add(s)
		}
	}
}

// middle is the median, the mean of the two middle values of an even count.
func middle(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Load shedding at 1,500 req/s with the cache down: the database can run
// about 375 statements a second. Without shedding its line grows until
// requests fail at the deadline, after half a second; with it, the line
// stays short. The database runs about as many statements either way, so
// about as many requests are answered: shedding turns slow answers into
// quick ones and late failures into early ones, it does not add capacity.
// At least nine tenths as many, not all as many: without shedding the
// worker's batches wait in the same line as 200 requests and starve, so
// the requests get the worker's share of the database too; with it the
// worker gets its share back (measured here: 850 OK a second with it on
// against 876 off in one CI run, 799 against 674 in the README's runs). Runs with and
// without alternate (on, off, off, on) so that a machine busy with something
// else weighs on both alike.
func TestSheddingKeepsLatencyDownAndAnswersAboutAsMany(t *testing.T) {
	if testing.Short() {
		t.Skip("a load scenario")
	}
	if raceDetector && os.Getenv("ARCHEX_SHED_RACE") == "" {
		t.Skip("1,500 req/s under the race detector measures the detector, not the system (set ARCHEX_SHED_RACE=1 to run it anyway)")
	}
	order := []bool{true, false, false, true}
	if os.Getenv("ARCHEX_SHED_LONG") != "" {
		order = append(order, true, false, false, true, true, false)
	}
	runs := map[bool]*shedRun{true: {}, false: {}}
	for _, on := range order {
		measureShedding(t, on, runs[on])
	}
	on, off := runs[true], runs[false]
	if len(on.ok) < 3 || len(off.ok) < 3 {
		t.Skipf("only %d seconds with shedding on and %d off kept the database busy (%d statements a second or more): the machine is too busy to measure",
			len(on.ok), len(off.ok), busyDatabase)
	}
	okOn, okOff := middle(on.ok), middle(off.ok)
	p99On, p99Off := middle(on.p99), middle(off.p99)
	t.Logf("medians of %d seconds on, %d off: ok/s on %.0f, off %.0f; p99 on %.1f ms, off %.1f ms", len(on.ok), len(off.ok), okOn, okOff, p99On, p99Off)
	if p99On >= 150 {
		t.Errorf("p99 with shedding on: %.1f ms; want below 150 ms", p99On)
	}
	if okOn < 0.9*okOff {
		t.Errorf("requests answered OK a second: %.0f with shedding on, %.0f off; want at least nine tenths as many with it on", okOn, okOff)
	}
	if middle(on.shed) == 0 || middle(off.shed) != 0 {
		t.Errorf("shed a second: on %v, off %v; want some with it on and none off", on.shed, off.shed)
	}
}

func TestSheddingFaultSwitchesItAndSaysSo(t *testing.T) {
	e := newEngine(t, Options{})
	for _, text := range []string{"shedding on @1s", "shedding off @2s"} {
		f, err := ParseFault(text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if err := e.Apply(f); err != nil {
			t.Fatal(err)
		}
		e.refresh(e.start.Add(f.At))
		want := f.Value == "on"
		if got := e.Snapshot().Switches.Shedding; got != want {
			t.Errorf("after %q the snapshot says shedding %v", text, got)
		}
	}
	notes, _ := e.Notices(0)
	var said []string
	for _, n := range notes {
		if strings.Contains(n.Text, "load shedding") {
			said = append(said, n.Text)
		}
	}
	if strings.Join(said, "; ") != "load shedding on; load shedding off" {
		t.Errorf("notices %q; want load shedding on, then off", said)
	}
	if _, err := ParseFault("shedding maybe @1s"); err == nil {
		t.Error(`"shedding maybe @1s" was accepted`)
	}
}
