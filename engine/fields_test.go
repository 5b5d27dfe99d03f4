package engine

import (
	"context"
	"testing"
	"time"

	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/components/worker"
)

// Each component fills the fields of the hops it records: a cold read of
// the production card, hop by hop, carries what the narration needs.
func TestColdReadHopsCarryTheirFields(t *testing.T) {
	e := newEngine(t, Options{})
	tr, err := e.Send(context.Background(), Request{Product: 42}, true)
	if err != nil || !tr.OK() || len(tr.Hops) != 14 {
		t.Fatalf("cold read: %v %+v", err, tr)
	}
	h := tr.Hops
	checks := []struct {
		i    int
		ok   bool
		what string
	}{
		{0, h[0].Method == "GET" && h[0].Path == "/products/42" && h[0].Policy == "round-robin" && h[0].Instance != "", "the load balancer's pick"},
		{1, h[1].APIKey != "" && h[1].Route == "GET /products/{id}", "the gateway's key and route"},
		{2, h[2].ID == 42 && h[2].Method == "GET", "the service's item"},
		{3, h[3].Op == "GET" && h[3].Key == "product:42" && h[3].Outcome == trace.Miss && !h[3].Reply, "the lookup"},
		{4, h[4].Reply && h[4].Key == "product:42", "the cache's answer"},
		{5, h[5].Table == "products" && h[5].Statement == "SELECT name, price_cents FROM products WHERE id=42" && h[5].Rows == 1, "the query"},
		{6, h[6].Reply && h[6].Rows == 1 && h[6].Value == "Glass Mug 42, $20.53", "the row"},
		{7, h[7].Op == "SET" && h[7].TTL >= 54*time.Second && h[7].TTL <= 66*time.Second, "the fill's TTL (60 s ± 10 %)"},
		{8, h[8].Op == "XADD" && h[8].Event == "product.viewed", "the publish"},
		{9, h[9].Async && h[9].Event == "product.viewed" && h[9].Tries == 1 && h[9].Key != "", "the delivery"},
		{10, h[10].Async && h[10].Op == worker.OpApply && h[10].Batch >= 1 && h[10].Statement == "INSERT applied_events + UPDATE product_stats", "the worker's write"},
		{11, h[11].Reply && h[11].Status == 200, "the service's answer"},
		{12, h[12].Reply && h[12].Status == 200 && h[12].Instance != "", "the gateway's relay"},
		{13, h[13].Reply && h[13].Status == 200 && h[13].Elapsed == tr.Duration, "the user's answer and its wait"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("hop %d (%s -> %s) lacks %s: %+v", c.i+1, h[c.i].From, h[c.i].To, c.what, h[c.i])
		}
	}
	// The worker's write ends after the user had the answer.
	if end, answer := h[10].End(), tr.Start.Add(tr.Duration); !end.After(answer) {
		t.Errorf("the worker's write ended %v before the answer", answer.Sub(end))
	}
}
