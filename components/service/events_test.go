package service_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/archex/archex/components/outbox"
	"github.com/archex/archex/components/service"
	"github.com/archex/archex/components/trace"
)

// A write whose DEL fails is acknowledged; until the relay has retried the
// DEL, reads of the key do not trust the cache, so none returns the old
// price.
func TestAFailedInvalidationLeavesNoStaleRead(t *testing.T) {
	var relayDel gatedCache
	s := newSystem(t, func(su *setup) {
		su.relayCache = func(c service.CacheStore) outbox.Cache { relayDel.CacheStore = c; return &relayDel }
	})
	if _, a := s.readOK(t, 42); a.body.Source != dbName {
		t.Fatalf("first read from %q", a.body.Source)
	}
	if _, a := s.readOK(t, 42); a.body.Source != cacheName {
		t.Fatalf("second read from %q, want the cache", a.body.Source)
	}
	s.cache.Faults().SetFailRate(1)
	wid, a := s.send(0, http.MethodPut, "/products/42", `{"price_cents": 4242}`)
	if a.err != nil || a.code != 200 {
		t.Fatalf("write: %d %v", a.code, a.err)
	}
	if !s.relay.Untrusted("product:42") {
		t.Fatal("the key is trusted although its DEL failed")
	}
	// The cache is well again and still holds the old price; the relay's
	// retry is held back. The read goes past the cache.
	relayDel.blocked.Store(true)
	s.cache.Faults().Heal()
	for range 3 {
		id, a := s.readOK(t, 42)
		if a.body.PriceCents != 4242 || a.body.Source != dbName {
			t.Errorf("read after the acknowledged write got %d from %s, want 4242 from the database", a.body.PriceCents, a.body.Source)
		}
		if hops := s.rec.Of(id); len(hops) < 2 || hops[1].Outcome != trace.Skipped || !strings.Contains(hops[1].Detail, "invalidation of it is pending") {
			t.Errorf("read hops %v: want the cache skipped", steps(hops))
		}
	}
	relayDel.blocked.Store(false)
	eventually(t, 2*time.Second, "the relay retried the DEL", func() bool { return !s.relay.Untrusted("product:42") })
	retried := s.rec.Where(func(h trace.Hop) bool {
		return h.Trace == wid && h.Async && h.Instance == outbox.Instance && h.Op == "DEL"
	})
	if len(retried) != 1 {
		t.Errorf("the write's trace has %d retried DELs, want 1", len(retried))
	}
	if _, a := s.readOK(t, 42); a.body.PriceCents != 4242 {
		t.Errorf("read after the retry got %d, want 4242", a.body.PriceCents)
	}
	eventually(t, 2*time.Second, "the outbox emptied", func() bool {
		n, err := s.db.OutboxRows(context.Background())
		return err == nil && n == 0
	})
}

// gatedCache is a cache whose DELs fail while blocked.
type gatedCache struct {
	service.CacheStore
	blocked atomic.Bool
}

func (c *gatedCache) Del(ctx context.Context, key string) (time.Duration, error) {
	if c.blocked.Load() {
		return 0, errors.New("held back by the test")
	}
	return c.CacheStore.Del(ctx, key)
}
