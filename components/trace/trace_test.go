package trace_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/archex/archex/components/trace"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSendThenReceivedGivesSenderAndTime(t *testing.T) {
	sent := time.Unix(0, 1732650000123456789)
	h := http.Header{}
	trace.Send(h, "Load Balancer", sent)

	from, at := trace.Received(h, time.Now())
	if from != "Load Balancer" {
		t.Errorf("from %q, want %q", from, "Load Balancer")
	}
	if !at.Equal(sent) {
		t.Errorf("sent at %v, want %v (to the nanosecond)", at, sent)
	}
	if got := trace.SentOr(h, time.Now()); !got.Equal(sent) {
		t.Errorf("SentOr %v, want %v", got, sent)
	}
}

func TestSendReplacesAnEarlierStamp(t *testing.T) {
	h := http.Header{}
	trace.Send(h, "User", time.Unix(1, 0))
	trace.Send(h, "API Gateway", time.Unix(2, 0))
	if v := h.Values(trace.HeaderHop); len(v) != 1 {
		t.Fatalf("hop header has %d values %q, want 1: each hop restamps", len(v), v)
	}
	from, at := trace.Received(h, time.Time{})
	if from != "API Gateway" || !at.Equal(time.Unix(2, 0)) {
		t.Errorf("received %q at %v, want the later stamp", from, at)
	}
}

func TestReceivedFallsBackWithoutAUsableSendTime(t *testing.T) {
	fallback := time.Unix(42, 0)
	tests := []struct {
		name     string
		header   http.Header
		wantFrom string
	}{
		{"no header", http.Header{}, ""},
		{"not a number", http.Header{trace.HeaderHop: {"yesterday User"}}, "User"},
		{"empty value", http.Header{trace.HeaderHop: {""}}, ""},
		{"name only", http.Header{trace.HeaderHop: {" Cache"}}, "Cache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, at := trace.Received(tt.header, fallback)
			if from != tt.wantFrom {
				t.Errorf("from %q, want %q", from, tt.wantFrom)
			}
			if !at.Equal(fallback) {
				t.Errorf("sent %v, want the fallback %v", at, fallback)
			}
			if got := trace.SentOr(tt.header, fallback); !got.Equal(fallback) {
				t.Errorf("SentOr %v, want the fallback %v", got, fallback)
			}
		})
	}
}

func TestFromHeaderReadsTheTraceID(t *testing.T) {
	h := http.Header{}
	if id := trace.FromHeader(h); id != "" {
		t.Errorf("no header: id %q, want empty", id)
	}
	// Set canonicalises the name: the header as net/http delivers it.
	h.Set("x-trace-id", "abc123")
	if id := trace.FromHeader(h); id != "abc123" {
		t.Errorf("id %q, want abc123", id)
	}
}

func TestNewIDIsDistinctPerInputAndHex(t *testing.T) {
	seen := map[trace.ID]uint64{}
	for _, r := range []uint64{0, 1, 2, 1 << 8, 1 << 56, 0xdeadbeef, ^uint64(0)} {
		id := trace.NewID(r)
		if len(id) != 16 {
			t.Errorf("NewID(%#x) = %q, want 16 hex digits", r, id)
		}
		for _, c := range id {
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				t.Errorf("NewID(%#x) = %q: %q is not a hex digit", r, id, c)
			}
		}
		if prev, ok := seen[id]; ok {
			t.Errorf("NewID(%#x) = NewID(%#x) = %q", r, prev, id)
		}
		seen[id] = r
	}
	if trace.NewID(7) != trace.NewID(7) {
		t.Error("NewID is not a function of its input")
	}
}

func TestOutcomeNames(t *testing.T) {
	tests := []struct {
		o    trace.Outcome
		want string
	}{
		{trace.OK, "ok"},
		{trace.Hit, "hit"},
		{trace.Miss, "miss"},
		{trace.Fallback, "fallback"},
		{trace.Skipped, "skipped"},
		{trace.Error, "error"},
		{trace.Shed, "shed"},
		{trace.Outcome(99), "outcome(99)"},
	}
	for _, tt := range tests {
		if got := tt.o.String(); got != tt.want {
			t.Errorf("Outcome(%d).String() = %q, want %q", tt.o, got, tt.want)
		}
		b, err := tt.o.MarshalText()
		if err != nil || string(b) != tt.want {
			t.Errorf("Outcome(%d).MarshalText() = %q, %v; want %q", tt.o, b, err, tt.want)
		}
	}
}

func TestHopJSONNamesTheOutcome(t *testing.T) {
	b, err := json.Marshal(trace.Hop{From: "Cache", To: "Service Layer", Outcome: trace.Miss})
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Outcome string }
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Outcome != "miss" {
		t.Errorf("outcome in JSON %q, want \"miss\" (from %s)", got.Outcome, b)
	}
}

func TestHopEnd(t *testing.T) {
	h := trace.Hop{Start: time.Unix(10, 0), Duration: 1500 * time.Millisecond}
	if want := time.Unix(11, 5e8); !h.End().Equal(want) {
		t.Errorf("End %v, want %v", h.End(), want)
	}
}

// A hop's JSON carries its fields by name, the reason as a word, and
// leaves out the fields the hop does not have.
func TestHopJSONCarriesItsFields(t *testing.T) {
	b, err := json.Marshal(trace.Hop{From: "Service Layer", To: "Cache", Op: "GET", Outcome: trace.Skipped,
		Key: "product:42", Why: trace.BreakerOpen})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got["key"] != "product:42" || got["why"] != "breaker-open" || got["op"] != "GET" || got["outcome"] != "skipped" {
		t.Errorf("JSON %s", b)
	}
	for _, absent := range []string{"table", "rows", "status", "event", "error", "reply"} {
		if _, ok := got[absent]; ok {
			t.Errorf("JSON has %q, which the hop does not have: %s", absent, b)
		}
	}
	for r := trace.NoReason + 1; r <= trace.Invalidated; r++ {
		if s := r.String(); s == "" || strings.HasPrefix(s, "reason(") {
			t.Errorf("reason %d has no name", r)
		}
	}
}
