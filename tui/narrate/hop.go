package narrate

import (
	"strings"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/trace"
)

// Hop narrates one hop in one sentence: who sends what to whom and what the
// receiver did with it, in the card's names.
//
//	User sends GET /products/42 to the Load Balancer, which picks replica-2 (round-robin)
//	Cache MISS for product:42 -> asking the Database
//	Database runs SELECT name, price_cents FROM products WHERE id=42 (8.1 ms)
//	Message Queue delivers product.viewed to worker-1 after 3.2 ms
//	User gets 200 OK in 12.4 ms
//
// A nil card still gives a sentence, with generic words where the card would
// have named the next component.
func Hop(h trace.Hop, c *card.Card) string {
	n := names{c: c}
	switch {
	case h.Async:
		return n.async(h)
	case h.Op != "" && n.isReply(h):
		return n.storeReply(h)
	case h.Op != "":
		return n.storeCall(h)
	case n.isReply(h):
		return n.httpReply(h)
	}
	return n.httpRequest(h)
}

// names answers what the card knows about a hop's components.
type names struct{ c *card.Card }

func (n names) kind(name string) card.Kind {
	if n.c == nil {
		return ""
	}
	comp, _ := n.c.Component(name)
	return comp.Kind
}

// first returns the name of the first component of kind k, or fallback.
func (n names) first(k card.Kind, fallback string) string {
	if n.c != nil {
		if cs := n.c.ByKind(k); len(cs) > 0 {
			return cs[0].Name
		}
	}
	return fallback
}

// isReply reports whether h goes back along the flow: the card lists the
// opposite hop before it. Without the card, the kinds and the detail tell.
func (n names) isReply(h trace.Hop) bool {
	if n.c != nil {
		fwd, back := -1, -1
		for i, f := range n.c.Flow {
			if fwd < 0 && f.From == h.From && f.To == h.To {
				fwd = i
			}
			if back < 0 && f.From == h.To && f.To == h.From {
				back = i
			}
		}
		if fwd >= 0 && back >= 0 {
			return back < fwd
		}
	}
	switch n.kind(h.To) {
	case card.KindClient:
		return true
	case card.KindService:
		k := n.kind(h.From)
		return h.Op != "" || (k != card.KindAPIGateway && k != card.KindLoadBalancer && k != card.KindClient && k != "")
	}
	if h.Op != "" {
		return hasAnyPrefix(h.Detail, "HIT ", "MISS ", "0 rows", "1 row", "reply")
	}
	code, _ := statusPrefix(h.Detail)
	return code != "" && h.Outcome != trace.Error
}

// nextAfter is the component the service turns to after store: the next
// call the service makes in the flow once it is done with store. That is
// where a miss or a failed cache sends the request.
func (n names) nextAfter(service, store string) string {
	if n.c == nil {
		return ""
	}
	seen := false
	for _, f := range n.c.Flow {
		if f.Async {
			continue
		}
		if !seen {
			seen = f.From == service && f.To == store
			continue
		}
		if f.From == service && f.To != store {
			return f.To
		}
	}
	return ""
}

// hasReply reports whether the card draws the answer of store back to the
// service as a hop of its own.
func (n names) hasReply(service, store string) bool {
	if n.c == nil {
		return true
	}
	for _, f := range n.c.Flow {
		if f.From == store && f.To == service {
			return true
		}
	}
	return false
}

// the puts the article before a component's name in a sentence.
func the(name string) string { return "the " + name }

// sendVerb is what the sender of a request does with it.
func (n names) sendVerb(from string) string {
	if n.kind(from) == card.KindClient {
		return "sends"
	}
	return "passes"
}

func (n names) httpRequest(h trace.Hop) string {
	verb := n.sendVerb(h.From)
	d := h.Detail
	// The load balancer's account: "GET /products/42 -> replica-2 (round-robin)".
	if req, pick, ok := strings.Cut(d, " -> "); ok && isRequestLine(req) {
		return h.From + " " + verb + " " + req + " to " + the(h.To) + ", which picks " + pick
	}
	// The gateway's: "key demo-key-1 ok, route GET /products/{id}, req-1".
	if strings.HasPrefix(d, "key ") && h.Outcome != trace.Error {
		key, rest, _ := strings.Cut(strings.TrimPrefix(d, "key "), " ok, ")
		route, _, _ := strings.Cut(strings.TrimPrefix(rest, "route "), ", ")
		return h.From + " passes the request to " + the(h.To) + on(h.Instance) +
			", which checks key " + key + " and routes " + route
	}
	if h.Outcome == trace.Error {
		return n.httpFailure(h)
	}
	// The service's: "GET product 42"; a generic stage's: "GET /products/42".
	if n.kind(h.To) == card.KindService || isProductLine(d) {
		return h.From + " hands " + d + " to " + the(h.To) + on(h.Instance)
	}
	if d == "" {
		return h.From + " " + verb + " the request to " + the(h.To)
	}
	return h.From + " " + verb + " " + d + " to " + the(h.To)
}

