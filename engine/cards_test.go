package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/archex/archex/cards"
)

// Every card archex ships runs: a cold read traces exactly the card's flow,
// and a few seconds of light traffic see no failure.
func TestEveryCardRunsItsFlow(t *testing.T) {
	for _, name := range cards.Names() {
		t.Run(name, func(t *testing.T) {
			c, err := cards.Load(name + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			e := newEngine(t, Options{Card: c, Rate: 30})
			tr, err := e.Send(context.Background(), Request{Product: 42}, true)
			if err != nil || !tr.OK() {
				t.Fatalf("cold read: %v %d %s", err, tr.Status, tr.Err)
			}
			var want []string
			for _, h := range c.Flow {
				want = append(want, h.From+" -> "+h.To)
			}
			if got := pairs(tr.Hops); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("hops:\n%s\nwant the card's:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if testing.Short() {
				return
			}
			e.Start()
			secs := waitSeconds(t, e, 3)
			p := summarize(secs)
			if p.failed > 0 || p.sent == 0 {
				t.Errorf("light traffic: %v", p)
			}
		})
	}
}

// The production card imported from its page text runs the same 14 hops.
func TestImportedProductionCardRunsTheFourteenHops(t *testing.T) {
	c, err := cards.Load("production.txt")
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, Options{Card: c})
	tr, err := e.Send(context.Background(), Request{Product: 9}, true)
	if err != nil || !tr.OK() {
		t.Fatalf("cold read: %v %+v", err, tr)
	}
	if got := pairs(tr.Hops); len(got) != 14 {
		t.Fatalf("%d hops, want the card's 14:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i, h := range c.Flow {
		if got := pairs(tr.Hops)[i]; got != h.From+" -> "+h.To {
			t.Errorf("hop %d is %s, want %s", i+1, got, h)
		}
	}
}
