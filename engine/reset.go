package engine

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/traffic"
)

// Settings are what a user, a script or an experiment can change on a
// running system without rebuilding it: the switches, the traffic, and
// which components are down, slowed or failing calls. Settings() reads
// them, Restore puts them back, Reset puts back the ones the engine
// started with. Data (the cache's keys, the queue's events) is not a
// setting: a cache revived by Restore comes back empty.
type Settings struct {
	// Levers are the switches and the levers of capacity (zero where the
	// card has no such component; Algorithm empty without a load
	// balancer).
	Levers
	Rate    float64 // the rate set (a pattern varies around it)
	Pattern traffic.Pattern
	Paused  bool
	// Parts are the components chaos acts on, in card order (the user,
	// whose kill is a pause, is Paused).
	Parts []PartSettings
}

// PartSettings are one component's chaos.
type PartSettings struct {
	Alias string        // the name chaos takes: cache, service ...
	Down  bool          // killed (for the service: every replica, see DownReplicas)
	Slow  time.Duration // added latency
	Fail  float64       // fraction of calls failed
	// DownReplicas are the service's replicas that are down, numbered
	// from 1 as service-N names them.
	DownReplicas []int
}

// Settings reads the settings in force now.
func (e *Engine) Settings() Settings {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.settings()
}

// settings reads the settings; callers hold mu.
func (e *Engine) settings() Settings {
	svc := e.svc.Stats()
	us := e.user.Stats()
	s := Settings{Levers: e.Levers(), Rate: us.SetRate, Pattern: us.Pattern, Paused: us.Paused}
	for _, p := range e.parts {
		if p.comp.Kind == card.KindClient {
			continue
		}
		ps := PartSettings{Alias: p.alias}
		if p.comp.Kind != card.KindService {
			if fs := p.faults(); len(fs) > 0 {
				ps.Slow, ps.Fail = fs[0].Slow(), fs[0].FailRate()
			}
			ps.Down = p.down()
			s.Parts = append(s.Parts, ps)
			continue
		}
		// The service: which replicas are down, then each replica's
		// faults as a part of its own (service-N), since chaos aims at
		// one replica or all of them.
		for i, r := range svc.Replicas {
			if r.Down {
				ps.DownReplicas = append(ps.DownReplicas, i+1)
			}
		}
		s.Parts = append(s.Parts, ps)
		for i, f := range p.faults() {
			s.Parts = append(s.Parts, PartSettings{Alias: p.alias + "-" + strconv.Itoa(i+1), Slow: f.Slow(), Fail: f.FailRate()})
		}
	}
	return s
}

// part returns the settings of the component with alias, or zero ones.
func (s Settings) part(alias string) PartSettings {
	for _, p := range s.Parts {
		if p.Alias == alias {
			return p
		}
	}
	return PartSettings{Alias: alias}
}

// Changes lists, in words, what Restore(to) would change from s, the
// components first: "revive cache", "breaker on", "rate 200". Empty when
// they are the same.
func (s Settings) Changes(to Settings) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, w := range to.Parts {
		n := s.part(w.Alias)
		for _, r := range symmetricDiff(n.DownReplicas, w.DownReplicas) {
			add("%s %s-%d", reviveOrKill(slices.Contains(w.DownReplicas, r)), w.Alias, r)
		}
		if n.Down != w.Down {
			add("%s %s", reviveOrKill(w.Down), w.Alias)
		}
		switch {
		case (n.Slow != w.Slow || n.Fail != w.Fail) && w.Slow == 0 && w.Fail == 0:
			add("heal %s", w.Alias)
		default:
			if n.Slow != w.Slow {
				add("slow %s %v", w.Alias, w.Slow)
			}
			if n.Fail != w.Fail {
				add("fail %s %g", w.Alias, w.Fail)
			}
		}
	}
	// The levers in their fault words (scale service 3, pool 3 ...).
	if to.Replicas != 0 && s.Replicas != to.Replicas {
		add("scale service %d", to.Replicas)
	}
	if to.Workers != 0 && s.Workers != to.Workers {
		add("scale worker %d", to.Workers)
	}
	if to.Pool != 0 && s.Pool != to.Pool {
		add("pool %d", to.Pool)
	}
	if to.TTL != 0 && s.TTL != to.TTL {
		add("ttl %v", to.TTL)
	}
	if to.KeyRate != 0 && s.KeyRate != to.KeyRate {
		add("ratelimit %s", strconv.FormatFloat(to.KeyRate, 'f', -1, 64))
	}
	if s.Breaker != to.Breaker {
		add("breaker %s", onOff(to.Breaker))
	}
	if s.Singleflight != to.Singleflight {
		add("singleflight %s", onOff(to.Singleflight))
	}
	if s.Shedding != to.Shedding {
		add("shedding %s", onOff(to.Shedding))
	}
	if to.Algorithm != "" && s.Algorithm != to.Algorithm {
		add("algorithm %s", to.Algorithm)
	}
	if s.Rate != to.Rate {
		add("rate %s", strconv.FormatFloat(to.Rate, 'f', -1, 64))
	}
	if s.Pattern != to.Pattern {
		add("pattern %s", to.Pattern)
	}
	if s.Paused != to.Paused {
		add("traffic %s", map[bool]string{true: "paused", false: "resumed"}[to.Paused])
	}
	return out
}

