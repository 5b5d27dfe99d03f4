package engine

import (
	"fmt"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/service"
)

// topology is how a card's flow runs: the stages a request passes on its way
// in, the service's own steps, the asynchronous branch, and which hops are
// replies (a hop whose reverse came before it).
type topology struct {
	client string
	// front are the stages in front of the load balancer (or in front of
	// the service when there is none), each a reverse proxy of its own;
	// inner are the stages behind the load balancer, run as middleware in
	// front of the service in each replica.
	front []card.Component
	lb    *card.Component
	inner []card.Component
	svc   card.Component
	plan  service.Plan
	// async is the branch that forks at the queue: the queue hands the
	// events to worker, which writes them to sink ("" when the branch ends
	// at the worker), whose answer is a hop of its own when sinkReply.
	async     []card.Hop
	worker    string
	sink      string
	sinkReply bool
	// reply marks hops that answer an earlier hop (Cache -> Service Layer).
	reply map[card.Hop]bool
}

// planTopology reads a card's flow. The card is assumed valid (package card
// validates it); what the engine cannot run is reported here.
func planTopology(c *card.Card) (*topology, error) {
	kinds := make(map[string]card.Kind, len(c.Components))
	for _, comp := range c.Components {
		kinds[comp.Name] = comp.Kind
	}
	if len(c.Flow) == 0 {
		return nil, fmt.Errorf("card %q has no request flow", c.Title)
	}
	t := &topology{client: c.Flow[0].From, reply: make(map[card.Hop]bool)}
	if kinds[t.client] != card.KindClient {
		return nil, fmt.Errorf("card %q: the flow starts at %q, which is not the client", c.Title, t.client)
	}
	// A pair is a reply when, the first time it appears, its reverse has
	// already been taken: Cache -> Service Layer answers Service Layer ->
	// Cache; a second Service Layer -> Cache (the fill) is a call again.
	seen := make(map[card.Hop]bool)
	for _, h := range c.Flow {
		key := card.Hop{From: h.From, To: h.To}
		if !seen[key] && seen[card.Hop{From: h.To, To: h.From}] {
			t.reply[key] = true
		}
		seen[key] = true
	}

	// Ingress: from the client to the first service.
	i := 0
	var ingress []card.Component
	for ; i < len(c.Flow); i++ {
		h := c.Flow[i]
		comp, _ := c.Component(h.To)
		if comp.Kind == card.KindService {
			t.svc = comp
			i++
			break
		}
		ingress = append(ingress, comp)
	}
	if t.svc.Name == "" {
		return nil, fmt.Errorf("card %q: the flow never reaches a component of kind service", c.Title)
	}
	for _, comp := range ingress {
		switch {
		case comp.Kind == card.KindLoadBalancer && t.lb == nil:
			lb := comp
			t.lb = &lb
		case t.lb == nil:
			t.front = append(t.front, comp)
		default:
			t.inner = append(t.inner, comp)
		}
	}

	// The service's steps, then the async branch, until the flow heads
	// back out.
	caches := map[string]int{}
	looked := map[string]bool{}
	for ; i < len(c.Flow); i++ {
		h := c.Flow[i]
		if h.Async {
			t.async = append(t.async, h)
			continue
		}
		if h.To == t.svc.Name {
			// A reply to the previous step.
			if n := len(t.plan); n > 0 && t.plan[n-1].Target == h.From {
				t.plan[n-1].Reply = true
			}
			continue
		}
		if h.From != t.svc.Name {
			return nil, fmt.Errorf("card %q: hop %q is not one the service layer takes part in", c.Title, h)
		}
		kind := kinds[h.To]
		if kind == card.KindClient || kind == card.KindLoadBalancer || kind == card.KindAPIGateway || isIngress(ingress, h.To) {
			break // the response heads back out
		}
		step := service.Step{Target: h.To}
		switch kind {
		case card.KindCache:
			idx, ok := caches[h.To]
			if !ok {
				idx = len(caches)
				caches[h.To] = idx
			}
			step.Cache = idx
			if looked[h.To] {
				step.Kind = service.Fill
			} else {
				step.Kind, looked[h.To] = service.Lookup, true
			}
		case card.KindDatabase:
			step.Kind = service.Read
		case card.KindQueue:
			step.Kind = service.Publish
		default:
			step.Kind = service.Call
		}
		t.plan = append(t.plan, step)
	}
	if err := t.planAsync(c, kinds); err != nil {
		return nil, err
	}
	return t, nil
}

// planAsync reads the async branch as the worker runs it: the queue hands
// the events to a worker, the worker writes them to a database or to a
// component of another kind (a search index, object storage ...), which may
// answer. A branch the worker cannot run as drawn is refused: every hop a
// card draws is a hop that runs.
func (t *topology) planAsync(c *card.Card, kinds map[string]card.Kind) error {
	a := t.async
	if len(a) == 0 {
		return nil
	}
	if k := kinds[a[0].To]; k != card.KindWorker {
		return fmt.Errorf("card %q: hop %q hands the queue's events to a %s: archex runs the branch after a queue as a worker (kind worker) that takes them, and the component it writes them to", c.Title, a[0], k)
	}
	t.worker = a[0].To
	if len(a) == 1 {
		return nil
	}
	switch k := kinds[a[1].To]; {
	case k == card.KindDatabase, !k.Known():
		t.sink = a[1].To
	default:
		return fmt.Errorf("card %q: hop %q: the worker writes its events to a database or to a component of another kind (a search index, object storage ...), not to a %s", c.Title, a[1], k)
	}
	if len(a) == 2 {
		return nil
	}
	if a[2].To != t.worker || len(a) > 3 {
		return fmt.Errorf("card %q: hop %q: after the worker's write to %q the branch can only be its answer back to %q", c.Title, a[2], t.sink, t.worker)
	}
	t.sinkReply = true
	return nil
}

func isIngress(ingress []card.Component, name string) bool {
	for _, c := range ingress {
		if c.Name == name {
			return true
		}
	}
	return false
}

// cacheNames lists the caches the plan uses, by index.
func (t *topology) cacheNames() []string {
	var names []string
	for _, s := range t.plan {
		if (s.Kind == service.Lookup || s.Kind == service.Fill) && s.Cache == len(names) {
			names = append(names, s.Target)
		}
	}
	return names
}
