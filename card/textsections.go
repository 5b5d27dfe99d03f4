package card

import (
	"fmt"
	"sort"
	"strings"
)

// The readers of the text form's sections: components, request flow and
// failure scenario (the quiz is in textquiz.go).

func readComponents(c *Card, sec *section, src source) *Error {
	if sec == nil {
		return nil
	}
	ls := sec.lines
	for i := 0; i < len(ls); i += 3 {
		path := index("components", i/3)
		comp := Component{Name: ls[i].s}
		src.pos[path] = ls[i].n
		src.pos[field(path, "name")] = ls[i].n
		if i+1 >= len(ls) {
			return src.errorf(path, "component %q has no kind line: each component takes three lines, its name, its kind and its description", comp.Name)
		}
		kind := ls[i+1]
		if strings.ContainsAny(kind.s, " \t") {
			return src.errorf("", "%q is not a kind (one word like cache or load_balancer): each component takes three lines, its name, its kind and its description", kind.s).at(kind.n)
		}
		comp.Kind = Kind(kind.s)
		src.pos[field(path, "kind")] = kind.n
		if i+2 >= len(ls) {
			return src.errorf(path, "component %q has no description line: each component takes three lines, its name, its kind and its description", comp.Name)
		}
		comp.Description = ls[i+2].s
		src.pos[field(path, "description")] = ls[i+2].n
		c.Components = append(c.Components, comp)
	}
	return nil
}

func readFlow(c *Card, sec *section, src source) *Error {
	if sec == nil {
		return nil
	}
	if len(sec.lines) != sec.count {
		return src.errorf("flow", "%q announces %d hops, but %d follow", sec.header.s, sec.count, len(sec.lines))
	}
	names := componentNames(c)
	sort.SliceStable(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	kinds := kindsByName(c)
	for i, l := range sec.lines {
		path := index("flow", i)
		src.pos[path] = l.n
		h, msg := splitHop(c, names, kinds, l.s)
		if msg != "" {
			return src.errorf(path, "hop %d %q %s", i+1, l.s, msg)
		}
		c.Flow = append(c.Flow, h)
	}
	inferAsync(c, kinds)
	return nil
}

// splitHop reads a hop line: two component names run together, or written
// "A -> B". names is sorted longest first and kinds holds the same names.
// Every split into two names is tried, longest first name first, so a line
// that reads two ways is caught. A problem comes back as the end of a
// message about the line.
func splitHop(c *Card, names []string, kinds map[string]Kind, line string) (Hop, string) {
	for _, arrow := range []string{"->", "→"} {
		if from, to, ok := strings.Cut(line, arrow); ok {
			return Hop{From: strings.TrimSpace(from), To: strings.TrimSpace(to)}, ""
		}
	}
	var readings []Hop
	longest := 0
	if len(names) > 0 {
		longest = len(names[0])
	}
	for i := min(len(line), longest); i > 0; i-- {
		from := line[:i]
		if _, ok := kinds[from]; !ok {
			continue
		}
		if to := strings.TrimSpace(line[i:]); to != "" {
			if _, ok := kinds[to]; ok {
				readings = append(readings, Hop{From: from, To: to})
			}
		}
	}
	switch len(readings) {
	case 1:
		return readings[0], ""
	case 0:
		for _, from := range names {
			if rest, ok := strings.CutPrefix(line, from); ok && strings.TrimSpace(rest) != "" {
				return Hop{}, "names " + notOnCard(c, strings.TrimSpace(rest))
			}
		}
		for _, to := range names {
			if rest, ok := strings.CutSuffix(line, to); ok && strings.TrimSpace(rest) != "" {
				return Hop{}, "names " + notOnCard(c, strings.TrimSpace(rest))
			}
		}
		return Hop{}, fmt.Sprintf("is not two component names run together (components: %s)", nameList(c))
	}
	var alts []string
	for _, h := range readings {
		alts = append(alts, msgf("%q -> %q", h.From, h.To))
	}
	return Hop{}, msgf("is ambiguous: it reads as %s; rename a component or write the hop as %q", strings.Join(alts, " and as "), readings[0].From+" -> "+readings[0].To)
}

// inferAsync marks the hops that chain from a queue right after a
// synchronous hop into it, up to the first hop that breaks the chain.
func inferAsync(c *Card, kinds map[string]Kind) {
	chain := false
	for i := range c.Flow {
		if i > 0 {
			prev := c.Flow[i-1]
			leavesPrev := c.Flow[i].From == prev.To
			if chain {
				chain = leavesPrev
			} else {
				chain = leavesPrev && kinds[prev.To] == KindQueue
			}
		}
		c.Flow[i].Async = chain
	}
}

// labelled is a line of a section that starts with its label:
// "Impact:...", "Resource: message".
type labelled struct{ prefix, key string }

// readLabelled reads a section of labelled lines, at most one of each
// label, handing each value to set. path names the section's place in the
// card for errors; howto says how its lines are written.
func readLabelled(sec *section, src source, path string, labels []labelled, howto string, set func(key, v string)) *Error {
	seen := map[string]int{}
	for _, l := range sec.lines {
		matched := false
		for _, lb := range labels {
			v, ok := strings.CutPrefix(l.s, lb.prefix)
			if !ok {
				continue
			}
			if first, dup := seen[lb.key]; dup {
				return src.errorf("", "a second %q line (first at line %d)", lb.prefix, first).at(l.n)
			}
			seen[lb.key] = l.n
			src.pos[field(path, lb.key)] = l.n
			set(lb.key, strings.TrimSpace(v))
			matched = true
		}
		if !matched {
			return src.errorf("", "%q in %s", l.s, howto).at(l.n)
		}
	}
	src.pos[path] = sec.header.n
	return nil
}

var servesLabels = []labelled{{"Resource:", "resource"}, {"Plural:", "plural"}, {"Field:", "field"}}

// readServes reads what the service serves: a line each for the resource,
// its plural and the field.
func readServes(c *Card, sec *section, src source) *Error {
	if sec == nil {
		return nil
	}
	sv := &Serves{}
	err := readLabelled(sec, src, "serves", servesLabels,
		`what the service serves: write its lines as "Resource: NOUN", "Plural: NOUNS" (optional) and "Field: NAME"`,
		func(key, v string) {
			switch key {
			case "resource":
				sv.Resource = v
			case "plural":
				sv.Plural = v
			default:
				sv.Field = v
			}
		})
	if err != nil {
		return err
	}
	c.Serves = sv
	return nil
}

var failureLabels = []labelled{{"Component Fails:", "component"}, {"Impact:", "impact"}, {"Mitigation:", "mitigation"}}

func readFailure(c *Card, sec *section, src source) *Error {
	if sec == nil {
		return nil
	}
	f := &Failure{}
	err := readLabelled(sec, src, "failure", failureLabels,
		`the failure scenario: write its lines as "Component Fails:NAME", "Impact:..." and "Mitigation:..."`,
		func(key, v string) {
			switch key {
			case "component":
				f.Component = v
			case "impact":
				f.Impact = v
			default:
				f.Mitigation = v
			}
		})
	if err != nil {
		return err
	}
	c.Failure = f
	return nil
}
