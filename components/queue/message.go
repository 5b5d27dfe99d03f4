// Messages as they sit in the streams, and as consumers get them.

package queue

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/trace"
)

// Delivery is one message handed to a consumer.
type Delivery struct {
	StreamID string
	Event    event.Event
	// Tries counts the deliveries of this message, this one included:
	// 1 the first time, more when it was claimed again after its
	// consumer left it pending.
	Tries int
	// Err is set when the message could not be decoded into an event. Such
	// a message can never be applied; the consumer should dead-letter it.
	Err error

	fields map[string]any // as stored, so a dead letter keeps what was sent
}

// DeadLetter is one message moved to the dead-letter stream.
type DeadLetter struct {
	StreamID string // in the dead-letter stream
	Original string // the id it had in the main stream
	Event    event.Event
	Reason   string
	Tries    int
	At       time.Time // when it was dead-lettered
}

// Field names of a message in the streams.
const (
	fieldID        = "id"
	fieldType      = "type"
	fieldProduct   = "product"
	fieldTrace     = "trace"
	fieldPublished = "published" // Unix nanoseconds
	fieldReason    = "reason"
	fieldTries     = "tries"
	fieldOriginal  = "original"
)

func encode(ev event.Event) []any {
	return []any{
		fieldID, ev.ID,
		fieldType, ev.Type,
		fieldProduct, strconv.Itoa(ev.Product),
		fieldTrace, string(ev.Trace),
		fieldPublished, strconv.FormatInt(ev.Published.UnixNano(), 10),
	}
}

// decode reads an event from a message's fields, saying what is wrong with
// a message that is not one.
func decode(fields map[string]any) (event.Event, error) {
	str := func(k string) string { s, _ := fields[k].(string); return s }
	ev := event.Event{ID: str(fieldID), Type: str(fieldType), Trace: trace.ID(str(fieldTrace))}
	var errs []error
	if ev.ID == "" {
		errs = append(errs, errors.New("no event id"))
	}
	if p, err := strconv.Atoi(str(fieldProduct)); err != nil {
		errs = append(errs, fmt.Errorf("product %q is not a number", str(fieldProduct)))
	} else {
		ev.Product = p
	}
	if n, err := strconv.ParseInt(str(fieldPublished), 10, 64); err != nil {
		errs = append(errs, fmt.Errorf("published %q is not a time", str(fieldPublished)))
	} else {
		ev.Published = time.Unix(0, n)
	}
	return ev, errors.Join(errs...)
}

func delivery(m redis.XMessage, tries int) Delivery {
	ev, err := decode(m.Values)
	if err != nil {
		err = fmt.Errorf("malformed message %s: %w", m.ID, err)
	}
	return Delivery{StreamID: m.ID, Event: ev, Tries: tries, Err: err, fields: m.Values}
}

// idTime is when a stream entry was added: the milliseconds part of its id.
func idTime(id string) time.Time {
	ms, _, _ := strings.Cut(id, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(n)
}
