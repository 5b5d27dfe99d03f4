package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/components/worker"
)

// Cards whose worker writes somewhere other than the database: a search
// index beside a database, object storage that answers, a service with no
// database at all, a branch that ends at the worker.
var asyncCards = map[string]string{
	"search index": `
title: Search
components:
  - {name: User, kind: client}
  - {name: Load Balancer, kind: load_balancer}
  - {name: Catalog Service, kind: service}
  - {name: Catalog DB, kind: database}
  - {name: Index Queue, kind: queue}
  - {name: Indexer, kind: worker}
  - {name: Search Index, kind: search_index, latency: {base: 3ms}}
flow:
  - {from: User, to: Load Balancer}
  - {from: Load Balancer, to: Catalog Service}
  - {from: Catalog Service, to: Catalog DB}
  - {from: Catalog DB, to: Catalog Service}
  - {from: Catalog Service, to: Index Queue}
  - {from: Index Queue, to: Indexer, async: true}
  - {from: Indexer, to: Search Index, async: true}
  - {from: Catalog Service, to: Load Balancer}
  - {from: Load Balancer, to: User}
`,
	"object storage that answers": `
title: Thumbnails
serves: {resource: photo, field: width}
components:
  - {name: User, kind: client}
  - {name: Load Balancer, kind: load_balancer}
  - {name: Photo Service, kind: service}
  - {name: Photo DB, kind: database}
  - {name: Resize Queue, kind: queue}
  - {name: Resizer, kind: worker}
  - {name: Object Storage, kind: object_storage}
flow:
  - {from: User, to: Load Balancer}
  - {from: Load Balancer, to: Photo Service}
  - {from: Photo Service, to: Photo DB}
  - {from: Photo DB, to: Photo Service}
  - {from: Photo Service, to: Resize Queue}
  - {from: Resize Queue, to: Resizer, async: true}
  - {from: Resizer, to: Object Storage, async: true}
  - {from: Object Storage, to: Resizer, async: true}
  - {from: Photo Service, to: Load Balancer}
  - {from: Load Balancer, to: User}
`,
	"no database": `
title: Notifications
components:
  - {name: User, kind: client}
  - {name: Load Balancer, kind: load_balancer}
  - {name: Notify Service, kind: service}
  - {name: Outbox Queue, kind: queue}
  - {name: Sender, kind: worker}
  - {name: Push Gateway, kind: push}
flow:
  - {from: User, to: Load Balancer}
  - {from: Load Balancer, to: Notify Service}
  - {from: Notify Service, to: Outbox Queue}
  - {from: Outbox Queue, to: Sender, async: true}
  - {from: Sender, to: Push Gateway, async: true}
  - {from: Notify Service, to: Load Balancer}
  - {from: Load Balancer, to: User}
`,
	"ends at the worker": `
title: Audit
components:
  - {name: User, kind: client}
  - {name: Load Balancer, kind: load_balancer}
  - {name: Audit Service, kind: service}
  - {name: Audit DB, kind: database}
  - {name: Audit Queue, kind: queue}
  - {name: Auditor, kind: worker}
flow:
  - {from: User, to: Load Balancer}
  - {from: Load Balancer, to: Audit Service}
  - {from: Audit Service, to: Audit DB}
  - {from: Audit DB, to: Audit Service}
  - {from: Audit Service, to: Audit Queue}
  - {from: Audit Queue, to: Auditor, async: true}
  - {from: Audit Service, to: Load Balancer}
  - {from: Load Balancer, to: User}
`,
}

