package engine

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/archex/archex/components/gateway"
	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/components/service"
)

// Levers are the settings an engineer turns while the system runs: how
// much of each resource there is, and the switches. Each is safe to turn
// under load (see each method). A lever the card has no component for is
// zero (no worker: Workers 0).
type Levers struct {
	Replicas int           // service replicas, 1 to service.MaxReplicas
	Workers  int           // the worker's consumers, 1 to worker.MaxConsumers
	Pool     int           // the database's connections, 1 to database.MaxPool
	TTL      time.Duration // what the service's cache fills live, MinTTL to MaxTTL
	KeyRate  float64       // the gateway's rate limit per API key, req/s, 1 to gateway.MaxKeyRate

	Breaker, Singleflight, Shedding bool
	Algorithm                       loadbalancer.Algorithm // "" without a load balancer
}

// Bounds of the TTL lever.
const (
	MinTTL = time.Second
	MaxTTL = time.Hour
)

// Levers are the settings now. Replicas is the number asked for: replicas
// join and leave one at a time (see ScaleService), and Snapshot's service
// status counts those running.
func (e *Engine) Levers() Levers {
	l := Levers{Replicas: int(e.scale.want.Load())}
	svc := e.svc.Stats()
	l.Breaker, l.Singleflight, l.Shedding = svc.BreakerOn, svc.SingleflightOn, svc.SheddingOn
	if len(e.caches) > 0 {
		l.TTL = e.svc.TTL()
	}
	if e.worker != nil {
		l.Workers = e.worker.Consumers()
	}
	if e.db != nil {
		l.Pool = e.db.Stats().Pool
	}
	if e.gw != nil {
		l.KeyRate = e.gw.KeyRate()
	}
	if e.lb != nil {
		l.Algorithm = e.lb.Stats().Algorithm
	}
	return l
}

// DefaultLevers are the settings the engine started with: the card's and
// the options'. Setting them back (SetLevers) undoes every lever.
func (e *Engine) DefaultLevers() Levers { return e.defaults }

// SetLevers turns every lever that differs from l to l's setting, each
// with its notice; a zero field is left alone. It stops at the first error.
func (e *Engine) SetLevers(l Levers) error {
	cur := e.Levers()
	steps := []struct {
		differs bool
		set     func() error
	}{
		{l.Replicas != 0 && l.Replicas != cur.Replicas, func() error { return e.ScaleService(l.Replicas) }},
		{l.Workers != 0 && l.Workers != cur.Workers, func() error { return e.ScaleWorker(l.Workers) }},
		{l.Pool != 0 && l.Pool != cur.Pool, func() error { return e.SetPool(l.Pool) }},
		{l.TTL != 0 && l.TTL != cur.TTL, func() error { return e.SetTTL(l.TTL) }},
		{l.KeyRate != 0 && l.KeyRate != cur.KeyRate, func() error { return e.SetKeyRate(l.KeyRate) }},
		{l.Breaker != cur.Breaker, func() error { e.SetBreaker(l.Breaker); return nil }},
		{l.Singleflight != cur.Singleflight, func() error { e.SetSingleflight(l.Singleflight); return nil }},
		{l.Shedding != cur.Shedding, func() error { e.SetShedding(l.Shedding); return nil }},
		{l.Algorithm != "" && l.Algorithm != cur.Algorithm, func() error { return e.SetAlgorithm(l.Algorithm) }},
	}
	for _, s := range steps {
		if s.differs {
			if err := s.set(); err != nil {
				return err
			}
		}
	}
	return nil
}

// ScaleWorker sets how many consumers the worker runs: more start at once;
// the newest of the rest finish the batch in hand (applied and
// acknowledged) and leave, so nothing is redelivered.
func (e *Engine) ScaleWorker(n int) error {
	if e.worker == nil {
		return fmt.Errorf("card %q has no background worker", e.card.Title)
	}
	was := e.worker.Consumers()
	if err := e.worker.SetConsumers(n); err != nil {
		return err
	}
	e.notes.add(time.Now(), e.worker.Name(), fmt.Sprintf("consumers %d -> %d", was, n), LevelInfo)
	return nil
}

