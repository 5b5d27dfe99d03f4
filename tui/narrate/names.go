package narrate

import (
	"github.com/archex/archex/card"
	"github.com/archex/archex/components/resource"
	"github.com/archex/archex/engine"
)

// names answers what the card knows about a hop's components, and says
// what its service serves in the card's words.
type names struct {
	c     *card.Card
	words resource.Resource
}

func newNames(c *card.Card) names { return names{c: c, words: engine.ResourceOf(c)} }

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

// consumer is who receives what is published to queue, with its article.
func (n names) consumer(queue string) string {
	if n.c != nil {
		for _, f := range n.c.Flow {
			if f.From == queue && f.Async {
				return the(f.To)
			}
		}
	}
	if w := n.first(card.KindWorker, ""); w != "" {
		return the(w)
	}
	return "the worker"
}
