package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/archex/archex/components/gateway"
)

// The rate limit per key changes at once for every key but the trial key.
func TestSetKeyRateChangesEveryDemoKey(t *testing.T) {
	s := newSystem(t, nil)
	if err := s.gw.SetKeyRate(1); err != nil {
		t.Fatal(err)
	}
	if got := s.gw.KeyRate(); got != 1 {
		t.Errorf("KeyRate %v after SetKeyRate(1)", got)
	}
	codes := map[int]int{}
	for range 5 {
		codes[s.send("GET", "/products/1", "", key("demo-key-2")).code]++
	}
	if codes[http.StatusTooManyRequests] < 3 {
		t.Errorf("5 requests at once on a limit of 1 req/s (burst %d): %v", gateway.BurstFor(1), codes)
	}
	if err := s.gw.SetKeyRate(1000); err != nil {
		t.Fatal(err)
	}
	// The bucket keeps its (no) tokens and refills at the new rate: a
	// request passes within a few milliseconds.
	passed := false
	for deadline := time.Now().Add(time.Second); !passed && time.Now().Before(deadline); {
		passed = s.send("GET", "/products/1", "", key("demo-key-2")).code == http.StatusOK
	}
	if !passed {
		t.Error("no request passed within a second of raising the limit to 1000 req/s")
	}
	for _, bad := range []float64{0, -1, 5001} {
		if err := s.gw.SetKeyRate(bad); err == nil {
			t.Errorf("SetKeyRate(%v) was taken", bad)
		}
	}
}
