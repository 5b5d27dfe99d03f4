package engine

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/cards"
	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/components/traffic"
)

// chaosEverywhere changes every setting there is, as a class in full swing
// would.
func chaosEverywhere(t *testing.T, e *Engine) {
	t.Helper()
	for _, err := range []error{
		e.Kill("cache"), e.Kill("worker"), e.Kill("service-2"),
		e.Slow("database", 20*time.Millisecond), e.FailRate("gateway", 0.3),
		e.Slow("queue", 5*time.Millisecond), e.FailRate("queue", 0.1),
		e.FailRate("service-3", 0.5),
		e.SetAlgorithm(loadbalancer.LeastConn),
		e.SetPool(5), e.SetTTL(2 * time.Second), e.SetKeyRate(50), e.ScaleWorker(3),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	e.SetBreaker(false)
	e.SetSingleflight(false)
	e.SetShedding(true)
	e.SetRate(800)
	e.SetPattern(traffic.Spike)
	e.SetPaused(true)
}

func TestResetPutsTheSystemBackToItsStart(t *testing.T) {
	e := newEngine(t, Options{Rate: 20, Pattern: traffic.Wave})
	start := e.Settings()
	l := e.DefaultLevers()
	want := Settings{Levers: Levers{Breaker: true, Singleflight: true, Algorithm: loadbalancer.RoundRobin,
		Replicas: 3, Workers: l.Workers, Pool: 3, TTL: l.TTL, KeyRate: l.KeyRate}, Rate: 20, Pattern: traffic.Wave}
	for _, p := range start.Parts {
		want.Parts = append(want.Parts, PartSettings{Alias: p.Alias})
	}
	if !reflect.DeepEqual(start, want) {
		t.Fatalf("a new engine's settings:\n got %+v\nwant %+v", start, want)
	}
	if !reflect.DeepEqual(e.StartSettings(), start) {
		t.Errorf("StartSettings %+v, want %+v", e.StartSettings(), start)
	}

	chaosEverywhere(t, e)
	changed := e.Settings()
	if reflect.DeepEqual(changed, start) {
		t.Fatal("the chaos changed no setting")
	}
	if got := changed.part("service").DownReplicas; !reflect.DeepEqual(got, []int{2}) {
		t.Errorf("service replicas down: %v, want [2]", got)
	}
	// One replica's faults are its own: the others stay healthy.
	if got := changed.part("service-3").Fail; got != 0.5 {
		t.Errorf("service-3 fails %v of its calls, want 0.5", got)
	}
	if got := changed.part("service-1").Fail; got != 0 {
		t.Errorf("service-1 fails %v of its calls, want 0", got)
	}
	_, cur := e.Notices(0)
	if err := e.Reset(); err != nil {
		t.Fatal(err)
	}
	if got := e.Settings(); !reflect.DeepEqual(got, start) {
		t.Errorf("after Reset:\n got %+v\nwant %+v", got, start)
	}
	// Seen from the snapshot too: nothing down, nothing degraded by chaos.
	s := waitSnapshot(t, e, func(*Snapshot) bool { return true })
	for _, c := range s.Components {
		if c.State == Down || c.Slow > 0 || c.Fail > 0 {
			t.Errorf("after Reset %s is %s (%s)", c.Name, c.State, c.Note)
		}
	}
	notes, _ := e.Notices(cur)
	var last string
	for _, n := range notes {
		last = n.Text
	}
	for _, want := range []string{"reset to its start:", "revive cache", "revive service-2", "breaker on", "shedding off", "rate 20", "pattern wave", "heal database", "heal service-3"} {
		if !strings.Contains(last, want) {
			t.Errorf("the reset's notice %q lacks %q", last, want)
		}
	}
	// A second reset has nothing to change, and says so.
	if err := e.Reset(); err != nil {
		t.Fatal(err)
	}
	notes, _ = e.Notices(cur)
	if got := notes[len(notes)-1].Text; got != "reset to its start: nothing to change" {
		t.Errorf("a second reset says %q", got)
	}
}

// Restore puts back any settings, not only the start: what was down is
// killed again, what was slowed is slowed again.
func TestRestorePutsBackWhatWasChanged(t *testing.T) {
	e := newEngine(t, Options{Rate: 20})
	chaosEverywhere(t, e)
	saved := e.Settings()
	if err := e.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := e.Restore(saved); err != nil {
		t.Fatal(err)
	}
	if got := e.Settings(); !reflect.DeepEqual(got, saved) {
		t.Errorf("after Restore:\n got %+v\nwant %+v", got, saved)
	}
	if c := e.Settings().Changes(saved); len(c) != 0 {
		t.Errorf("Changes between equal settings: %v", c)
	}
}

// Every card resets, whatever it has: no load balancer, no cache, two
// caches, generic stages.
func TestResetOnEveryCard(t *testing.T) {
	for _, name := range cards.Names() {
		t.Run(name, func(t *testing.T) {
			c, err := cards.Load(name + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			e := newEngine(t, Options{Card: c, Rate: 5})
			start := e.Settings()
			for _, target := range e.Targets() {
				if target == "user" {
					continue
				}
				if err := e.Kill(target); err != nil {
					t.Fatalf("kill %s: %v", target, err)
				}
			}
			e.SetRate(50)
			if err := e.Reset(); err != nil {
				t.Fatal(err)
			}
			if got := e.Settings(); !reflect.DeepEqual(got, start) {
				t.Errorf("after Reset:\n got %+v\nwant %+v", got, start)
			}
		})
	}
}

// waitSnapshot polls for a snapshot taken after now that satisfies ok.
func waitSnapshot(t *testing.T, e *Engine, ok func(*Snapshot) bool) *Snapshot {
	t.Helper()
	from := time.Now()
	deadline := from.Add(5 * time.Second)
	for {
		s := e.Snapshot()
		if s.At.After(from) && ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatal("no fresh snapshot in 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
