package engine

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/card"
)

// The state rules, one row each: what a user sees on a box.
func TestHealthRules(t *testing.T) {
	tests := []struct {
		name  string
		st    Status
		state State
		note  string
	}{
		{"up", Status{Kind: card.KindCache}, Up, ""},
		{"killed", Status{Kind: card.KindCache, Killed: true}, Down, "killed"},
		{"a paused user is down, paused", Status{Kind: card.KindClient, Killed: true}, Down, "paused"},
		{"a load balancer with 0/3 healthy serves nothing: down", Status{Kind: card.KindLoadBalancer, Healthy: 0, Replicas: 3}, Down, "0/3 healthy"},
		{"every replica killed", Status{Kind: card.KindService, Healthy: 0, Replicas: 3, Killed: true}, Down, "killed"},
		{"2/3 healthy is degraded", Status{Kind: card.KindLoadBalancer, Healthy: 2, Replicas: 3}, Degraded, "2/3 replicas"},
		{"ejected", Status{Kind: card.KindLoadBalancer, Healthy: 2, Replicas: 3, Ejected: []string{"replica-1"}}, Degraded, "replica-1 ejected"},
		{"breaker open", Status{Kind: card.KindCache, Breaker: "open"}, Open, "breaker open: not called"},
		{"failing", Status{Kind: card.KindDatabase, Fail: 0.1}, Degraded, "failing 10% of calls"},
		{"slowed on one replica", Status{Kind: card.KindService, Healthy: 3, Replicas: 3, Slow: 20 * time.Millisecond, FaultsOn: []string{"replica-1"}}, Degraded, "replica-1 slowed +20ms"},
		{"saturated", Status{Kind: card.KindDatabase, PoolSize: 3, PoolWaiting: 4}, Degraded, "saturated: 4 waiting"},
		{"half-open", Status{Kind: card.KindCache, Breaker: "half-open"}, Degraded, "breaker half-open: trying"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, note := health(tt.st)
			if state != tt.state || note != tt.note {
				t.Errorf("health = %v %q; want %v %q", state, note, tt.state, tt.note)
			}
		})
	}
}

// Every replica killed: the service and the load balancer in front of it
// are DOWN, the service says which replicas are down, and each replica
// comes back on its own.
func TestEveryReplicaKilled(t *testing.T) {
	e := newEngine(t, Options{Rate: 20})
	for _, r := range []string{"service-1", "service-2", "service-3"} {
		if err := e.Kill(r); err != nil {
			t.Fatal(err)
		}
	}
	snapWhere(t, e, "the load balancer DOWN with 0/3 healthy", func(s *Snapshot) bool {
		lb, _ := s.ByKind(card.KindLoadBalancer)
		svc, _ := s.ByKind(card.KindService)
		return lb.State == Down && lb.Note == "0/3 healthy" && !lb.Killed &&
			svc.State == Down && svc.Killed && slices.Equal(svc.DownReplicas, []int{1, 2, 3})
	})
	if err := e.Revive("service-2"); err != nil {
		t.Fatal(err)
	}
	snapWhere(t, e, "replica 2 back alone", func(s *Snapshot) bool {
		svc, _ := s.ByKind(card.KindService)
		return svc.State == Degraded && !svc.Killed && slices.Equal(svc.DownReplicas, []int{1, 3})
	})
}

// Pausing is told as a pause, healing as a heal; a second with a slowed
// component is not a steady one.
func TestNoticesSayWhatHappened(t *testing.T) {
	e := newEngine(t, Options{Rate: 20})
	e.SetPaused(true)
	snapWhere(t, e, "the user paused", func(s *Snapshot) bool {
		u, _ := s.ByKind(card.KindClient)
		return u.State == Down && u.Note == "paused"
	})
	e.SetPaused(false)
	if err := e.Slow("database", 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	waitSeconds(t, e, 2)
	if err := e.Slow("database", 0); err != nil {
		t.Fatal(err)
	}
	if err := e.FailRate("database", 0); err != nil {
		t.Fatal(err)
	}
	waitSeconds(t, e, 1)
	notes, _ := e.Notices(0)
	var texts []string
	for _, n := range notes {
		texts = append(texts, n.Component+": "+n.Text)
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"User: traffic paused", "User: traffic resumed", "Database: added latency removed", "Database: no longer failing calls"} {
		if !strings.Contains(all, want) {
			t.Errorf("notices lack %q:\n%s", want, all)
		}
	}
	for _, bad := range []string{"UP -> DOWN", "slowed by 0s", "failing 0%"} {
		if strings.Contains(all, bad) {
			t.Errorf("notices say %q:\n%s", bad, all)
		}
	}
	slowed := false
	for _, s := range e.History() {
		slowed = slowed || slices.Contains(s.Unwell, "Database")
	}
	if !slowed {
		t.Errorf("no second names the slowed Database as unwell")
	}
}

// snapWhere waits (up to 5 s) for a snapshot that satisfies ok.
func snapWhere(t *testing.T, e *Engine, what string, ok func(*Snapshot) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok(e.Snapshot()) {
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot with %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
