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