// httpFailure narrates a request hop that failed.
func (n names) httpFailure(h trace.Hop) string {
	d := h.Detail
	// The gateway refusing: "429 rate limit of key demo-key-1 exceeded (50 req/s)".
	if code, rest := statusPrefix(d); code != "" {
		return h.To + " rejects the request with " + statusText(atoi(code)) + ": " + rest
	}
	// A proxy that could not reach the next stage: "replica-3 unreachable: EOF".
	if who, why, ok := strings.Cut(d, " unreachable: "); ok {
		return h.From + " cannot reach " + the(h.To) + " on " + who + " (" + undial(why) + ")"
	}
	if req, why, ok := strings.Cut(d, ": "); ok && isRequestLine(req) {
		return h.From + " " + n.sendVerb(h.From) + " " + req + " to " + the(h.To) + ", but " + why
	}
	if req, why, ok := strings.Cut(d, ": "); ok && isProductLine(req) {
		return h.To + on(h.Instance) + " fails " + req + ": " + why
	}
	if n.kind(h.From) == card.KindClient {
		return h.From + " gets no answer from " + the(h.To) + ": " + d
	}
	return h.From + " -> " + h.To + " failed: " + d
}

func (n names) httpReply(h trace.Hop) string {
	d := h.Detail
	if n.kind(h.To) == card.KindClient || strings.Contains(d, " ms") && n.kind(h.To) == "" {
		status, why, _ := strings.Cut(d, ": ")
		s := h.To + " gets " + status
		if why != "" {
			s += ": " + reason(why)
		}
		return s
	}
	status, inst, _ := strings.Cut(d, " from ")
	if n.kind(h.From) == card.KindService {
		return h.From + on(h.Instance) + " answers " + status
	}
	if inst != "" {
		return h.From + " on " + inst + " passes " + status + " back to " + the(h.To)
	}
	return h.From + " passes " + status + " back to " + the(h.To)
}

