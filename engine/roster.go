package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/archex/archex/card"
)

// A roster is a card's components as faults name them: by a short name
// (cache, service-2), by the name on the card or by its slug, in any case.
// It needs nothing running, so a fault can be checked against a card before
// any engine starts (CheckFaultOn), and the engine resolves its own faults
// with it.
type roster struct {
	comps   []card.Component
	aliases []string // the short name of each component
}

// kindAliases are the short names of the known kinds.
var kindAliases = map[card.Kind]string{
	card.KindClient:       "user",
	card.KindLoadBalancer: "loadbalancer",
	card.KindAPIGateway:   "gateway",
	card.KindService:      "service",
	card.KindCache:        "cache",
	card.KindDatabase:     "database",
	card.KindQueue:        "queue",
	card.KindWorker:       "worker",
}

// slug turns a card name into a chaos target: "Feed Cache" -> "feed-cache".
func slug(name string) string {
	return strings.Join(strings.Fields(strings.ToLower(name)), "-")
}

// aliasesOf gives each component of c its short name: the kind's alias
// when it is the card's only one of its kind, else the slug of its name.
func aliasesOf(c *card.Card) []string {
	kindCount := map[card.Kind]int{}
	for _, comp := range c.Components {
		kindCount[comp.Kind]++
	}
	out := make([]string, len(c.Components))
	for i, comp := range c.Components {
		out[i] = slug(comp.Name)
		if a, ok := kindAliases[comp.Kind]; ok && kindCount[comp.Kind] == 1 {
			out[i] = a
		}
	}
	return out
}

// resolve finds target among the components: its index, and the replica
// (0-based) when one replica of the service is meant (-1 otherwise), the
// service having replicas of them.
func (r roster) resolve(target string, replicas int) (i, replica int, err error) {
	t := slug(target)
	for i, c := range r.comps {
		if r.aliases[i] == t || slug(c.Name) == t {
			return i, -1, nil
		}
	}
	for i, c := range r.comps {
		if c.Kind != card.KindService {
			continue
		}
		alias := r.aliases[i]
		if rest, ok := strings.CutPrefix(t, alias+"-"); ok {
			n, err := strconv.Atoi(rest)
			if err == nil && n >= 1 && n <= replicas {
				return i, n - 1, nil
			}
			return 0, 0, fmt.Errorf("unknown component %q: the service has replicas %s-1 to %s-%d", target, alias, alias, replicas)
		}
	}
	return 0, 0, fmt.Errorf("unknown component %q: use one of %s", target, strings.Join(r.targets(replicas), ", "))
}

// targets lists the names faults take.
func (r roster) targets(replicas int) []string {
	var out []string
	for i, c := range r.comps {
		out = append(out, r.aliases[i])
		if c.Kind == card.KindService {
			for n := 1; n <= replicas; n++ {
				out = append(out, r.aliases[i]+"-"+strconv.Itoa(n))
			}
		}
	}
	return out
}
