package narrate

import (
	"strconv"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/outbox"
	"github.com/archex/archex/components/trace"
)

// Hop narrates one hop in one sentence, from its fields: who sends what to
// whom and what the receiver did with it, in the card's names and words.
//
//	User sends GET /products/42 to the Load Balancer, which picks replica-2 (round-robin)
//	Cache MISS for product:42 → asking the Database
//	Database runs SELECT name, price_cents FROM products WHERE id=42 (8.1 ms)
//	Message Queue delivers product.viewed to worker-1 after 3.2 ms in the queue
//	User gets 200 OK in 12.4 ms
//
// A nil card still gives a sentence, with generic words where the card would
// have named the next component.
func Hop(h trace.Hop, c *card.Card) string {
	n := newNames(c)
	switch {
	case h.Async && h.Instance == outbox.Instance:
		return n.relay(h)
	case h.Async:
		return n.async(h)
	case h.Op != "" && h.Reply:
		return n.storeReply(h)
	case h.Op != "":
		return n.storeCall(h)
	case h.Reply:
		return n.httpReply(h)
	}
	return n.httpRequest(h)
}

// arrow joins what happened to what follows from it, as the card pane does.
const arrow = " → "

// the puts the article before a component's name in a sentence.
func the(name string) string { return "the " + name }

// sendVerb is what the sender of a request does with it.
func (n names) sendVerb(from string) string {
	if n.kind(from) == card.KindClient {
		return "sends"
	}
	return "passes"
}

// requestLine is the request as it travels: GET /products/42.
func requestLine(h trace.Hop) string {
	if h.Path == "" {
		return h.Method
	}
	return h.Method + " " + h.Path
}

// item is the request as the service reads it: GET product 42.
func (n names) item(h trace.Hop) string {
	return h.Method + " " + n.words.Singular() + " " + strconv.Itoa(h.ID)
}

func (n names) httpRequest(h trace.Hop) string {
	if h.Outcome == trace.Error {
		return n.httpFailure(h)
	}
	verb := n.sendVerb(h.From)
	switch {
	case h.Policy != "": // the load balancer's pick
		return h.From + " " + verb + " " + requestLine(h) + " to " + the(h.To) + ", which picks " + h.Instance + " (" + h.Policy + ")"
	case h.Route != "": // the gateway's checks
		return h.From + " passes the request to " + the(h.To) + on(h.Instance) +
			", which checks key " + h.APIKey + " and routes " + h.Route
	case n.kind(h.To) == card.KindService:
		return h.From + " hands " + n.item(h) + " to " + the(h.To) + on(h.Instance)
	case h.Method == "":
		return h.From + " " + verb + " the request to " + the(h.To)
	}
	return h.From + " " + verb + " " + requestLine(h) + " to " + the(h.To)
}

// httpFailure narrates a request hop that failed.
func (n names) httpFailure(h trace.Hop) string {
	why := reason(h.Err)
	switch {
	case h.Status != 0: // refused by the receiver (the gateway's checks)
		return h.To + " rejects the request with " + statusText(h.Status) + ": " + why
	case h.Why == trace.Unreachable:
		return h.From + " cannot reach " + the(h.To) + on(h.Instance) + " (" + why + ")"
	case h.Why == trace.NoReplica:
		return h.From + " " + n.sendVerb(h.From) + " " + requestLine(h) + " to " + the(h.To) + ", but it has no healthy replica"
	case n.kind(h.From) == card.KindClient && h.Elapsed > 0:
		return h.From + " gets no answer from " + the(h.To) + ": " + why
	case n.kind(h.To) == card.KindService:
		return h.To + on(h.Instance) + " fails " + n.item(h) + ": " + shortErr(h.To, why)
	case h.Method != "":
		return h.From + " " + n.sendVerb(h.From) + " " + requestLine(h) + " to " + the(h.To) + ", but " + shortErr(h.To, why)
	}
	return h.From + arrow + h.To + " failed: " + why
}

func (n names) httpReply(h trace.Hop) string {
	status := statusText(h.Status)
	switch {
	case n.kind(h.To) == card.KindClient || h.Elapsed > 0:
		s := h.To + " gets " + status + " in " + Millis(h.Elapsed)
		if h.Err != "" {
			s += ": " + reason(h.Err)
		}
		return s
	case h.Retry != "":
		return h.From + on(h.Instance) + " passes " + status + " back to " + the(h.To) + ", which retries the request on " + h.Retry
	case n.kind(h.From) == card.KindService:
		return h.From + on(h.Instance) + " answers " + status
	}
	return h.From + on(h.Instance) + " passes " + status + " back to " + the(h.To)
}
