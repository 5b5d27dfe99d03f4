package tui

import (
	"testing"
	"time"

	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/engine"
)

// The header names a TTL or rate limit turned, which no box shows, and not
// the algorithm, which the switches line shows already.
func TestHeaderNamesOnlyTheLeversShownNowhereElse(t *testing.T) {
	def := engine.Levers{TTL: time.Minute, KeyRate: 1000, Algorithm: loadbalancer.RoundRobin}
	l := def
	l.TTL, l.KeyRate, l.Algorithm = time.Second, 100, loadbalancer.LeastConn
	if got, want := leversAway(l, def), " · ttl 1s · limit 100/s"; got != want {
		t.Errorf("leversAway = %q, want %q", got, want)
	}
	if got := leversAway(def, def); got != "" {
		t.Errorf("at their defaults: %q, want nothing", got)
	}
}