// storeCall narrates a call from the service to a store: a cache, the
// database, the queue, or a generic component.
func (n names) storeCall(h trace.Hop) string {
	d := h.Detail
	svc, store := h.From, h.To
	switch h.Op {
	case "GET":
		key := strings.TrimPrefix(d, "GET ")
		switch h.Outcome {
		case trace.Hit:
			if n.hasReply(svc, store) {
				return svc + " asks " + the(store) + " for " + key
			}
			return svc + " asks " + the(store) + " for " + key + ": HIT -> " + n.noNeed()
		case trace.Miss:
			if n.hasReply(svc, store) {
				return svc + " asks " + the(store) + " for " + key
			}
			return svc + " asks " + the(store) + " for " + key + ": MISS -> " + n.askNext(svc, store)
		case trace.Skipped:
			key = after(d, " for ")
			return "Circuit OPEN: " + svc + " skips " + the(store) + " -> " + n.instead(svc, store, key)
		case trace.Fallback:
			key, why := cutFailed(strings.TrimPrefix(d, "GET "))
			why = strings.TrimSuffix(why, ": falling back")
			return failure(store, why) + " -> " + n.instead(svc, store, key)
		}
	case "SET":
		switch h.Outcome {
		case trace.OK:
			key, ttl := strings.TrimPrefix(d, "SET "), ""
			if k, ex, ok := strings.Cut(key, " EX "); ok {
				key, ttl = k, " for "+strings.TrimSuffix(ex, "s")+" s"
			}
			return svc + " stores " + key + " in " + the(store) + ttl
		case trace.Skipped:
			return "Circuit OPEN: " + svc + " does not store " + after(d, "not filling ") + " in " + the(store)
		case trace.Fallback:
			key, why := cutFailed(strings.TrimPrefix(d, "SET "))
			return svc + " could not store " + key + " in " + the(store) + " (" + shortErr(store, why) + "); the answer goes out anyway"
		}
	case "DEL":
		if h.Outcome == trace.Fallback {
			key, why := cutFailed(strings.TrimPrefix(d, "DEL "))
			return svc + " could not delete " + key + " from " + the(store) + " (" + shortErr(store, strings.TrimSuffix(why, ": stale until its TTL")) + "): the old copy stays until its TTL"
		}
		if h.Outcome == trace.OK {
			return svc + " deletes " + strings.TrimPrefix(d, "DEL ") + " from " + the(store) + ", so no reader gets the old copy"
		}
	case "SELECT", "UPDATE":
		switch h.Outcome {
		case trace.OK:
			return store + " runs " + d
		case trace.Skipped:
			key, _, _ := strings.Cut(after(d, " for "), " (")
			return svc + " joins the " + store + " query already in flight for " + key + " (singleflight): no second query"
		case trace.Error:
			if strings.HasPrefix(d, "shared query for ") {
				return "The " + store + " query " + svc + " joined failed: " + after(d, "failed: ")
			}
			_, why, _ := strings.Cut(d, ": ")
			return failure(store, why) + " -> the " + h.Op + " fails"
		}
	case "XADD":
		typ := lastField(d)
		if h.Outcome == trace.Error {
			typ, why, _ := strings.Cut(strings.TrimPrefix(d, "XADD "), " failed, event dropped: ")
			return svc + " cannot publish " + typ + " (" + shortErr(store, why) + "): the event is dropped, the answer goes out anyway"
		}
		return svc + " publishes " + typ + " -> " + n.consumer(store) + " (via " + the(store) + "), without waiting"
	case "CALL":
		if h.Outcome == trace.Error {
			return svc + "'s call to " + the(store) + " fails: " + d
		}
		took := ""
		if i := strings.LastIndex(d, " ("); i >= 0 {
			took = d[i:]
		}
		return svc + " calls " + the(store) + took
	}
	return svc + " -> " + store + ": " + d
}

// storeReply narrates a store's answer to the service.
func (n names) storeReply(h trace.Hop) string {
	d, store := h.Detail, h.From
	switch {
	case strings.HasPrefix(d, "HIT "):
		return store + " HIT for " + strings.TrimPrefix(d, "HIT ") + " -> " + n.noNeed()
	case strings.HasPrefix(d, "MISS "):
		return store + " MISS for " + strings.TrimPrefix(d, "MISS ") + " -> " + n.askNext(h.To, store)
	case d == "0 rows":
		return store + " returns 0 rows: there is no such product"
	case strings.HasPrefix(d, "1 row updated"):
		return store + " confirms: 1 row updated"
	case strings.HasPrefix(d, "1 row"):
		return store + " returns " + d
	case d == "reply":
		return store + " replies to " + the(h.To)
	}
	return store + " answers " + the(h.To) + ": " + d
}

// async narrates the branch after the queue.
func (n names) async(h trace.Hop) string {
	d := h.Detail
	to := the(h.To)
	if h.Instance != "" {
		to = h.Instance
	}
	switch {
	case strings.HasPrefix(d, "deliver "):
		f := strings.Fields(d)
		return h.From + " delivers " + f[1] + " to " + to + " after " + strings.TrimSuffix(after(d, "(waited "), ")")
	case strings.HasPrefix(d, "redeliver "):
		f := strings.Fields(d)
		try, _, _ := strings.Cut(after(d, "(try "), ",")
		return h.From + " redelivers " + f[1] + " to " + to + " (try " + try + ") after " + strings.TrimSuffix(after(d, "waited "), ")")
	case strings.HasPrefix(d, "INSERT") || strings.HasPrefix(d, "UPDATE"):
		batch := ""
		if i := strings.LastIndex(d, " (batch"); i >= 0 {
			batch = d[i:]
		}
		return h.From + " applies the event to " + the(h.To) + batch
	case strings.HasPrefix(d, "already applied"):
		return h.From + " finds the event already applied: nothing changes (a redelivery)"
	case strings.HasPrefix(d, "rejected: "):
		s := h.From + " rejects the event: " + strings.TrimSuffix(strings.TrimPrefix(d, "rejected: "), ": dead-lettered")
		if strings.HasSuffix(d, ": dead-lettered") {
			s += ", so it goes to the dead-letter stream"
		}
		return s
	case strings.HasPrefix(d, "failed: "):
		return h.From + " could not apply the event: " + strings.TrimPrefix(d, "failed: ")
	case strings.HasPrefix(d, "stopped: "):
		return h.From + " stopped before applying the event: " + strings.TrimPrefix(d, "stopped: ")
	}
	return h.From + " -> " + h.To + " (async): " + d
}

