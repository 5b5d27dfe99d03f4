package challenge

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/archex/archex/engine"
)

// The words a challenge is told in, shared by the line mode and the
// dashboard.

// TrafficText sums the traffic up: "450 req/s steady, 90 % reads".
func (t Traffic) String() string {
	s := fmt.Sprintf("%s req/s %s, %.0f %% reads", num(t.Rate), t.Pattern, t.Reads*100)
	if t.Zipf != 0 && t.Zipf != 1.3 {
		s += fmt.Sprintf(", popularity skew %s", num(t.Zipf))
	}
	if t.Noisy > 0 {
		s += fmt.Sprintf(" from three API keys, and %s req/s more from one noisy client (%s)", num(t.Noisy), NoisyKey)
	}
	return s
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// FaultsText lists the schedule: "kill cache @0s, revive cache @12s".
func (c *Challenge) FaultsText() string {
	if len(c.Faults) == 0 {
		return "none"
	}
	var out []string
	for _, f := range c.Faults {
		out = append(out, f.Text)
	}
	return strings.Join(out, ", ")
}

// GoalText is the goal in a line: "over 15 s after a 5 s warmup: failed =
// 0, p99 < 150ms".
func (g Goal) String() string {
	var conds []string
	for _, c := range g.Conditions {
		conds = append(conds, c.Text)
	}
	when := "over " + secs(g.Window)
	if g.Warmup > 0 {
		when += " after a " + secs(g.Warmup) + " warmup"
	}
	return when + ": " + strings.Join(conds, ", ")
}

func secs(d time.Duration) string { return strconv.Itoa(int(d/time.Second)) + " s" }

// Facts are the challenge's terms, a line each: the traffic, the faults,
// the levers, the budget and the goal (the story tells the rest).
func (c *Challenge) Facts() []string {
	return []string{
		"traffic: " + c.Traffic.String(),
		"faults: " + c.FaultsText(),
		"levers you may turn: " + strings.Join(c.Levers, ", "),
		fmt.Sprintf("budget: %s (%s)", Credits(c.Budget), CostsText()),
		"goal, " + c.Goal.String(),
	}
}

// LeversText sums the levers up: "3 replicas, 2 worker consumers, pool 3,
// ttl 1m0s, ratelimit 1000/s, breaker on, singleflight on, shedding off,
// round-robin". A lever the card lacks is left out.
func LeversText(l engine.Levers) string {
	var out []string
	add := func(ok bool, s string) {
		if ok {
			out = append(out, s)
		}
	}
	add(l.Replicas > 0, fmt.Sprintf("%d replicas", l.Replicas))
	add(l.Workers > 0, fmt.Sprintf("%d worker consumers", l.Workers))
	add(l.Pool > 0, fmt.Sprintf("pool %d", l.Pool))
	add(l.TTL > 0, "ttl "+l.TTL.String())
	add(l.KeyRate > 0, "ratelimit "+num(l.KeyRate)+"/s")
	out = append(out, "breaker "+onOff(l.Breaker), "singleflight "+onOff(l.Singleflight), "shedding "+onOff(l.Shedding))
	add(l.Algorithm != "", string(l.Algorithm))
	return strings.Join(out, ", ")
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// Line is a reading as a line: "p99 < 150ms: 43.1 ms, met".
func (r Reading) Line() string {
	v := "nothing measured"
	if r.Measured {
		v = r.ValueText()
	}
	met := "not met"
	if r.Met {
		met = "met"
	}
	return r.Condition.Text + ": " + v + ", " + met
}

// ValueText is the value measured, in its unit, or "–".
func (r Reading) ValueText() string {
	if !r.Measured {
		return "–"
	}
	return formatValue(r.Value, r.Condition)
}
