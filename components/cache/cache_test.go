package cache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/archex/archex/components/cache"
	"github.com/archex/archex/components/model"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func open(t *testing.T, cfg cache.Config) *cache.Cache {
	t.Helper()
	c, err := cache.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func get(t *testing.T, c *cache.Cache, key string) (string, bool) {
	t.Helper()
	v, hit, _, err := c.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("GET %s: %v", key, err)
	}
	return v, hit
}

func set(t *testing.T, c *cache.Cache, key, value string, ttl time.Duration) {
	t.Helper()
	if _, err := c.Set(context.Background(), key, value, ttl); err != nil {
		t.Fatalf("SET %s: %v", key, err)
	}
}

// commands are the three calls the service makes, on key "k", by name.
func commands(c *cache.Cache) map[string]func(ctx context.Context) error {
	return map[string]func(ctx context.Context) error{
		"GET": func(ctx context.Context) error { _, _, _, err := c.Get(ctx, "k"); return err },
		"SET": func(ctx context.Context) error { _, err := c.Set(ctx, "k", "v", time.Minute); return err },
		"DEL": func(ctx context.Context) error { _, err := c.Del(ctx, "k"); return err },
	}
}

func TestGetMissSetHitDelMiss(t *testing.T) {
	c := open(t, cache.Config{})
	if v, hit := get(t, c, "product:1"); hit || v != "" {
		t.Fatalf("cold GET: %q, hit %v; want a miss", v, hit)
	}
	set(t, c, "product:1", `{"id":1}`, time.Minute)
	if v, hit := get(t, c, "product:1"); !hit || v != `{"id":1}` {
		t.Fatalf("GET after SET: %q, hit %v; want the value", v, hit)
	}
	if _, err := c.Del(context.Background(), "product:1"); err != nil {
		t.Fatal(err)
	}
	if _, hit := get(t, c, "product:1"); hit {
		t.Fatal("GET after DEL hit")
	}
	if _, err := c.Del(context.Background(), "product:404"); err != nil {
		t.Errorf("DEL of a missing key: %v, want no error", err)
	}
}

func TestStatsCountHitsMissesAndKeys(t *testing.T) {
	c := open(t, cache.Config{})
	set(t, c, "a", "1", time.Minute)
	set(t, c, "b", "2", time.Minute)
	get(t, c, "a")
	get(t, c, "a")
	get(t, c, "b")
	get(t, c, "nope")
	st := c.Stats()
	if st.Hits != 3 || st.Misses != 1 || st.Keys != 2 || st.Errors != 0 || st.Down {
		t.Errorf("stats %+v, want 3 hits, 1 miss, 2 keys, no errors, up", st)
	}
}

func TestTTLExpiresWithRealTime(t *testing.T) {
	c := open(t, cache.Config{})
	set(t, c, "forever", "x", 0)
	set(t, c, "short", "y", 600*time.Millisecond)
	if _, hit := get(t, c, "short"); !hit {
		t.Fatal("a key with a 600 ms TTL was gone at once")
	}
	eventually(t, 5*time.Second, "the key did not expire", func() bool {
		_, hit := get(t, c, "short")
		return !hit
	})
	if _, hit := get(t, c, "forever"); !hit {
		t.Error("a key without a TTL expired")
	}
	if st := c.Stats(); st.Keys != 1 {
		t.Errorf("keys %d after the expiry, want 1", st.Keys)
	}
}

func TestModeledLatencyIsWaited(t *testing.T) {
	c := open(t, cache.Config{Latency: model.Latency{Base: 30 * time.Millisecond}})
	_, _, took, err := c.Get(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	if took < 30*time.Millisecond {
		t.Errorf("GET took %v, want at least the modeled 30 ms", took)
	}
}

func TestKilledCacheFailsWithErrDownAfterTheDeadHostCost(t *testing.T) {
	tests := []struct {
		name     string
		deadHost time.Duration
		atLeast  time.Duration
	}{
		{"dead host cost", 60 * time.Millisecond, 60 * time.Millisecond},
		{"no dead host cost", -1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := open(t, cache.Config{DeadHost: tt.deadHost, Timeout: -1})
			set(t, c, "k", "v", time.Minute) // a pooled connection to the old server
			c.Kill()
			if !c.Down() || !c.Stats().Down {
				t.Fatal("not down after Kill")
			}
			for op, call := range commands(c) {
				start := time.Now()
				err := call(context.Background())
				took := time.Since(start)
				if !errors.Is(err, model.ErrDown) {
					t.Errorf("%s on a killed cache: %v, want an error wrapping model.ErrDown", op, err)
				}
				// Not instant when a dead host is modeled; never seconds.
				if took < tt.atLeast || took > 2*time.Second {
					t.Errorf("%s on a killed cache failed after %v, want at least %v and well under seconds", op, took, tt.atLeast)
				}
			}
			if st := c.Stats(); st.Errors != 3 {
				t.Errorf("errors %d, want 3", st.Errors)
			}
		})
	}
}

