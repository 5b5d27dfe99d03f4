// Package card is the design card as data: the architecture a card describes
// (its components and their kinds), the request flow as ordered hops with the
// point where an asynchronous branch forks, the failure scenario, the quiz and
// the design principle. A Card is what the engine builds, the dashboard draws
// and the quiz asks.
//
// A card is written in one of two forms: the YAML card file (Parse, written
// by Format) or the text of a card's page (ImportText). Load and Read take
// either. Every way in validates (Validate) and reports a problem as one
// line naming the file, the line and what is wrong (*Error).
package card

import (
	"time"

	"gopkg.in/yaml.v3"
)

// Kind is what a component is. Known kinds get their real component in the
// engine; any other kind runs as a generic hop with its modeled latency.
type Kind string

// The kinds archex runs as real components.
const (
	KindClient       Kind = "client"
	KindLoadBalancer Kind = "load_balancer"
	KindAPIGateway   Kind = "api_gateway"
	KindService      Kind = "service"
	KindCache        Kind = "cache"
	KindDatabase     Kind = "database"
	KindQueue        Kind = "queue"
	KindWorker       Kind = "worker"
)

// KnownKinds lists the kinds with a dedicated real component, in flow order.
var KnownKinds = []Kind{KindClient, KindLoadBalancer, KindAPIGateway, KindService, KindCache, KindDatabase, KindQueue, KindWorker}

// Known reports whether k has a dedicated real component.
func (k Kind) Known() bool {
	for _, known := range KnownKinds {
		if k == known {
			return true
		}
	}
	return false
}

// Card is one design card.
type Card struct {
	Title      string      `yaml:"title"`
	Overview   string      `yaml:"overview,omitempty"`
	Serves     *Serves     `yaml:"serves,omitempty"`
	Components []Component `yaml:"components"`
	Flow       []Hop       `yaml:"flow"`
	Failure    *Failure    `yaml:"failure,omitempty"`
	Quiz       []Question  `yaml:"quiz,omitempty"`
	Principle  string      `yaml:"principle,omitempty"`
}

// Serves names what the card's service serves: the noun of its routes
// (/messages/42), cache keys (message:42), table (messages) and events
// (message.viewed), and the numeric field of a row that a write sets. A card
// without it serves the production card's products, priced in cents.
type Serves struct {
	Resource string `yaml:"resource"`         // one item, lower case: message
	Plural   string `yaml:"plural,omitempty"` // many; default the resource with an s
	Field    string `yaml:"field"`            // what a write sets: reactions, price_cents
}

// Component is one box on the card.
type Component struct {
	Name        string `yaml:"name"`
	Kind        Kind   `yaml:"kind"`
	Description string `yaml:"description,omitempty"`
	// Replicas is how many instances run (services and workers); 0 means the
	// kind's default.
	Replicas int `yaml:"replicas,omitempty"`
	// Latency is the modeled latency of one unit of work; nil means the
	// kind's default.
	Latency *Latency `yaml:"latency,omitempty"`
	// Capacity is how many units of work run at once (for a database, its
	// connection pool); 0 means the kind's default.
	Capacity int `yaml:"capacity,omitempty"`
}

// Latency is a modeled latency: every unit of work waits Base plus a uniform
// random jitter in [-Jitter, +Jitter].
type Latency struct {
	Base   Duration `yaml:"base"`
	Jitter Duration `yaml:"jitter,omitempty"`
}

// Hop is one step of the request flow: a message from one component to
// another. Async marks the hops of the branch that forks off the synchronous
// path (at a queue) and finishes after the user already has the response.
type Hop struct {
	From  string `yaml:"from"`
	To    string `yaml:"to"`
	Async bool   `yaml:"async,omitempty"`
}

func (h Hop) String() string { return h.From + " -> " + h.To }

// Failure is the card's failure scenario.
type Failure struct {
	Component  string `yaml:"component"`
	Impact     string `yaml:"impact"`
	Mitigation string `yaml:"mitigation"`
}

// Question is one multiple-choice question, with an explanation on every
// option. The quiz bank uses the same shape.
type Question struct {
	ID         string   `yaml:"id"`
	Topic      string   `yaml:"topic,omitempty"`
	Difficulty string   `yaml:"difficulty,omitempty"`
	Prompt     string   `yaml:"prompt"`
	Options    []Option `yaml:"options"`
}

// Option is one answer to a Question.
type Option struct {
	Text        string `yaml:"text"`
	Correct     bool   `yaml:"correct,omitempty"`
	Explanation string `yaml:"explanation,omitempty"`
}

// Answer returns the index of the first correct option, or -1.
func (q Question) Answer() int {
	for i, o := range q.Options {
		if o.Correct {
			return i
		}
	}
	return -1
}

// Component returns the component with the given name.
func (c *Card) Component(name string) (Component, bool) {
	for _, comp := range c.Components {
		if comp.Name == name {
			return comp, true
		}
	}
	return Component{}, false
}

// ByKind returns the components of kind k, in card order.
func (c *Card) ByKind(k Kind) []Component {
	var out []Component
	for _, comp := range c.Components {
		if comp.Kind == k {
			out = append(out, comp)
		}
	}
	return out
}

// Duration is a time.Duration written as text in YAML ("8ms", "250us").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalYAML writes the duration as text.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// UnmarshalYAML reads a duration written as text. Its errors carry the
// node's line, as the decoder's own type errors do.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	bad := func(why string) error {
		return &yaml.TypeError{Errors: []string{msgf("line %d: bad duration %q: %s", n.Line, n.Value, why)}}
	}
	if n.Kind != yaml.ScalarNode {
		return bad("write it like 8ms or 250us")
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return bad("write it like 8ms or 250us")
	}
	if v < 0 {
		return bad("must not be negative")
	}
	*d = Duration(v)
	return nil
}
