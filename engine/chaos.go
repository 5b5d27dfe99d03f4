package engine

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/traffic"
)

// part is one component as chaos sees it.
type part struct {
	comp    card.Component
	alias   string // the short name a fault takes
	latency model.Latency
	// faults are the component's chaos settings now: one set, or one per
	// replica of the service (a list that changes as it scales). Nil or
	// empty: not a component chaos can slow.
	faults func() []*model.Faults
	kill   func() error
	revive func() error
	down   func() bool
}

func noErr(fn func()) func() error { return func() error { fn(); return nil } }

func one(f *model.Faults) func() []*model.Faults {
	return func() []*model.Faults { return []*model.Faults{f} }
}

// faultSets are the component's chaos settings now.
func (p *part) faultSets() []*model.Faults {
	if p.faults == nil {
		return nil
	}
	return p.faults()
}

// faultsOf are the faults a target covers: replica's alone (replica >= 0;
// none when that replica has gone since the target was read), else every
// set the component has.
func (p *part) faultsOf(replica int) []*model.Faults {
	fs := p.faultSets()
	switch {
	case replica < 0 || p.comp.Kind != card.KindService:
		return fs
	case replica < len(fs):
		return fs[replica : replica+1]
	}
	return nil
}

// makeParts lists every component with its chaos handles, in card order.
func (e *Engine) makeParts() []*part {
	aliases := aliasesOf(e.card)
	var parts []*part
	for i, c := range e.card.Components {
		p := &part{comp: c, alias: aliases[i], latency: e.spec(c).latency}
		switch c.Kind {
		case card.KindClient:
			p.kill = noErr(func() { e.user.SetPaused(true) })
			p.revive = noErr(func() { e.user.SetPaused(false) })
			p.down = func() bool { return e.user.Stats().Paused }
		case card.KindLoadBalancer:
			p.faults, p.kill, p.revive, p.down = one(e.lb.Faults()), noErr(e.lb.Kill), e.lb.Revive, e.lb.Down
		case card.KindAPIGateway:
			if e.gw != nil {
				p.faults, p.kill, p.revive, p.down = one(e.gw.Faults()), noErr(e.gw.Kill), noErr(e.gw.Revive), e.gw.Down
			}
		case card.KindService:
			p.faults = e.svc.Faults
			p.kill = func() error { return e.svc.Kill(-1) }
			p.revive = func() error { return e.svc.Revive(-1) }
			p.down = e.svc.Down
		case card.KindCache:
			ch := e.cacheNamed(c.Name)
			p.faults, p.kill, p.revive, p.down = one(ch.Faults()), noErr(ch.Kill), ch.Revive, ch.Down
		case card.KindDatabase:
			p.faults, p.kill, p.revive, p.down = one(e.db.Faults()), noErr(e.db.Kill), e.db.Revive, e.db.Down
		case card.KindQueue:
			p.faults, p.kill, p.revive, p.down = one(e.queue.Faults()), noErr(e.queue.Kill), e.queue.Revive, e.queue.Down
		case card.KindWorker:
			p.faults, p.kill, p.revive, p.down = one(e.worker.Faults()), noErr(e.worker.Kill), noErr(e.worker.Revive), e.worker.Down
		default:
			g := e.generic[c.Name]
			p.faults, p.kill, p.revive, p.down = one(g.Faults()), noErr(g.Kill), noErr(g.Revive), g.Down
		}
		if p.kill == nil {
			// On the card but not on the request's path: nothing runs.
			p.kill, p.revive, p.down = noErr(func() {}), noErr(func() {}), func() bool { return false }
		}
		parts = append(parts, p)
	}
	return parts
}

// Targets lists the names faults take, for messages and help.
func (e *Engine) Targets() []string {
	names, _ := e.svc.Replicas()
	return e.roster().targets(len(names))
}

// roster is the card's components as faults name them.
func (e *Engine) roster() roster {
	r := roster{}
	for _, p := range e.parts {
		r.comps = append(r.comps, p.comp)
		r.aliases = append(r.aliases, p.alias)
	}
	return r
}

// resolve finds a chaos target: a short name (cache, service-2), a card
// name ("Feed Cache") or its slug. replica is -1 unless one replica of the
// service is meant.
func (e *Engine) resolve(target string) (p *part, replica int, err error) {
	names, _ := e.svc.Replicas()
	i, replica, err := e.roster().resolve(target, len(names))
	if err != nil {
		return nil, 0, err
	}
	return e.parts[i], replica, nil
}

// CheckTarget reports whether target names a component, with the error a
// user should see when it does not.
func (e *Engine) CheckTarget(target string) error {
	_, _, err := e.resolve(target)
	return err
}

// Kill stops a component the way it fails for real (see each component).
func (e *Engine) Kill(target string) error {
	return e.chaos(target, "killed", func(p *part, replica int) error {
		if replica >= 0 {
			return e.svc.Kill(replica)
		}
		return p.kill()
	})
}

// Revive brings a killed component back.
func (e *Engine) Revive(target string) error {
	return e.chaos(target, "revived", func(p *part, replica int) error {
		if replica >= 0 {
			return e.svc.Revive(replica)
		}
		return p.revive()
	})
}