// A cache that answers late is cut off by the call timeout, for every
// command; the caller's own deadline is not reported as the cache's timeout.
func TestCallsAreBoundedByTheTimeout(t *testing.T) {
	c := open(t, cache.Config{Timeout: 10 * time.Millisecond})
	c.Faults().SetSlow(time.Second)
	for op, call := range commands(c) {
		start := time.Now()
		err := call(context.Background())
		took := time.Since(start)
		if !errors.Is(err, cache.ErrTimeout) || errors.Is(err, model.ErrDown) {
			t.Errorf("%s on a cache slowed by 1 s: %v, want cache.ErrTimeout (and not down)", op, err)
		}
		// The slowed call would take a second; the timeout ends it.
		if took > 500*time.Millisecond {
			t.Errorf("%s on a cache slowed by 1 s returned after %v; want the 10 ms timeout to end it", op, took)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	c2 := open(t, cache.Config{Timeout: time.Minute})
	c2.Faults().SetSlow(time.Second)
	if _, _, _, err := c2.Get(ctx, "k"); errors.Is(err, cache.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("GET past the caller's own deadline: %v, want the caller's context.DeadlineExceeded, not the cache's timeout", err)
	}
	c.Faults().Heal()
	get(t, c, "k")
}

// A killed cache never answers: the call ends at the timeout, before the
// dead-host cost, and says both.
func TestKilledCacheCallEndsAtTheTimeout(t *testing.T) {
	c := open(t, cache.Config{DeadHost: time.Second, Timeout: 10 * time.Millisecond})
	set(t, c, "k", "v", time.Minute)
	c.Kill()
	start := time.Now()
	_, _, _, err := c.Get(context.Background(), "k")
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("GET on a killed cache took %v; want the 10 ms timeout to end the 1 s dead-host wait", took)
	}
	if !errors.Is(err, model.ErrDown) || !errors.Is(err, cache.ErrTimeout) {
		t.Errorf("GET on a killed cache: %v, want both model.ErrDown and cache.ErrTimeout", err)
	}
}

func TestTimeoutDefaultsToTenTimesTheModeledLatency(t *testing.T) {
	for _, tt := range []struct {
		base, want time.Duration
	}{
		{0, cache.DefaultTimeout},
		{time.Millisecond, 10 * time.Millisecond},
		{5 * time.Millisecond, 50 * time.Millisecond},
	} {
		c := open(t, cache.Config{Latency: model.Latency{Base: tt.base}})
		if got := c.Timeout(); got != tt.want {
			t.Errorf("modeled base %v: timeout %v, want %v", tt.base, got, tt.want)
		}
	}
}

func TestReviveStartsAnEmptyCacheOnTheSameAddress(t *testing.T) {
	c := open(t, cache.Config{DeadHost: -1})
	addr := c.Addr()
	set(t, c, "product:1", "warm", time.Minute)
	c.Kill()
	c.Kill() // a second kill is harmless
	if err := c.Revive(); err != nil {
		t.Fatal(err)
	}
	if c.Down() || c.Addr() != addr {
		t.Fatalf("after revive: down %v on %s, want up on %s", c.Down(), c.Addr(), addr)
	}
	if _, hit := get(t, c, "product:1"); hit {
		t.Error("a revived cache still had a key from before the kill")
	}
	if st := c.Stats(); st.Keys != 0 {
		t.Errorf("keys %d after revive, want 0", st.Keys)
	}
	set(t, c, "product:1", "cold", time.Minute)
	if v, hit := get(t, c, "product:1"); !hit || v != "cold" {
		t.Errorf("GET after SET on the revived cache: %q, %v", v, hit)
	}
	if err := c.Revive(); err != nil {
		t.Errorf("revive of a live cache: %v", err)
	}
	if _, hit := get(t, c, "product:1"); !hit {
		t.Error("revive of a live cache emptied it")
	}
}

func TestInjectedFailuresAreErrors(t *testing.T) {
	c := open(t, cache.Config{})
	c.Faults().SetFailRate(1)
	if _, _, _, err := c.Get(context.Background(), "k"); !errors.Is(err, model.ErrInjected) {
		t.Errorf("GET under fail rate 1: %v, want model.ErrInjected", err)
	}
	if st := c.Stats(); st.Errors != 1 || st.Misses != 0 {
		t.Errorf("stats %+v, want one error and no miss", st)
	}
	c.Faults().Heal()
	get(t, c, "k")
}

func TestCancelledCallReturnsTheContextError(t *testing.T) {
	c := open(t, cache.Config{Latency: model.Latency{Base: time.Hour}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, _, _, err := c.Get(ctx, "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("GET with an expiring context: %v, want context.DeadlineExceeded", err)
	}
}
