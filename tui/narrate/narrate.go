// Package narrate turns what the system recorded into plain English for a
// learner: one sentence per hop ("Cache MISS for product:42 → asking the
// Database"), the steps of a request in the order a learner should follow
// them (the synchronous path to the answer, then the background branch,
// with when it finished), one line per request ("GET product 42: cache hit,
// 200 OK in 3.1 ms, 11 hops") and the kind of a request that picks its
// packet's colour and glyph.
//
// Every sentence is written from the hop's structured fields (its op, key,
// status, instance, rows, event ...), never from its Detail, and from the
// card for the components' kinds, the flow and what the service serves, so
// it names components and items the way the card does. It is pure: no
// styles, no state.
package narrate

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/engine"
)

// Kind is what happened to a request, as its packet shows it.
type Kind int

// Kinds of requests, by precedence: an error beats a write, a write beats a
// fallback, a fallback beats a hit, a hit beats a miss.
const (
	OK       Kind = iota // answered without a cache lookup (or none recorded yet)
	Hit                  // a cache had the key
	Miss                 // every cache asked missed: the database answered
	Fallback             // a cache failed or was skipped, yet the user got an answer
	Error                // the user got no successful answer
	Write                // a write (PUT)
)

var kindNames = [...]string{"ok", "hit", "miss", "fallback", "error", "write"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Outcome classifies a request for its packet. A request still in flight is
// classified by the hops recorded so far; it is an Error only once the user
// has a failed answer.
func Outcome(t engine.Trace) Kind {
	if t.Done && !t.OK() {
		return Error
	}
	if t.Write {
		return Write
	}
	hit, miss := false, false
	for _, h := range t.Hops {
		if !isCacheOp(h.Op) {
			continue
		}
		switch h.Outcome {
		case trace.Fallback, trace.Skipped:
			return Fallback
		case trace.Hit:
			hit = true
		case trace.Miss:
			miss = true
		}
	}
	switch {
	case hit:
		return Hit
	case miss:
		return Miss
	}
	return OK
}

// isCacheOp reports whether op is a call to a cache.
func isCacheOp(op string) bool { return op == "GET" || op == "SET" || op == "DEL" }

// Summary is a request in one line: what was asked, what the cache did, what
// the user got, how long it took and how many hops it made.
//
//	GET product 42: cache hit, 200 OK in 3.1 ms, 11 hops
//	GET product 99: cache skipped (circuit open), 503 Service Unavailable in 1.4 ms, 8 hops: Database refused the connection: down
//
// The item is named in the card's words (GET message 42 on the chat card).
func Summary(t engine.Trace, c *card.Card) string {
	var b strings.Builder
	method := "GET"
	if t.Write {
		method = "PUT"
	}
	item := t.Product
	if item == 0 {
		item = itemOf(t.Hops)
	}
	if item > 0 {
		fmt.Fprintf(&b, "%s %s %d: ", method, engine.ResourceOf(c).Singular(), item)
	} else {
		b.WriteString(method + ": ")
	}
	if c := cacheStory(t); c != "" {
		b.WriteString(c + ", ")
	}
	hops := plural(len(t.Hops), "hop")
	switch {
	case !t.Done:
		fmt.Fprintf(&b, "in flight, %s so far", hops)
		return b.String()
	case t.Status == 0:
		fmt.Fprintf(&b, "no answer after %s, %s", Millis(t.Duration), hops)
	default:
		fmt.Fprintf(&b, "%s in %s, %s", statusText(t.Status), Millis(t.Duration), hops)
	}
	if !t.OK() {
		if why := reason(t.Err); why != "" {
			b.WriteString(": " + why)
		}
	}
	return b.String()
}

// cacheStory says in a few words what the caches did for a request.
func cacheStory(t engine.Trace) string {
	var hit, miss, down, skipped, joined bool
	for _, h := range t.Hops {
		if h.Op == "SELECT" && h.Outcome == trace.Skipped {
			joined = true
		}
		if h.Op != "GET" {
			continue
		}
		switch h.Outcome {
		case trace.Hit:
			hit = true
		case trace.Miss:
			miss = true
		case trace.Fallback:
			down = true
		case trace.Skipped:
			skipped = true
		}
	}
	s := ""
	switch {
	case down:
		s = "cache unreachable (fallback)"
	case skipped:
		s = "cache skipped (circuit open)"
	case hit:
		s = "cache hit"
	case miss:
		s = "cache miss"
	}
	if joined {
		s += " (joined a query in flight)"
	}
	return strings.TrimPrefix(s, " ")
}

// itemOf is the id of the item a trace is about, from its hops, for a
// trace whose result has not been filled in yet.
func itemOf(hops []trace.Hop) int {
	for _, h := range hops {
		if h.ID > 0 {
			return h.ID
		}
	}
	return 0
}

// reason turns a failed request's error into a few words: the error field
// of a JSON body, or the text itself.
func reason(err string) string {
	err = strings.TrimSpace(err)
	if strings.HasPrefix(err, "{") {
		var body struct {
			Error string `json:"error"`
		}
		if json.Unmarshal([]byte(err), &body) == nil {
			return body.Error
		}
	}
	return undial(err)
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// Millis writes a duration in milliseconds the way the dashboard shows them:
// two decimals under 1 ms, one under 100 ms, none above.
func Millis(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 1:
		return strconv.FormatFloat(ms, 'f', 2, 64) + " ms"
	case ms < 100:
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
}
