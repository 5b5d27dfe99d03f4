// Package event is the message the service layer publishes for every request
// and the background worker applies to the database.
package event

import (
	"time"

	"github.com/archex/archex/components/trace"
)

// Types of event.
const (
	ProductViewed  = "product.viewed"
	ProductUpdated = "product.updated"
)

// Event is one unit of background work. ID is set by the publisher and makes
// applying it idempotent: an event applied twice changes nothing.
type Event struct {
	ID        string
	Type      string
	Product   int
	Trace     trace.ID
	Published time.Time
}

// Result is what applying one event did.
type Result uint8

// Results of applying an event.
const (
	Applied   Result = iota // applied for the first time
	Duplicate               // already applied before: nothing changed
	Rejected                // can never be applied (a poison event)
)