// noNeed is what a hit saves.
func (n names) noNeed() string {
	if db := n.first(card.KindDatabase, ""); db != "" {
		return "no need to ask " + the(db)
	}
	return "answered from the cache"
}

// askNext is where a miss goes.
func (n names) askNext(service, cache string) string {
	if next := n.nextAfter(service, cache); next != "" {
		return "asking " + the(next)
	}
	return "asking the database"
}

// instead is where a request goes when a cache cannot answer.
func (n names) instead(service, cache, key string) string {
	next := n.nextAfter(service, cache)
	switch {
	case next == "":
		return "reading " + key + " from the database instead"
	case n.kind(next) == card.KindCache:
		return "asking " + the(next) + " for " + key + " instead"
	}
	return "reading " + key + " from " + the(next) + " instead"
}

// consumer is who receives what is published to queue.
func (n names) consumer(queue string) string {
	if n.c != nil {
		for _, f := range n.c.Flow {
			if f.From == queue && f.Async {
				return f.To
			}
		}
	}
	return n.first(card.KindWorker, "the worker")
}

// failure makes a sentence of a component's error: errors usually start
// with the component's name ("Cache unreachable (no answer in 20ms): down"),
// which then starts the sentence.
func failure(name, err string) string {
	err = strings.TrimSuffix(err, ": down")
	if strings.HasPrefix(err, name+" ") {
		return err
	}
	return name + " failed (" + err + ")"
}

// shortErr is an error in a few words for a parenthesis: without the
// component's name, the dial details and a bare "down".
func shortErr(name, err string) string {
	err = strings.TrimPrefix(err, name+": ")
	err = strings.TrimPrefix(err, name+" ")
	if i := strings.Index(err, " (dial "); i >= 0 {
		err = err[:i]
	}
	err = undial(err)
	if strings.HasSuffix(err, ": down") || err == "down" {
		return name + " is down"
	}
	return err
}

// cutFailed splits "product:43 failed (why)..." into the key and why.
func cutFailed(s string) (key, why string) {
	key, rest, ok := strings.Cut(s, " failed (")
	if !ok {
		return s, ""
	}
	// The reason may hold parentheses of its own: the last ")" closes it.
	if i := strings.LastIndex(rest, ")"); i >= 0 {
		return key, rest[:i] + strings.TrimPrefix(rest[i+1:], ")")
	}
	return key, rest
}

// on names the instance a hop ran on.
func on(instance string) string {
	if instance == "" {
		return ""
	}
	return " on " + instance
}

// after returns what follows sep in s, or s.
func after(s, sep string) string {
	if _, rest, ok := strings.Cut(s, sep); ok {
		return rest
	}
	return s
}

func lastField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[len(f)-1]
	}
	return s
}

// isRequestLine reports whether s looks like "GET /products/42".
func isRequestLine(s string) bool {
	method, path, ok := strings.Cut(s, " ")
	return ok && strings.HasPrefix(path, "/") && !strings.Contains(path, " ") && isUpper(method)
}

// isProductLine reports whether s looks like "GET product 42".
func isProductLine(s string) bool {
	method, rest, ok := strings.Cut(s, " ")
	return ok && isUpper(method) && strings.HasPrefix(rest, "product ")
}

func isUpper(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// statusPrefix splits "503 Service Unavailable" into "503" and the rest.
func statusPrefix(s string) (code, rest string) {
	if len(s) < 4 || s[3] != ' ' {
		return "", s
	}
	for _, r := range s[:3] {
		if r < '0' || r > '9' {
			return "", s
		}
	}
	return s[:3], s[4:]
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// undial drops the addresses from a dial error: "dial tcp 127.0.0.1:39773:
// connect: connection refused" says no more to a learner than "connection
// refused", and the port changes every run.
func undial(err string) string {
	i := strings.Index(err, "dial tcp ")
	if i < 0 {
		return err
	}
	j := strings.Index(err[i:], ": connect: ")
	if j < 0 {
		return err
	}
	return err[:i] + err[i+j+len(": connect: "):]
}
