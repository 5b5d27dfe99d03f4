package narrate

import (
	"strings"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/outbox"
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
	// The load balancer's retry: "503 Service Unavailable from replica-1, retried on replica-2".
	if inst, next, ok := strings.Cut(inst, ", retried on "); ok {
		return h.From + " on " + inst + " passes " + status + " back to " + the(h.To) + ", which retries the request on " + next
	}
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
			if k, ok := strings.CutSuffix(after(d, " for "), ": a write's invalidation of it is pending"); ok {
				return svc + " does not trust " + the(store) + " for " + k + " (a write's DEL of it is being retried) -> " + n.instead(svc, store, k)
			}
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
			why = strings.TrimSuffix(why, ": the relay retries it; until then reads skip the cache for it")
			return svc + " could not delete " + key + " from " + the(store) + " (" + shortErr(store, why) + "): the outbox relay retries it, and reads skip " + the(store) + " for it until then"
		}
		if h.Outcome == trace.OK {
			return svc + " deletes " + strings.TrimPrefix(d, "DEL ") + " from " + the(store) + ", so no reader gets the old copy"
		}
	case "SELECT", "UPDATE":
		switch h.Outcome {
		case trace.Shed:
			return "Load shedding: " + svc + " does not call " + the(store) + " and answers 503 at once (" +
				strings.TrimSuffix(after(d, "shed: "), "; try again in 1 s") + "); the user may try again in 1 s"
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
		return n.publish(h)
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
	if h.Instance == outbox.Instance {
		return n.relay(h)
	}
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
