package engine

import (
	"os"
	"sort"
	"strings"
	"testing"
)

// shedRun is what users got in the measured seconds of one or more runs.
type shedRun struct {
	ok, shed, db, jobs []float64
	p99                []float64
}

func (r *shedRun) add(s Second) {
	r.ok = append(r.ok, float64(s.OK))
	r.shed = append(r.shed, float64(s.Shed))
	r.db = append(r.db, float64(s.DBQPS))
	r.jobs = append(r.jobs, float64(s.Jobs))
	r.p99 = append(r.p99, s.P99)
}

// busyDatabase is the fewest statements a second the database runs when its
// line is never empty (it can run about 375): below it, the machine set the
// pace (the modeled waits fired late), not the system, and the second
// measures nothing.
const busyDatabase = 250

// measureShedding runs 1,500 req/s with the cache down for a second to
// settle and seconds to measure, shedding on or off, with the worker
// running or stopped, on an engine of its own, and adds the seconds the
// database was kept busy.
func measureShedding(t *testing.T, on, worker bool, seconds int, into *shedRun) {
	t.Helper()
	e := newEngine(t, Options{Rate: 1500})
	defer e.Close()
	if err := e.Kill("cache"); err != nil {
		t.Fatal(err)
	}
	if !worker {
		if err := e.Kill("worker"); err != nil {
			t.Fatal(err)
		}
	}
	e.SetShedding(on)
	e.Start()
	waitSeconds(t, e, 1) // the breaker opens, the line builds
	for _, s := range waitSeconds(t, e, seconds) {
		t.Logf("shedding %-5v ok %4d failed %4d shed %4d p50 %5.1f ms p99 %5.1f ms db %d q/s, worker %d events", on, s.OK, s.Failed, s.Shed, s.P50, s.P99, s.DBQPS, s.Jobs)
		if s.DBQPS >= busyDatabase {
			into.add(s)
		}
	}
}

// skipUnmeasured skips the test when too few seconds kept the database
// busy, with shedding on or off, to compare them.
func skipUnmeasured(t *testing.T, on, off *shedRun, want int) {
	t.Helper()
	if len(on.ok) < want || len(off.ok) < want {
		t.Skipf("only %d seconds with shedding on and %d off kept the database busy (%d statements a second or more): the machine is too busy to measure",
			len(on.ok), len(off.ok), busyDatabase)
	}
}

// skipLoad skips a load scenario where it would measure something else.
func skipLoad(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("a load scenario")
	}
	if raceDetector && os.Getenv("ARCHEX_SHED_RACE") == "" {
		t.Skip("1,500 req/s under the race detector measures the detector, not the system (set ARCHEX_SHED_RACE=1 to run it anyway)")
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
// stays short and a request that could not be served in time is refused at
// once. The database runs about as many statements either way; with
// shedding, every statement it runs for a request answers it in time.
//
// The worker is stopped here both ways, so that the database's work is the
// requests' alone: with it running, the line without shedding starves it
// (TestSheddingLetsTheWorkerKeepUp), and the requests answered would be
// bought with events left unapplied. Runs with and without alternate (on,
// off, off, on) so that a machine busy with something else weighs on both
// alike. Without shedding a second's OK count swings widely (from 540 to
// 1,170 in one run: a shared query that runs out of time fails everyone who
// joined it), so each side is measured for ten seconds.
func TestSheddingKeepsLatencyDownAndAnswersAtLeastAsMany(t *testing.T) {
	skipLoad(t)
	order := []bool{true, false, false, true}
	if os.Getenv("ARCHEX_SHED_LONG") != "" {
		order = append(order, true, false, false, true, true, false)
	}
	const seconds = 5
	runs := map[bool]*shedRun{true: {}, false: {}}
	for _, on := range order {
		measureShedding(t, on, false, seconds, runs[on])
	}
	on, off := runs[true], runs[false]
	skipUnmeasured(t, on, off, 2*seconds-2)
	okOn, okOff := middle(on.ok), middle(off.ok)
	p99On, p99Off := middle(on.p99), middle(off.p99)
	t.Logf("medians of %d seconds on, %d off: ok/s on %.0f, off %.0f; p99 on %.1f ms, off %.1f ms", len(on.ok), len(off.ok), okOn, okOff, p99On, p99Off)
	if p99On >= 150 {
		t.Errorf("p99 with shedding on: %.1f ms; want below 150 ms", p99On)
	}
	if okOn < okOff {
		t.Errorf("requests answered OK a second: %.0f with shedding on, %.0f off; want at least as many with it on", okOn, okOff)
	}
	if middle(on.shed) == 0 || middle(off.shed) != 0 {
		t.Errorf("shed a second: on %v, off %v; want some with it on and none off", on.shed, off.shed)
	}
}

// The same overload with the worker running. Without shedding the worker's
// batches wait in the database's line behind some 200 requests, so it
// applies a few batches a second while every answered request leaves an
// event: the backlog grows by hundreds a second. With shedding the line is
// short, the worker keeps up, and it gathers full batches while the
// database is saturated, so it takes a fifth of the statements, not a
// third. Users then get more answers with it on too (907 against 829 OK a
// second in the README's runs), but with the worker competing that margin
// is within one run's swing; what is settled here is the work the system
// did.
func TestSheddingLetsTheWorkerKeepUp(t *testing.T) {
	skipLoad(t)
	const seconds = 4
	runs := map[bool]*shedRun{true: {}, false: {}}
	for _, on := range []bool{true, false} {
		measureShedding(t, on, true, seconds, runs[on])
	}
	on, off := runs[true], runs[false]
	skipUnmeasured(t, on, off, seconds-2)
	jobsOn, jobsOff := middle(on.jobs), middle(off.jobs)
	okOn, okOff := middle(on.ok), middle(off.ok)
	t.Logf("medians: ok/s on %.0f, off %.0f; events applied a second on %.0f, off %.0f", okOn, okOff, jobsOn, jobsOff)
	if jobsOn < 0.8*okOn {
		t.Errorf("with shedding on the worker applied %.0f events a second while %.0f requests answered OK left one each; want it to keep up", jobsOn, okOn)
	}
	if jobsOff > okOff/2 {
		t.Errorf("without shedding the worker applied %.0f events a second for %.0f requests answered OK; it was expected to fall behind (if it no longer does, the comments and the README are wrong)", jobsOff, okOff)
	}
	if got, was := okOn+jobsOn, okOff+jobsOff; got < was {
		t.Errorf("requests answered and events applied a second: %.0f with shedding on, %.0f off; want at least as many with it on", got, was)
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
