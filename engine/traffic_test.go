package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/archex/archex/components/trace"
)

// seededRun runs an engine's traffic for d under script, planned ahead as
// the headless runner does, and returns the requests sent in each second
// and every request by trace id (product, write).
func seededRun(t *testing.T, seed uint64, script []string, d time.Duration) (perSecond []int, requests map[trace.ID]string) {
	e := newEngine(t, Options{Seed: seed, Rate: 150})
	var faults []Fault
	for _, s := range script {
		f, err := ParseFault(s)
		if err != nil {
			t.Error(err)
			return nil, nil
		}
		faults = append(faults, f)
	}
	rest := e.Plan(faults, d)
	e.Start()
	for _, f := range rest {
		time.AfterFunc(f.At, func() { e.Apply(f) })
	}
	select {
	case <-e.TrafficEnded():
	case <-time.After(d + 10*time.Second):
		t.Error("the traffic never ended")
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.user.Wait(ctx); err != nil {
		t.Error(err)
	}
	n := int(d / time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for len(e.History()) < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	requests = map[trace.ID]string{}
	ts, _ := e.TracesSince(0, keepDone)
	for _, tr := range ts {
		requests[tr.ID] = fmt.Sprintf("%d/%v", tr.Product, tr.Write)
	}
	for _, s := range e.History() {
		perSecond = append(perSecond, s.Sent)
	}
	return perSecond, requests
}

// Two engines with the same seed and the same script, run side by side on
// two busy cores, send the same requests in the same seconds: the rate and
// pattern changes happen at their point of the schedule, not when a timer
// gets round to them.
func TestTheSameSeedAndScriptSendTheSameSeconds(t *testing.T) {
	script := []string{"rate 300 @1s", "pattern spike @1500ms", "kill cache @2s"}
	const d = 3 * time.Second
	var wg sync.WaitGroup
	var per [2][]int
	var reqs [2]map[trace.ID]string
	for i := range 2 {
		wg.Go(func() { per[i], reqs[i] = seededRun(t, 5, script, d) })
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if len(per[0]) < 3 || len(per[1]) < 3 {
		t.Fatalf("seconds closed: %v and %v", per[0], per[1])
	}
	for k := range 3 {
		if per[0][k] != per[1][k] {
			t.Errorf("second %d: %d and %d sent (%v, %v)", k, per[0][k], per[1][k], per[0], per[1])
		}
	}
	// 150/s, then 300/s, then a spike of 1200/s from 6.5 s: after the run.
	if per[0][0] < 100 || per[0][1] < 220 || per[0][2] < 220 {
		t.Errorf("sent per second %v, want about 150, 300, 300", per[0])
	}
	if len(reqs[0]) < 500 || len(reqs[0]) != len(reqs[1]) {
		t.Fatalf("%d and %d traces", len(reqs[0]), len(reqs[1]))
	}
	for id, r := range reqs[0] {
		if reqs[1][id] != r {
			t.Fatalf("trace %s: %s and %s", id, r, reqs[1][id])
		}
	}
}