func reviveOrKill(down bool) string {
	if down {
		return "kill"
	}
	return "revive"
}

// symmetricDiff lists the numbers in exactly one of a and b, in order.
func symmetricDiff(a, b []int) []int {
	var out []int
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// Restore puts the settings back to s, changing only what differs, each
// change logged like the same change made by hand. Components come back
// up and healed before the ones s has down are killed, so that a kill
// lands on a component already as s has it.
func (e *Engine) Restore(s Settings) error {
	if e.closed.Load() {
		return errClosed
	}
	now := e.Settings()
	var errs []error
	// The levers and switches first (capacity: a replica s has down must
	// be there to be killed); SetLevers turns only those that differ.
	errs = append(errs, e.SetLevers(s.Levers))
	if now.Rate != s.Rate {
		e.SetRate(s.Rate)
	}
	if now.Pattern != s.Pattern {
		e.SetPattern(s.Pattern)
	}
	if now.Paused != s.Paused {
		e.SetPaused(s.Paused)
	}
	var kills []string
	for _, w := range s.Parts {
		n := now.part(w.Alias)
		for _, r := range symmetricDiff(n.DownReplicas, w.DownReplicas) {
			target := fmt.Sprintf("%s-%d", w.Alias, r)
			if slices.Contains(w.DownReplicas, r) {
				kills = append(kills, target)
			} else {
				errs = append(errs, e.Revive(target))
			}
		}
		switch {
		case n.Down && !w.Down:
			errs = append(errs, e.Revive(w.Alias))
		case !n.Down && w.Down:
			kills = append(kills, w.Alias)
		}
		if n.Slow == w.Slow && n.Fail == w.Fail {
			continue
		}
		if w.Slow == 0 && w.Fail == 0 {
			errs = append(errs, e.Heal(w.Alias))
			continue
		}
		if n.Slow != w.Slow {
			errs = append(errs, e.Slow(w.Alias, w.Slow))
		}
		if n.Fail != w.Fail {
			errs = append(errs, e.FailRate(w.Alias, w.Fail))
		}
	}
	for _, target := range kills {
		errs = append(errs, e.Kill(target))
	}
	return errors.Join(errs...)
}

// StartSettings are the settings the engine started with: every component
// up and healthy, the switches at their defaults, the traffic's rate and
// pattern as Options gave them, not paused.
func (e *Engine) StartSettings() Settings { return e.initial }

// Reset puts the system back to its start (StartSettings): every component
// revived and healed, the breaker and singleflight on, load shedding off, the load balancer's
// first algorithm, the levers of capacity as built (replicas, pool, consumers, TTL, rate limit), the traffic at its starting rate and pattern and
// running. What the components hold stays (the database's rows, the
// queue's events); a cache that was down comes back empty. It logs what it
// changed, in one notice.
func (e *Engine) Reset() error {
	changes := e.Settings().Changes(e.initial)
	err := e.Restore(e.initial)
	what := "nothing to change"
	if len(changes) > 0 {
		what = strings.Join(changes, ", ")
	}
	e.notes.add(time.Now(), e.card.Title, "reset to its start: "+what, LevelInfo)
	return err
}
