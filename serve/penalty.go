package serve

import (
	"context"
	"sync"
	"time"
)

// Wrong codes are slowed down per address: the first few are typos and
// cost nothing; after that every attempt from the address waits, one at a
// time, twice as long as the one before, up to maxPenalty. An address is
// forgiven after forgetAfter without a wrong code.
const (
	freeFailures = 3
	firstPenalty = 500 * time.Millisecond
	maxPenalty   = 8 * time.Second
	forgetAfter  = 10 * time.Minute
	// maxAddresses bounds the addresses remembered: past it the forgiven
	// ones are forgotten first, then the oldest.
	maxAddresses = 4096
)

// penalties are the wrong codes seen per address.
type penalties struct {
	mu   sync.Mutex
	byIP map[string]*offender
}

type offender struct {
	failures int
	last     time.Time
	// turn lets one attempt at a time through for an address that is
	// being slowed down: parallel connections do not multiply its tries.
	turn chan struct{}
}

func newPenalties() *penalties { return &penalties{byIP: map[string]*offender{}} }

// delay is how long the next attempt from ip waits at now.
func (p *penalties) delay(ip string, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	o := p.byIP[ip]
	if o == nil || now.Sub(o.last) > forgetAfter {
		return 0
	}
	return penaltyFor(o.failures)
}

func penaltyFor(failures int) time.Duration {
	if failures < freeFailures {
		return 0
	}
	d := firstPenalty << min(failures-freeFailures, 10)
	return min(d, maxPenalty)
}

// fail counts a wrong code from ip.
func (p *penalties) fail(ip string, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	o := p.byIP[ip]
	if o == nil || now.Sub(o.last) > forgetAfter {
		if len(p.byIP) >= maxAddresses {
			p.forget(now)
		}
		o = &offender{turn: make(chan struct{}, 1)}
		p.byIP[ip] = o
	}
	o.failures++
	o.last = now
}

// forget drops the forgiven addresses, or the oldest when none is; p.mu is
// held.
func (p *penalties) forget(now time.Time) {
	var oldest string
	for ip, o := range p.byIP {
		if now.Sub(o.last) > forgetAfter {
			delete(p.byIP, ip)
		} else if oldest == "" || o.last.Before(p.byIP[oldest].last) {
			oldest = ip
		}
	}
	if len(p.byIP) >= maxAddresses {
		delete(p.byIP, oldest)
	}
}

// wait holds an attempt from ip for its penalty, one attempt of the
// address at a time; release lets the next one through. It returns early,
// with ok false, when ctx ends.
func (p *penalties) wait(ctx context.Context, ip string, now func() time.Time) (release func(), ok bool) {
	p.mu.Lock()
	o := p.byIP[ip]
	p.mu.Unlock()
	if p.delay(ip, now()) == 0 || o == nil {
		return func() {}, true
	}
	select {
	case o.turn <- struct{}{}:
	case <-ctx.Done():
		return func() {}, false
	}
	release = func() { <-o.turn }
	t := time.NewTimer(p.delay(ip, now()))
	defer t.Stop()
	select {
	case <-t.C:
		return release, true
	case <-ctx.Done():
		release()
		return func() {}, false
	}
}