func parseCard(t *testing.T, name, text string) *card.Card {
	t.Helper()
	c, err := card.Parse(name+".yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// flowPairs is the card's flow as "From -> To" lines.
func flowPairs(c *card.Card) string {
	var want []string
	for _, h := range c.Flow {
		want = append(want, h.From+" -> "+h.To)
	}
	return strings.Join(want, "\n")
}

// Every hop a card draws is the hop that runs: a cold read of each of
// these cards traces exactly its flow, the worker's write goes to the
// component the card draws (it does that component's modeled work, and
// the database is never touched by it).
func TestTheWorkerWritesWhereTheCardDraws(t *testing.T) {
	for name, text := range asyncCards {
		t.Run(name, func(t *testing.T) {
			c := parseCard(t, strings.ReplaceAll(name, " ", "-"), text)
			e := newEngine(t, Options{Card: c})
			tr, err := e.Send(context.Background(), Request{Product: 42}, true)
			if err != nil || !tr.OK() {
				t.Fatalf("cold read: %v %d %s", err, tr.Status, tr.Err)
			}
			if got, want := strings.Join(pairs(tr.Hops), "\n"), flowPairs(c); got != want {
				t.Fatalf("hops:\n%s\nwant the card's:\n%s", got, want)
			}
			sink := e.topo.sink
			for _, h := range tr.Hops {
				if h.Async && h.Op == worker.OpApply && !h.Reply && (h.To != sink || h.Outcome != trace.OK) {
					t.Errorf("apply hop %s -> %s %v, want an ok write to %q", h.From, h.To, h.Outcome, sink)
				}
			}
			if g := e.generic[sink]; g != nil {
				if g.Calls() == 0 {
					t.Errorf("%s did no work for the worker", sink)
				}
				// Its modeled latency, for real: the write took at least its base.
				comp, _ := c.Component(sink)
				for _, h := range tr.Hops {
					if h.Op == worker.OpApply && !h.Reply && comp.Latency != nil && h.Duration < comp.Latency.Base.D() {
						t.Errorf("the write to %s took %v, under its modeled %v", sink, h.Duration, comp.Latency.Base.D())
					}
				}
			}
			if e.db != nil && sink != e.db.Name() {
				if n, err := e.db.Applied(context.Background()); err != nil || n != 0 {
					t.Errorf("the database recorded %d applied events (%v): the worker wrote to it though the card draws %q", n, err, sink)
				}
			}
		})
	}
}

// A killed search index holds the worker's batch: nothing is acknowledged,
// the event comes round again and is applied once the index is back.
func TestAKilledSinkHoldsTheEventUntilItIsBack(t *testing.T) {
	c := parseCard(t, "search", asyncCards["search index"])
	e := newEngine(t, Options{Card: c, ClaimIdle: 200 * time.Millisecond})
	idx := e.generic["Search Index"]
	idx.Kill()
	tr, err := e.Send(context.Background(), Request{Product: 7}, false)
	if err != nil || !tr.OK() {
		t.Fatalf("read with the index down: %v %+v", err, tr)
	}
	applyHops := func(o trace.Outcome) int {
		t, _ := e.Trace(tr.ID)
		n := 0
		for _, h := range t.Hops {
			if h.Op == worker.OpApply && h.Outcome == o {
				n++
			}
		}
		return n
	}
	waitUntil(t, 5*time.Second, "a failed write to the killed index", func() bool { return applyHops(trace.Error) > 0 })
	if applyHops(trace.OK) > 0 {
		t.Fatal("an event was applied to a killed search index")
	}
	if err := e.Revive("Search Index"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "the event applied after the revive", func() bool { return applyHops(trace.OK) > 0 })
}

// What the worker cannot run as drawn is refused, naming the hop.
func TestAnAsyncBranchTheWorkerCannotRunIsRefused(t *testing.T) {
	base := `
title: Bad branch
components:
  - {name: User, kind: client}
  - {name: Svc, kind: service}
  - {name: DB, kind: database}
  - {name: Q, kind: queue}
  - {name: W, kind: worker}
  - {name: C, kind: cache}
%s
flow:
  - {from: User, to: Svc}
  - {from: Svc, to: C}
  - {from: C, to: Svc}
  - {from: Svc, to: DB}
  - {from: DB, to: Svc}
  - {from: Svc, to: Q}
%s
  - {from: Svc, to: User}
`
	for name, tc := range map[string]struct{ extra, branch, hop string }{
		"the worker writes to a cache": {"", "  - {from: Q, to: W, async: true}\n  - {from: W, to: C, async: true}", `"W -> C"`},
		"a chain past the write": {"  - {name: X, kind: index}",
			"  - {from: Q, to: W, async: true}\n  - {from: W, to: X, async: true}\n  - {from: X, to: DB, async: true}", `"X -> DB"`},
	} {
		t.Run(name, func(t *testing.T) {
			text := strings.Replace(strings.Replace(base, "%s", tc.extra, 1), "%s", tc.branch, 1)
			c := parseCard(t, "bad", text)
			e, err := New(Options{Card: c})
			if err == nil {
				e.Close()
				t.Fatal("the engine ran a branch its worker cannot run as drawn")
			}
			if !strings.Contains(err.Error(), "hop "+tc.hop) {
				t.Errorf("error %q does not name the hop %s", err, tc.hop)
			}
		})
	}
}

func waitUntil(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
