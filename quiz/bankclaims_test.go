package quiz

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/gateway"
	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/components/queue"
	"github.com/archex/archex/components/service"
	"github.com/archex/archex/components/traffic"
	"github.com/archex/archex/components/worker"
)

// The bank's claims that rest on a constant of the system are checked here
// against the constant, so that a change to the system that makes a
// question untrue fails a test instead of misleading a learner.

// bankQuestion returns the bank's question id.
func bankQuestion(t *testing.T, id string) card.Question {
	t.Helper()
	for _, q := range DefaultBank().Questions {
		if q.ID == id {
			return q
		}
	}
	t.Fatalf("the bank has no question %s", id)
	return card.Question{}
}

// claim checks that question id's prompt and right option say each of the
// texts given, and that its right option's text is right.
func claim(t *testing.T, id string, prompt []string, right string) {
	t.Helper()
	q := bankQuestion(t, id)
	for _, s := range prompt {
		if !strings.Contains(q.Prompt, s) {
			t.Errorf("%s: the prompt does not say %q: %s", id, s, q.Prompt)
		}
	}
	if got := q.Options[q.Answer()].Text; !strings.Contains(got, right) {
		t.Errorf("%s: the right option %q does not say %q", id, got, right)
	}
}

func TestBankClaimsOnTheDatabasePool(t *testing.T) {
	pool, stmt := database.DefaultPool, database.DefaultLatency.Base
	capacity := float64(pool) * float64(time.Second) / float64(stmt) // statements/s
	claim(t, "db-pool-capacity", []string{fmt.Sprintf("pool of %d connections", pool), fmt.Sprintf("%d ms", stmt.Milliseconds())},
		fmt.Sprintf("%.0f", capacity))
	claim(t, "db-saturation", []string{fmt.Sprintf("about %.0f statements", capacity)}, "500 ms deadline")
	// Little's law: 150 statements/s held 8 ms each.
	claim(t, "db-littles-law", []string{fmt.Sprintf("its %d connections", pool), fmt.Sprintf("%d ms", stmt.Milliseconds())},
		fmt.Sprintf("About %.1f", 150*stmt.Seconds()))
	claim(t, "db-bigger-pool", []string{fmt.Sprintf("from %d to", pool)}, "")
	claim(t, "lb-bottleneck", []string{fmt.Sprintf("about %.0f statements/s", capacity)}, "database")
	if d := service.DefaultTimeout; d != 500*time.Millisecond {
		t.Errorf("the service's deadline is %v; db-saturation, timeout-* and retry-not-504 say 500 ms", d)
	}
	if d := traffic.DefaultTimeout; d != 2*time.Second {
		t.Errorf("the user waits %v; timeout-layers says 2 s", d)
	}
	if r := traffic.DefaultReadRatio; r != 0.9 {
		t.Errorf("read ratio %v; cache-hit-ratio says 9 in 10 requests are reads", r)
	}
}

func TestBankClaimsOnTheBreakerAndTheCache(t *testing.T) {
	b := service.DefaultBreaker
	if b.Failures != 5 || b.OpenFor != time.Second {
		t.Errorf("breaker %+v; cache-breaker-* say it opens after 5 failures for 1 s", b)
	}
	claim(t, "cache-breaker-closed", nil, fmt.Sprintf("%d in a row", b.Failures))
	claim(t, "cache-breaker-half-open", []string{fmt.Sprintf("(%.0f s)", b.OpenFor.Seconds())}, "exactly one trial call")
	if ttl := service.DefaultTTL; ttl != time.Minute {
		t.Errorf("TTL %v; cache-ttl and cache-evict-archex say 60 s", ttl)
	}
}

func TestBankClaimsOnTheQueueAndTheWorker(t *testing.T) {
	claim(t, "mq-dead-letter", nil, fmt.Sprintf("%dth delivery", queue.DefaultMaxTries))
	claim(t, "mq-redelivery", nil, fmt.Sprintf("after %.0f s idle", worker.DefaultClaimIdle.Seconds()))
	claim(t, "mq-undecodable", nil, "first delivery")
	if worker.DefaultConsumers != 2 {
		t.Errorf("the worker has %d consumers; mq-consumer-group says two", worker.DefaultConsumers)
	}
}

// mq-undecodable says a message that cannot be decoded is dead-lettered on
// its first delivery: put one in the stream of a real queue and watch the
// worker.
func TestBankClaimUndecodableMessageIsDeadLetteredAtOnce(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	q, err := queue.Open(queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	db, err := database.Open(database.Config{Dir: t.TempDir(), Products: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w, err := worker.New(worker.Config{Queue: q, Store: db, ClaimIdle: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(&redis.Options{Addr: q.Addr()})
	defer rc.Close()
	if err := rc.XAdd(context.Background(), &redis.XAddArgs{Stream: q.Stream(), Values: []any{"type", "product.viewed", "product", "forty-two"}}).Err(); err != nil {
		t.Fatal(err)
	}
	w.Start()
	defer w.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for q.Stats().DeadLettered == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the undecodable message was not dead-lettered within 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	dl, err := q.DeadLetters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(dl) != 1 || dl[0].Tries != 1 {
		t.Fatalf("dead letters %+v, want one, after 1 delivery", dl)
	}
}

// gw-token-bucket says a full trial bucket lets 2 of 10 simultaneous
// requests through and answers the other 8 with 429 and Retry-After 1.
func TestBankClaimTokenBucketRetryAfter(t *testing.T) {
	var trial gateway.Key
	for _, k := range gateway.DefaultKeys {
		if k.Key == "trial-key" {
			trial = k
		}
	}
	if trial.Rate != 2 || trial.Burst != 2 {
		t.Fatalf("trial key %+v; gw-token-bucket says 2 tokens, 2 per second", trial)
	}
	claim(t, "gw-token-bucket", []string{"at most 2 tokens", "2 per second"}, "Retry-After 1")
	g := gateway.New(gateway.Config{})
	h := g.Wrap("replica-1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	var (
		mu    sync.Mutex
		codes = map[int]int{}
		after = map[string]int{}
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := httptest.NewRequest("GET", "/products/1", nil)
			r.Header.Set(gateway.HeaderKey, "trial-key")
			w := httptest.NewRecorder()
			<-start
			h.ServeHTTP(w, r)
			mu.Lock()
			defer mu.Unlock()
			codes[w.Code]++
			if w.Code == http.StatusTooManyRequests {
				after[w.Header().Get("Retry-After")]++
			}
		}()
	}
	close(start)
	wg.Wait()
	if codes[http.StatusOK] != 2 || codes[http.StatusTooManyRequests] != 8 || after["1"] != 8 {
		t.Errorf("10 requests at once: codes %v, Retry-After %v; want 2 passed, 8 answered 429 with Retry-After 1", codes, after)
	}
}

func TestBankClaimsOnTheLoadBalancer(t *testing.T) {
	if d := loadbalancer.DefaultHealthInterval; d != 250*time.Millisecond {
		t.Errorf("health checks every %v; lb-health-check says 250 ms", d)
	}
	claim(t, "lb-health-check", nil, fmt.Sprintf("every %d ms", loadbalancer.DefaultHealthInterval.Milliseconds()))
	claim(t, "lb-retry-idempotent", nil, "GET, HEAD and OPTIONS")
}