// SetPool sets how many connections the database's pool has: a larger pool
// opens them as statements need them; a smaller one closes each surplus
// connection as its statement finishes, and new statements wait for one of
// those left.
func (e *Engine) SetPool(n int) error {
	if e.db == nil {
		return fmt.Errorf("card %q has no database", e.card.Title)
	}
	was := e.db.Stats().Pool
	if err := e.db.SetPool(n); err != nil {
		return err
	}
	text := fmt.Sprintf("pool %d -> %d connections", was, n)
	if n < was {
		text += ": the surplus closes as each comes back"
	}
	e.notes.add(time.Now(), e.db.Name(), text, LevelInfo)
	return nil
}

// SetTTL sets the time to live of the service's cache fills from now on;
// keys in the cache keep the TTL they were written with.
func (e *Engine) SetTTL(d time.Duration) error {
	if len(e.caches) == 0 {
		return fmt.Errorf("card %q has no cache", e.card.Title)
	}
	if d < MinTTL || d > MaxTTL {
		return fmt.Errorf("a TTL of %v: give %v to %v", d, MinTTL, MaxTTL)
	}
	was := e.svc.TTL()
	e.svc.SetTTL(d)
	e.notes.add(time.Now(), e.caches[0].Name(), fmt.Sprintf("TTL %v -> %v for new fills (cached keys keep theirs)", was, d), LevelInfo)
	return nil
}

// SetKeyRate sets the gateway's rate limit per API key (requests per
// second) from now on; a key over it is answered 429.
func (e *Engine) SetKeyRate(r float64) error {
	if e.gw == nil {
		return fmt.Errorf("card %q has no API gateway", e.card.Title)
	}
	was := e.gw.KeyRate()
	if err := e.gw.SetKeyRate(r); err != nil {
		return err
	}
	e.notes.add(time.Now(), e.gw.Name(), fmt.Sprintf("rate limit per key %s -> %s req/s", trimFloat(was), trimFloat(r)), LevelInfo)
	return nil
}

func trimFloat(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// Lever names the lever a fault turns ("scale service", "pool",
// "shedding" ...), "" for chaos and traffic faults.
func (e *Engine) Lever(f Fault) (string, error) { return LeverOn(e.card, f) }

// maxScale is the most a scale fault asks for: the service's and the
// worker's bounds are both 9.
const maxScale = service.MaxReplicas

// parseCount reads a whole number from lo to hi.
func parseCount(s, what string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q is not a number of %s from %d to %d", s, what, lo, hi)
	}
	return n, nil
}

// parseTTL reads a TTL lever's duration.
func parseTTL(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < MinTTL || d > MaxTTL {
		return 0, fmt.Errorf("TTL %q: give a duration from %v to %v, like 5s", s, MinTTL, MaxTTL)
	}
	return d, nil
}

// parseKeyRate reads a rate limit per key, requests per second.
func parseKeyRate(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v >= 1 && v <= gateway.MaxKeyRate) {
		return 0, fmt.Errorf("rate limit %q: give requests per second per key, from 1 to %d", s, gateway.MaxKeyRate)
	}
	return v, nil
}

// parseAlgorithm reads a load-balancing algorithm.
func parseAlgorithm(s string) (loadbalancer.Algorithm, error) {
	switch a := loadbalancer.Algorithm(s); a {
	case loadbalancer.RoundRobin, loadbalancer.LeastConn:
		return a, nil
	}
	return "", fmt.Errorf("algorithm %q: use %s or %s", s, loadbalancer.RoundRobin, loadbalancer.LeastConn)
}

// checkLever reports whether the card has what a lever fault turns.
func (e *Engine) checkLever(f Fault) error {
	_, err := LeverOn(e.card, f)
	return err
}
