package service

// StepKind is what the service does at one step of its part of the flow.
type StepKind int

// The steps a service knows.
const (
	Lookup  StepKind = iota // ask a cache for the key (cache-aside read)
	Read                    // read the product from the database
	Fill                    // store what the database gave in a cache
	Publish                 // publish an event to the queue
	Call                    // call any other component (a generic hop)
)

var stepNames = [...]string{"lookup", "read", "fill", "publish", "call"}

func (k StepKind) String() string { return stepNames[k] }

// Step is one call the service makes while it serves a read, in the order of
// the card's flow.
type Step struct {
	Kind   StepKind
	Target string // the component called, as on the card
	// Reply is true when the card lists the answer as a hop of its own
	// (Cache -> Service Layer after a lookup).
	Reply bool
	// Cache indexes Config.Caches for Lookup and Fill.
	Cache int
}

// Plan is the service's part of the flow for a read, in order.
type Plan []Step

// DefaultPlan is the production card's: look in the cache, on a miss read the
// database and fill the cache, then publish an event.
func DefaultPlan(cache, database, queue string) Plan {
	return Plan{
		{Kind: Lookup, Target: cache, Reply: true},
		{Kind: Read, Target: database, Reply: true},
		{Kind: Fill, Target: cache},
		{Kind: Publish, Target: queue},
	}
}
