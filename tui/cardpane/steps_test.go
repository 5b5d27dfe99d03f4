package cardpane

import (
	"slices"
	"testing"

	"github.com/archex/archex/cards"
	"github.com/archex/archex/components/trace"
)

func TestSteps(t *testing.T) {
	c := cards.Default()
	hop := func(from, to string) trace.Hop { return trace.Hop{From: from, To: to} }
	async := func(from, to string) trace.Hop { return trace.Hop{From: from, To: to, Async: true} }
	var (
		in   = []trace.Hop{hop("User", "Load Balancer"), hop("Load Balancer", "API Gateway"), hop("API Gateway", "Service Layer")}
		out  = []trace.Hop{hop("Service Layer", "API Gateway"), hop("API Gateway", "Load Balancer"), hop("Load Balancer", "User")}
		pub  = []trace.Hop{hop("Service Layer", "Message Queue"), async("Message Queue", "Background Worker"), async("Background Worker", "Database")}
		join = func(parts ...[]trace.Hop) []trace.Hop { return slices.Concat(parts...) }
	)
	tests := []struct {
		name string
		hops []trace.Hop
		want []int
	}{
		{"cold read: the card's 14 hops", join(in, []trace.Hop{hop("Service Layer", "Cache"), hop("Cache", "Service Layer"),
			hop("Service Layer", "Database"), hop("Database", "Service Layer"), hop("Service Layer", "Cache")}, pub, out),
			[]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}},
		{"hit: no database", join(in, []trace.Hop{hop("Service Layer", "Cache"), hop("Cache", "Service Layer")}, pub, out),
			[]int{0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13}},
		{"cache down: no reply, the fill still maps to the fill", join(in, []trace.Hop{hop("Service Layer", "Cache"),
			hop("Service Layer", "Database"), hop("Database", "Service Layer"), hop("Service Layer", "Cache")}, pub, out),
			[]int{0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13}},
		{"gateway down", []trace.Hop{hop("User", "Load Balancer"), hop("Load Balancer", "API Gateway"), hop("Load Balancer", "User")},
			[]int{0, 1, 13}},
		{"a hop the card does not draw", []trace.Hop{hop("User", "Load Balancer"), hop("Service Layer", "Nowhere")}, []int{0, -1}},
	}
	for _, tt := range tests {
		if got := Steps(c, tt.hops); !slices.Equal(got, tt.want) {
			t.Errorf("%s: Steps = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := Steps(nil, in); !slices.Equal(got, []int{-1, -1, -1}) {
		t.Errorf("no card: %v", got)
	}
}
