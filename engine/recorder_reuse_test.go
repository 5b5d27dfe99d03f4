package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/archex/archex/components/trace"
)

// Beyond keepTraces the oldest trace's record is the new one's: a trace
// copied before keeps its hops, the new trace holds only its own, and the
// forgotten one is gone.
func TestForgottenTracesLendTheirRoomAndNothingElse(t *testing.T) {
	e := newEngine(t, Options{})
	r := newRecorder(e)
	hop := func(id trace.ID, detail string) trace.Hop {
		return trace.Hop{Trace: id, From: "User", To: "Load Balancer", Detail: detail, Start: time.Now()}
	}
	id := func(i int) trace.ID { return trace.ID(fmt.Sprintf("req-%d", i)) }
	r.Record(hop(id(0), "first"))
	r.Record(hop(id(0), "second"))
	kept, ok := r.trace(id(0))
	if !ok || len(kept.Hops) != 2 {
		t.Fatalf("trace 0: %v, %d hops", ok, len(kept.Hops))
	}
	for i := 1; i <= keepTraces; i++ {
		r.Record(hop(id(i), fmt.Sprintf("hop of %d", i)))
	}
	if _, ok := r.trace(id(0)); ok {
		t.Error("the oldest trace is still kept beyond keepTraces")
	}
	if kept.Hops[0].Detail != "first" || kept.Hops[1].Detail != "second" {
		t.Errorf("a copy taken before changed when its room was reused: %q, %q", kept.Hops[0].Detail, kept.Hops[1].Detail)
	}
	last, ok := r.trace(id(keepTraces))
	if !ok || len(last.Hops) != 1 || last.Hops[0].Detail != fmt.Sprintf("hop of %d", keepTraces) || last.ID != id(keepTraces) {
		t.Errorf("the newest trace: %v %+v", ok, last)
	}
}
