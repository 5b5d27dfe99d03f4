package loadbalancer_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/archex/archex/components/httpnode"
	"github.com/archex/archex/components/loadbalancer"
)

// A backend added joins the rotation once its health check passes, not
// before; one that does not answer its check never joins.
func TestAnAddedBackendJoinsAfterItsHealthCheck(t *testing.T) {
	s := newSystem(t, 2, nil)
	node, err := httpnode.Listen("replica-3", "127.0.0.1:0", s.replica("replica-3", &answerSetting{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(node.Close)
	if err := s.lb.AddBackend(loadbalancer.Backend{Name: "replica-3", Addr: node.Addr()}); err != nil {
		t.Fatal(err)
	}
	if err := s.lb.AddBackend(loadbalancer.Backend{Name: "replica-3", Addr: node.Addr()}); err == nil {
		t.Error("a second backend of the same name was taken")
	}
	eventually(t, 2*time.Second, "replica-3 in rotation", func() bool { return s.lb.InRotation("replica-3") })
	seen := map[string]bool{}
	for range 30 {
		seen[s.get(t)] = true
	}
	if !seen["replica-3"] {
		t.Errorf("replica-3 served nothing in 30 requests after joining: %v", seen)
	}
	if st := s.lb.Stats(); st.Healthy != 3 || len(st.Backends) != 3 {
		t.Errorf("stats after adding: %d healthy of %d", st.Healthy, len(st.Backends))
	}

	// A backend whose health check cannot pass (nothing listens) stays out.
	node.Close()
	s.lb.RemoveBackend("replica-3")
	if err := s.lb.AddBackend(loadbalancer.Backend{Name: "replica-4", Addr: node.Addr()}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // its first check has answered
	for range 30 {
		if got := s.get(t); got == "replica-4" {
			t.Fatal("a request went to a backend whose health check failed")
		}
	}
}

// Draining takes a backend out of the rotation at once and waits for the
// requests it has to finish; they all finish, and none comes after.
func TestDrainingWaitsForTheRequestsInFlight(t *testing.T) {
	s := newSystem(t, 2, func(c *loadbalancer.Config) { c.Algorithm = loadbalancer.RoundRobin })
	var wg sync.WaitGroup
	answers := make(chan answer, 20)
	for range 20 {
		wg.Go(func() { answers <- s.send(http.MethodGet, "/slow", "") })
	}
	eventually(t, 2*time.Second, "20 requests held", func() bool {
		n := 0
		for _, b := range s.lb.Stats().Backends {
			n += b.Active
		}
		return n == 20
	})
	drained := make(chan error, 1)
	go func() { drained <- s.lb.DrainBackend(context.Background(), "replica-2") }()
	eventually(t, time.Second, "replica-2 out of rotation", func() bool { return !s.lb.InRotation("replica-2") })
	for range 10 {
		if got := s.get(t); got != "replica-1" {
			t.Fatalf("a request went to %s while it drained", got)
		}
	}
	select {
	case err := <-drained:
		t.Fatalf("the drain ended with requests in flight: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	s.finish()
	if err := <-drained; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(answers)
	for a := range answers {
		if a.err != nil || a.code != http.StatusOK {
			t.Errorf("a request in flight during the drain: %d %v", a.code, a.err)
		}
	}
	s.lb.RemoveBackend("replica-2")
	var names []string
	for _, b := range s.lb.Stats().Backends {
		names = append(names, b.Name)
	}
	if !slices.Equal(names, []string{"replica-1"}) {
		t.Errorf("backends after the removal: %v", names)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if err := s.lb.DrainBackend(ctx, "replica-9"); err == nil {
		t.Error("draining an unknown backend succeeded")
	}
}

// While requests flow, a drain never lets one slip past it: every request
// sent to the draining backend was counted before the drain ended.
func TestNoRequestReachesABackendAfterItsDrain(t *testing.T) {
	s := newSystem(t, 3, nil)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				s.send(http.MethodGet, "/", "")
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	if err := s.lb.DrainBackend(context.Background(), "replica-3"); err != nil {
		t.Fatal(err)
	}
	served := func() int64 {
		for _, b := range s.lb.Stats().Backends {
			if b.Name == "replica-3" {
				return b.Served
			}
		}
		return -1
	}
	after := served()
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	if got := served(); got != after {
		t.Errorf("replica-3 was sent %d requests after its drain ended", got-after)
	}
}
