package engine

import (
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestMeasureTheTopRate measures how well the user keeps to its schedule at
// a high rate through the production card, on this machine: how late the
// arrivals leave, and what the users get. It backs traffic.MaxRate. Run it
// with ARCHEX_MEASURE_RATE=5000 (any rate) go test ./engine -run MeasureTheTopRate -v.
func TestMeasureTheTopRate(t *testing.T) {
	v := os.Getenv("ARCHEX_MEASURE_RATE")
	if v == "" {
		t.Skip("set ARCHEX_MEASURE_RATE to a rate to measure")
	}
	rate, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, Options{Rate: rate})
	e.Plan(nil, 10*time.Second)
	e.Start()
	var lates []time.Duration
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	ended := e.TrafficEnded()
sample:
	for {
		select {
		case <-ended:
			break sample
		case <-tick.C:
			lates = append(lates, e.user.Stats().Late)
		}
	}
	waitSeconds(t, e, 0)
	for len(e.History()) < 10 {
		time.Sleep(50 * time.Millisecond)
	}
	slices.Sort(lates)
	st := e.user.Stats()
	t.Logf("rate %v: lateness of the last arrival, sampled every 10 ms: median %v, p99 %v, max %v (max over every arrival %v)",
		rate, lates[len(lates)/2], lates[len(lates)*99/100], lates[len(lates)-1], st.MaxLate)
	for _, s := range e.History()[:10] {
		t.Logf("second %d: sent %d ok %d failed %d p50 %.1f ms p99 %.1f ms", s.T, s.Sent, s.OK, s.Failed, s.P50, s.P99)
	}
}
