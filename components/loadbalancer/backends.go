package loadbalancer

import (
	"context"
	"fmt"
	"time"
)

// The backend list changes while requests flow: a replica added joins the
// rotation after its first health check passes; one removed drains first
// (it leaves the rotation, the requests it has finish, then it goes). The
// list is replaced whole on every change, so a request routing against the
// old list is never confused by the new one.
//
// Draining must not race with routing: a request that chose a backend just
// before it started draining must be counted before the drain looks at the
// count. So pick reserves the backend it chooses (its active count goes up)
// and then looks again at whether it is draining, while a drain first marks
// the backend and then reads the count. With sequentially consistent
// atomics one of the two sees the other: either pick sees the mark and
// takes its reservation back, or the drain sees the reservation and waits
// for it.

// backends is the current list; callers must not change it.
func (lb *LB) backends() []*backend { return *lb.pool.Load() }

// pick chooses a replica for a request (see choose) and reserves it: its
// count of requests in flight is up by one until release.
func (lb *LB) pick(tried []*backend) *backend {
	for {
		b := lb.choose(tried)
		if b == nil {
			return nil
		}
		b.active.Add(1)
		if !b.draining.Load() {
			return b
		}
		b.release() // it started draining meanwhile: choose again
		tried = append(tried[:len(tried):len(tried)], b)
	}
}

// release ends one request's reservation of b.
func (b *backend) release() { b.active.Add(-1) }

// AddBackend puts a replica behind the load balancer. It joins the rotation
// once a health check passes: one is sent at once, then the checks go on
// at the usual interval. A name already there is refused.
func (lb *LB) AddBackend(b Backend) error {
	lb.poolMu.Lock()
	defer lb.poolMu.Unlock()
	old := lb.backends()
	for _, x := range old {
		if x.Name == b.Name {
			return fmt.Errorf("%s: a backend named %s is there already", lb.cfg.Name, b.Name)
		}
	}
	be := &backend{Backend: b} // not healthy until its check says so
	pool := append(old[:len(old):len(old)], be)
	lb.pool.Store(&pool)
	lb.wg.Add(1)
	go func() {
		defer lb.wg.Done()
		select {
		case <-lb.stop:
		default:
			be.healthy.Store(lb.probe(be))
		}
	}()
	return nil
}

// InRotation reports whether the named backend gets requests now: healthy,
// not ejected, not draining.
func (lb *LB) InRotation(name string) bool {
	var now time.Time
	for _, b := range lb.backends() {
		if b.Name == name {
			return !b.draining.Load() && lb.inRotation(b, &now)
		}
	}
	return false
}

// DrainBackend takes a replica out of the rotation and waits, up to ctx,
// until the requests sent to it have finished. It stays on the list
// (draining) until RemoveBackend.
func (lb *LB) DrainBackend(ctx context.Context, name string) error {
	b := lb.backend(name)
	if b == nil {
		return fmt.Errorf("%s: no backend named %s", lb.cfg.Name, name)
	}
	b.draining.Store(true)
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for b.active.Load() > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %s still has %d requests in flight: %w", lb.cfg.Name, name, b.active.Load(), ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// RemoveBackend takes a replica off the list. Drain it first, or the
// requests it has in flight are cut off from the rotation's books (they
// still finish).
func (lb *LB) RemoveBackend(name string) {
	lb.poolMu.Lock()
	defer lb.poolMu.Unlock()
	old := lb.backends()
	pool := make([]*backend, 0, len(old))
	for _, b := range old {
		if b.Name != name {
			pool = append(pool, b)
		}
	}
	lb.pool.Store(&pool)
}

func (lb *LB) backend(name string) *backend {
	for _, b := range lb.backends() {
		if b.Name == name {
			return b
		}
	}
	return nil
}
