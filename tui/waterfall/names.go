package waterfall

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/components/trace"
)

// Short names: a route that does not fit its column says the word that
// tells what a component is first and abbreviates the rest ("Load
// Balancer" is "Balancer", "Service Layer" "Service"), instead of cutting
// the name where the column ends ("Load Balan…").

// genericWords are last words that do not say what a component is.
var genericWords = map[string]bool{"Layer": true, "Tier": true, "System": true}

// head is the word of a name that says what the component is: its last,
// unless that is generic ("Service Layer": "Service").
func head(name string) (word string, at int) {
	words := strings.Fields(name)
	if len(words) == 0 {
		return name, 0
	}
	at = len(words) - 1
	if at > 0 && genericWords[words[at]] {
		at--
	}
	return words[at], at
}

// heads counts the head words of the names of a trace's hops.
func heads(hops []trace.Hop) map[string]int {
	seen := map[string]bool{}
	out := map[string]int{}
	for _, h := range hops {
		for _, n := range []string{h.From, h.To} {
			if !seen[n] {
				seen[n] = true
				w, _ := head(n)
				out[w]++
			}
		}
	}
	return out
}

// nameForms are a name's forms, longest first: the name; its head word
// alone, when no other name in the trace has it; the head with the other
// words' initials ("P.Cache" beside a "Feed Cache").
func nameForms(name string, hs map[string]int) []string {
	out := []string{name}
	words := strings.Fields(name)
	if len(words) < 2 {
		return out
	}
	w, at := head(name)
	if hs[w] <= 1 {
		return append(out, w)
	}
	var b strings.Builder
	for i, x := range words {
		if i == at {
			continue
		}
		b.WriteString(string([]rune(x)[:1]) + ".")
	}
	return append(out, b.String()+w)
}

// fitRoute is hop h's route in at most w cells, shortening the names
// before cutting anything; the last resort cuts with an ellipsis.
func fitRoute(h trace.Hop, narrow bool, w int, hs map[string]int) string {
	from, to := nameForms(h.From, hs), nameForms(h.To, hs)
	at := func(forms []string, i int) string { return forms[min(i, len(forms)-1)] }
	for level := range 3 {
		// Level 1 shortens the sender first: the receiver is the news.
		f, t := at(from, level), at(to, max(level-1, 0))
		if r := routeOf(h, narrow, f, t); ansi.StringWidth(r) <= w {
			return r
		}
	}
	return ansi.Truncate(routeOf(h, narrow, at(from, 2), at(to, 2)), w, "…")
}
