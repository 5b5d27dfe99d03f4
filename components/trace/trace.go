// Package trace is how a request is followed across the components: a trace
// id travels with the request (an HTTP header, a context value, a field of a
// queue message) and every component records each hop it sees.
package trace

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ID identifies one request across every hop, including the asynchronous
// branch that finishes after the response.
type ID string

// Outcome is what happened on a hop.
type Outcome uint8

// Outcomes of a hop.
const (
	OK       Outcome = iota
	Hit              // a cache lookup found the key
	Miss             // a cache lookup did not find the key
	Fallback         // the cache failed; the request went on without it
	Skipped          // a call was not made (circuit breaker open)
	Error            // the hop failed
	Shed             // a call was not made and the request refused: load shedding
)

var outcomeNames = [...]string{"ok", "hit", "miss", "fallback", "skipped", "error", "shed"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// MarshalText writes the outcome's name.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// Hop is one message from one component to another, recorded by the
// component that saw both ends of it.
//
// Besides who, when and how it went, a hop carries what it was about as
// data: each component fills the fields it knows (the load balancer its
// pick, the gateway its key and route, the service its key, table and rows,
// the worker its event and batch ...) and leaves the others zero. The
// narration, archex trace and its JSON are written from these fields;
// Detail is the component's own line, one rendering of them among others.
type Hop struct {
	Trace ID     `json:"-"`
	From  string `json:"from"`
	To    string `json:"to"` // component names as the card spells them
	// Instance names the replica or consumer that handled the hop, when
	// there is more than one (e.g. "replica-2", "worker-1").
	Instance string        `json:"instance,omitempty"`
	Start    time.Time     `json:"-"`
	Duration time.Duration `json:"-"`
	Outcome  Outcome       `json:"outcome"`
	// Op is the operation the hop carried, when it is a call to a store:
	// GET, SET, DEL, SELECT, UPDATE, XADD, APPLY, CALL.
	Op     string `json:"op,omitempty"`
	Detail string `json:"detail"` // one line for humans: "MISS product:42"
	Async  bool   `json:"async"`  // part of the branch that finishes after the response
	// Reply marks an answer going back to the component that called.
	Reply bool `json:"reply,omitempty"`

	Method string `json:"method,omitempty"` // the request's HTTP method: GET, PUT
	Path   string `json:"path,omitempty"`   // the request's path: /products/42
	ID     int    `json:"id,omitempty"`     // the item the request is about: 42
	Route  string `json:"route,omitempty"`  // the route the gateway matched: GET /products/{id}
	APIKey string `json:"api_key,omitempty"`
	Policy string `json:"policy,omitempty"` // how the load balancer picked: round-robin
	Retry  string `json:"retry,omitempty"`  // the replica the load balancer retries on
	Status int    `json:"status,omitempty"` // the HTTP status of an answer

	Key       string        `json:"key,omitempty"`       // the key it is about: a cache key (product:42), a stream entry
	TTL       time.Duration `json:"-"`                   // how long a cache fill keeps the key
	Table     string        `json:"table,omitempty"`     // the SQL table a statement is about
	Statement string        `json:"statement,omitempty"` // the SQL, with its parameters
	Rows      int           `json:"rows,omitempty"`      // rows a statement returned or changed
	Value     string        `json:"value,omitempty"`     // a row in words: Glass Mug 42, $20.53

	Event    string `json:"event,omitempty"`     // an event's type: product.viewed
	Held     string `json:"held,omitempty"`      // where an event waited: spool, outbox
	Waiting  int    `json:"waiting,omitempty"`   // events in the spool, statements in line
	Tries    int    `json:"tries,omitempty"`     // the delivery's try, from 1
	MaxTries int    `json:"max_tries,omitempty"` // tries before an event is dead-lettered
	Batch    int    `json:"batch,omitempty"`     // events handled in one batch
	// Elapsed is, on the user's answer, how long the whole request took;
	// on the relay's late hop, how long after the request it came.
	Elapsed time.Duration `json:"-"`
	Why     Reason        `json:"why,omitempty"`   // why it was not made, went elsewhere, ended so
	Err     string        `json:"error,omitempty"` // what went wrong, as the failing part said
}

// Reason says why a hop went as it did, when its outcome alone does not.
type Reason uint8

// Reasons.
const (
	NoReason     Reason = iota
	BreakerOpen         // the circuit breaker is open: the cache was not called
	Invalidating        // a write's DEL of the key is being retried: the cache is not trusted for it
	Joined              // the read joined a query already in flight (singleflight)
	LineTooLong         // load shedding: the line for the database is too long
	QueueSick           // the queue failed and has not answered since: not tried
	Backlog             // events wait before it in the spool: not tried
	SpoolFull           // the spool is full: the event is shed
	Duplicate           // done already: applied before, or the queue had it
	Rejected            // the store rejected the event
	DeadLettered        // rejected too often: moved to the dead-letter stream
	Stopped             // the worker stopped before it applied the batch
	Unreachable         // the next component could not be reached
	NoReplica           // the load balancer had no healthy replica
	Retried             // the answer is dropped and the request retried elsewhere
	Invalidated         // the relay's retried DEL went through: the cache is trusted again
)

var reasonNames = [...]string{"", "breaker-open", "invalidating", "joined", "line-too-long", "queue-sick", "backlog",
	"spool-full", "duplicate", "rejected", "dead-lettered", "stopped", "unreachable", "no-replica", "retried", "invalidated"}

func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// MarshalText writes the reason's name.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// End is when the hop finished.
func (h Hop) End() time.Time { return h.Start.Add(h.Duration) }

// Recorder receives every hop. Implementations must be safe for concurrent
// use and must not block.
type Recorder interface {
	Record(Hop)
}

// Discard is a Recorder that drops every hop.
var Discard Recorder = discard{}

type discard struct{}

func (discard) Record(Hop) {}

// HTTP headers that carry a trace between components, spelled in their
// canonical form (net/http would otherwise allocate to canonicalise them).
const (
	// HeaderID carries the trace id.
	HeaderID = "X-Trace-Id"
	// HeaderHop carries who sent the message and when, "<unix ns> <name>",
	// so the receiver can record the hop without knowing its neighbours.
	// All components share one process and one clock.
	HeaderHop = "X-Archex-Hop"
)

// Send marks h as sent by the component from at t.
func Send(h http.Header, from string, t time.Time) {
	var b [20]byte
	v := string(strconv.AppendInt(b[:0], t.UnixNano(), 10)) + " " + from
	h[HeaderHop] = []string{v}
}

// Received reads who sent h and when; a header without a send time gives
// fallback.
func Received(h http.Header, fallback time.Time) (from string, sent time.Time) {
	v := h[HeaderHop]
	if len(v) == 0 {
		return "", fallback
	}
	ns, name, _ := strings.Cut(v[0], " ")
	n, err := strconv.ParseInt(ns, 10, 64)
	if err != nil {
		return name, fallback
	}
	return name, time.Unix(0, n)
}

// SentOr reads the send time from h, or returns fallback.
func SentOr(h http.Header, fallback time.Time) time.Time {
	_, t := Received(h, fallback)
	return t
}

// FromHeader returns the trace id carried by h.
func FromHeader(h http.Header) ID {
	if v := h[HeaderID]; len(v) > 0 {
		return ID(v[0])
	}
	return ""
}

// NewID makes a trace id from 64 random bits.
func NewID(random uint64) ID {
	var b [8]byte
	for i := range b {
		b[i] = byte(random >> (8 * i))
	}
	return ID(hex.EncodeToString(b[:]))
}
