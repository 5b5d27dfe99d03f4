// Package trace is how a request is followed across the components: a trace
// id travels with the request (an HTTP header, a context value, a field of a
// queue message) and every component records each hop it sees.
package trace

import (
	"context"
	"encoding/hex"
	"net/http"
	"strconv"
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
)

var outcomeNames = [...]string{"ok", "hit", "miss", "fallback", "skipped", "error"}

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
type Hop struct {
	Trace    ID
	From, To string // component names as the card spells them
	// Instance names the replica or consumer that handled the hop, when
	// there is more than one (e.g. "replica-2", "worker-1").
	Instance string
	Start    time.Time
	Duration time.Duration
	Outcome  Outcome
	// Op is the operation the hop carried, when it is a call to a store:
	// GET, SET, DEL, SELECT, UPDATE, XADD, APPLY.
	Op     string
	Detail string // one line for humans: "MISS product:42"
	Async  bool   // part of the branch that finishes after the response
}

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

// HTTP headers that carry a trace between components.
const (
	// HeaderID carries the trace id.
	HeaderID = "X-Trace-Id"
	// HeaderSent carries when the sender sent the message (Unix
	// nanoseconds), so the receiver can record the hop's start. All
	// components share one process and one clock.
	HeaderSent = "X-Archex-Sent"
	// HeaderFrom carries the sender's component name, so the receiver can
	// record the hop without knowing its neighbours.
	HeaderFrom = "X-Archex-From"
)

// Send marks h as sent by the component from at t.
func Send(h http.Header, from string, t time.Time) {
	h.Set(HeaderFrom, from)
	Stamp(h, t)
}

// Received reads who sent h and when; a header without a send time gives
// fallback.
func Received(h http.Header, fallback time.Time) (from string, sent time.Time) {
	return h.Get(HeaderFrom), SentOr(h, fallback)
}

// Stamp sets the send time on h.
func Stamp(h http.Header, t time.Time) {
	h.Set(HeaderSent, strconv.FormatInt(t.UnixNano(), 10))
}

// SentAt reads the send time from h; ok is false when there is none.
func SentAt(h http.Header) (time.Time, bool) {
	v := h.Get(HeaderSent)
	if v == "" {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, n), true
}

// SentOr reads the send time from h, or returns fallback.
func SentOr(h http.Header, fallback time.Time) time.Time {
	if t, ok := SentAt(h); ok {
		return t
	}
	return fallback
}

// FromHeader returns the trace id carried by h.
func FromHeader(h http.Header) ID { return ID(h.Get(HeaderID)) }

type ctxKey struct{}

// WithID returns a context that carries id.
func WithID(ctx context.Context, id ID) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the trace id carried by ctx, or "".
func FromContext(ctx context.Context) ID {
	id, _ := ctx.Value(ctxKey{}).(ID)
	return id
}

// NewID makes a trace id from 64 random bits.
func NewID(random uint64) ID {
	var b [8]byte
	for i := range b {
		b[i] = byte(random >> (8 * i))
	}
	return ID(hex.EncodeToString(b[:]))
}