// Slow adds d to every unit of work of a component (0 removes it). A
// replica of the service (service-2) is slowed alone.
func (e *Engine) Slow(target string, d time.Duration) error {
	what := fmt.Sprintf("slowed by %v", d)
	if d == 0 {
		what = "added latency removed"
	}
	return e.chaos(target, what, func(p *part, replica int) error {
		fs := p.faultsOf(replica)
		if len(fs) == 0 {
			return fmt.Errorf("%s cannot be slowed", p.comp.Name)
		}
		for _, f := range fs {
			f.SetSlow(d)
		}
		return nil
	})
}

// FailRate makes a fraction (0..1) of a component's calls fail; of one
// replica's alone for service-N.
func (e *Engine) FailRate(target string, f float64) error {
	if f < 0 || f > 1 {
		return fmt.Errorf("fail rate %v: give a fraction from 0 to 1", f)
	}
	what := fmt.Sprintf("failing %.0f%% of calls", f*100)
	if f == 0 {
		what = "no longer failing calls"
	}
	return e.chaos(target, what, func(p *part, replica int) error {
		fs := p.faultsOf(replica)
		if len(fs) == 0 {
			return fmt.Errorf("%s cannot be made to fail calls", p.comp.Name)
		}
		for _, x := range fs {
			x.SetFailRate(f)
		}
		return nil
	})
}

// Heal removes added latency and failures from a component (from one
// replica alone for service-N).
func (e *Engine) Heal(target string) error {
	return e.chaos(target, "healed", func(p *part, replica int) error {
		for _, f := range p.faultsOf(replica) {
			f.Heal()
		}
		return nil
	})
}

// CrashWorker makes the next worker consumer to apply a batch crash after
// the database commit and before the acknowledgement.
func (e *Engine) CrashWorker() error {
	if e.worker == nil {
		return fmt.Errorf("card %q has no background worker", e.card.Title)
	}
	e.worker.CrashNext()
	e.notes.add(time.Now(), e.worker.Name(), "will crash mid-job (after the database commit, before the ack)", LevelWarn)
	return nil
}

func (e *Engine) chaos(target, what string, fn func(p *part, replica int) error) error {
	if e.closed.Load() {
		return errClosed
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p, replica, err := e.resolve(target)
	if err != nil {
		return err
	}
	if err := fn(p, replica); err != nil {
		return err
	}
	name := p.comp.Name
	if replica >= 0 {
		name = fmt.Sprintf("%s replica-%d", name, replica+1)
	}
	level := LevelWarn
	switch what {
	case "revived", "healed", "added latency removed", "no longer failing calls":
		level = LevelInfo
	}
	e.notes.add(time.Now(), name, what, level)
	e.touched = e.touched.add(p.comp.Name)
	return nil
}

// downList names what is down now, as faults name it.
func (e *Engine) downList() []string {
	var out []string
	for _, p := range e.parts {
		switch {
		case p.down():
			out = append(out, p.alias)
		case p.comp.Kind == card.KindService:
			for _, r := range e.svc.Stats().Replicas {
				if r.Down {
					out = append(out, p.alias+"-"+strings.TrimPrefix(r.Name, "replica-"))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// SetBreaker switches the circuit breaker on the cache on or off.
func (e *Engine) SetBreaker(on bool) {
	e.svc.SetBreaker(on)
	e.notes.add(time.Now(), e.svc.Name(), "circuit breaker "+onOff(on), LevelInfo)
}

// SetSingleflight switches the sharing of concurrent misses on or off.
func (e *Engine) SetSingleflight(on bool) {
	e.svc.SetSingleflight(on)
	e.notes.add(time.Now(), e.svc.Name(), "singleflight "+onOff(on), LevelInfo)
}

// SetShedding switches load shedding on or off: with it on, the service
// answers 503 at once when the database's line is too long.
func (e *Engine) SetShedding(on bool) {
	e.svc.SetShedding(on)
	e.notes.add(time.Now(), e.svc.Name(), "load shedding "+onOff(on), LevelInfo)
}

// SetAlgorithm picks the load balancer's algorithm.
func (e *Engine) SetAlgorithm(a loadbalancer.Algorithm) error {
	if e.lb == nil {
		return fmt.Errorf("card %q has no load balancer", e.card.Title)
	}
	if a != loadbalancer.RoundRobin && a != loadbalancer.LeastConn {
		return fmt.Errorf("unknown algorithm %q: use %s or %s", a, loadbalancer.RoundRobin, loadbalancer.LeastConn)
	}
	e.lb.SetAlgorithm(a)
	e.notes.add(time.Now(), e.lb.Name(), "algorithm: "+string(a), LevelInfo)
	return nil
}

// SetRate sets the users' arrival rate (requests per second).
func (e *Engine) SetRate(r float64) { e.user.SetRate(r) }

// SetPattern picks the traffic pattern.
func (e *Engine) SetPattern(p traffic.Pattern) { e.user.SetPattern(p) }

// SetPaused pauses or resumes the traffic. The user's box goes DOWN
// (paused) or UP, which the log tells as a pause, not as a kill.
func (e *Engine) SetPaused(p bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	was := e.user.Stats().Paused
	e.user.SetPaused(p)
	if was == p {
		return
	}
	for _, pt := range e.parts {
		if pt.comp.Kind == card.KindClient {
			what := "traffic resumed"
			if p {
				what = "traffic paused"
			}
			e.notes.add(time.Now(), pt.comp.Name, what, LevelInfo)
			e.touched = e.touched.add(pt.comp.Name)
		}
	}
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
