package loadbalancer

import (
	"net/http"
	"time"
)

// ejected reports whether b is out of rotation at now for its answers.
func (b *backend) ejected(now time.Time) bool {
	until := b.ejectedUntil.Load()
	return until != 0 && now.UnixNano() < until
}

// inRotation reports whether b may be sent a request: it passes its health
// checks and is not ejected. now is read from the clock the first time an
// ejection needs it, and kept for the caller's next backend.
func (lb *LB) inRotation(b *backend, now *time.Time) bool {
	if !b.healthy.Load() {
		return false
	}
	until := b.ejectedUntil.Load()
	if until == 0 {
		return true
	}
	if now.IsZero() {
		*now = lb.cfg.Now()
	}
	if now.UnixNano() < until {
		return false
	}
	// The ejection is over: back in rotation, with a clean record.
	b.ejectedUntil.CompareAndSwap(until, 0)
	return true
}

// observe counts one answer of b for outlier detection: a 5xx, or no
// answer at all, lengthens its run of failures; anything else ends it.
func (lb *LB) observe(b *backend, failed bool) {
	if !failed {
		if b.fails.Load() != 0 {
			b.fails.Store(0)
		}
		return
	}
	if b.fails.Add(1) >= int64(lb.cfg.Outlier.Consecutive5xx) {
		lb.eject(b)
	}
}

// eject takes b out of rotation for the ejection time, unless a third of
// the replicas (rounded down) are out already. Then it stays in, its run of
// failures goes on counting, and its next 5xx asks again.
func (lb *LB) eject(b *backend) {
	lb.ejectMu.Lock()
	defer lb.ejectMu.Unlock()
	now := lb.cfg.Now()
	if b.ejected(now) {
		return
	}
	out, serving := 0, 0
	for _, x := range lb.backends() {
		if x.draining.Load() {
			continue // leaving anyway: not one of the replicas to keep
		}
		serving++
		if x.ejected(now) {
			out++
		}
	}
	if out+1 > serving/3 {
		return
	}
	b.fails.Store(0)
	b.ejectedUntil.Store(now.Add(lb.cfg.Outlier.EjectFor).UnixNano())
	lb.ejections.Add(1)
}

// overloaded reports whether resp is a replica shedding load: a 503 that
// says when to come back (Retry-After). The replica is healthy and asked
// for less traffic; retrying elsewhere would add load where the bottleneck
// is shared (the database), and ejecting it would only move its share onto
// the others.
func overloaded(resp *http.Response) bool {
	return resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != ""
}

// failedAnswer reports whether resp counts against its replica.
func failedAnswer(resp *http.Response) bool {
	return resp.StatusCode >= 500 && !overloaded(resp)
}

// retriable reports whether another replica may do better than this answer:
// a 502 or a 503 (not a 504: the request may have done its work, slowly).
func retriable(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusBadGateway:
		return true
	case http.StatusServiceUnavailable:
		return !overloaded(resp)
	}
	return false
}
