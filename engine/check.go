package engine

import (
	"fmt"
	"strings"

	"github.com/archex/archex/card"
)

// Checking faults against a card before anything runs: a file of faults
// (a challenge) reports a bad one at its line, not when it comes due.

// leverActions are the fault actions that turn a lever.
var leverActions = map[string]bool{
	"scale": true, "pool": true, "ttl": true, "ratelimit": true,
	"breaker": true, "singleflight": true, "shedding": true, "algorithm": true,
}

// LeverNames names every lever, as LeverOn names them.
var LeverNames = []string{"scale service", "scale worker", "pool", "ttl", "ratelimit", "breaker", "singleflight", "shedding", "algorithm"}

// leverUsage is the grammar of lever commands, for error messages.
const leverUsage = `levers are "scale service N", "scale worker N", "pool N", "ttl 5s", "ratelimit N", "breaker on|off", "singleflight on|off", "shedding on|off" and "algorithm round-robin|least-connections"`

// ParseLever reads a lever command: a lever's fault words without a time,
// "scale service 4" or "shedding on".
func ParseLever(s string) (Fault, error) {
	text := strings.TrimSpace(s)
	if _, _, err := splitFault(text); err == nil {
		return Fault{}, fmt.Errorf("bad lever %q: a lever takes no time (@); %s", s, leverUsage)
	}
	f, err := parseFault(text + " @0s")
	if err != nil {
		return Fault{}, fmt.Errorf("bad lever %q: %v; %s", s, err, leverUsage)
	}
	if !leverActions[f.Action] {
		return Fault{}, fmt.Errorf("bad lever %q: %s is not a lever; %s", s, f.Action, leverUsage)
	}
	f.Text = text
	return f, nil
}

// IsLever reports whether a fault turns a lever.
func (f Fault) IsLever() bool { return leverActions[f.Action] }

// LeverOn names the lever a fault turns on card c ("scale service",
// "pool", "shedding" ...), "" for chaos and traffic faults, and reports
// whether c has what it turns.
func LeverOn(c *card.Card, f Fault) (string, error) {
	if !f.IsLever() {
		return "", nil
	}
	has := func(k card.Kind) bool { return len(c.ByKind(k)) > 0 }
	need := map[string]card.Kind{"pool": card.KindDatabase, "ttl": card.KindCache, "ratelimit": card.KindAPIGateway, "algorithm": card.KindLoadBalancer}
	if k, ok := need[f.Action]; ok && !has(k) {
		return "", fmt.Errorf("card %q has no %s", c.Title, strings.ReplaceAll(string(k), "_", " "))
	}
	if f.Action != "scale" {
		return f.Action, nil
	}
	r := rosterOf(c)
	i, replica, err := r.resolve(f.Target, replicasOn(c))
	if err != nil {
		return "", err
	}
	switch comp := r.comps[i]; {
	case replica >= 0:
		return "", fmt.Errorf("%q is one replica: scale the service as a whole (scale %s N)", f.Target, r.aliases[i])
	case comp.Kind == card.KindService && !has(card.KindLoadBalancer):
		return "", fmt.Errorf("card %q has no load balancer: its service runs one replica", c.Title)
	case comp.Kind == card.KindService:
		return "scale service", nil
	case comp.Kind == card.KindWorker:
		return "scale worker", nil
	default:
		return "", fmt.Errorf("%s cannot be scaled: scale the service or the worker", comp.Name)
	}
}

// CheckFaultOn reports whether fault f can run on card c: its component is
// on the card (a replica within the service's replicas as the card starts
// them), and the card has what a lever turns.
func CheckFaultOn(c *card.Card, f Fault) error {
	if _, err := LeverOn(c, f); err != nil {
		return fmt.Errorf("bad fault %q: %w", f.Text, err)
	}
	switch {
	case f.Action == "crash" && !hasKind(c, card.KindWorker):
		return fmt.Errorf("bad fault %q: card %q has no background worker", f.Text, c.Title)
	case f.Target == "" || f.Action == "crash" || f.Action == "scale":
		return nil
	}
	if _, _, err := rosterOf(c).resolve(f.Target, replicasOn(c)); err != nil {
		return fmt.Errorf("bad fault %q: %w", f.Text, err)
	}
	return nil
}

func hasKind(c *card.Card, k card.Kind) bool { return len(c.ByKind(k)) > 0 }

func rosterOf(c *card.Card) roster {
	return roster{comps: c.Components, aliases: aliasesOf(c)}
}

// replicasOn is how many service replicas the engine starts for card c.
func replicasOn(c *card.Card) int {
	svcs := c.ByKind(card.KindService)
	if len(svcs) == 0 {
		return 0
	}
	if !hasKind(c, card.KindLoadBalancer) {
		return 1
	}
	if n := svcs[0].Replicas; n > 0 {
		return n
	}
	return defaultReplicas(card.KindService)
}

// Turn turns the lever a fault names, now (its time is ignored): what the
// dashboard's lever keys do. A fault that is not a lever is refused.
func (e *Engine) Turn(f Fault) error {
	if !f.IsLever() {
		return fmt.Errorf("%q is not a lever; %s", f.Text, leverUsage)
	}
	if err := e.checkLever(f); err != nil {
		return err
	}
	return e.Apply(f)
}
