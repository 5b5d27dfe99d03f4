package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
)

func TestParseFaultNamesAndValues(t *testing.T) {
	for _, tc := range []struct {
		in                    string
		action, target, value string
		at                    time.Duration
	}{
		{"kill cache @5s", "kill", "cache", "", 5 * time.Second},
		{`kill "Load Balancer" @1s`, "kill", "Load Balancer", "", time.Second},
		{"kill Load Balancer @1s", "kill", "Load Balancer", "", time.Second},
		{"KILL load-balancer@ 1s", "kill", "load-balancer", "", time.Second},
		{`slow "Feed Cache" 20ms @3s`, "slow", "Feed Cache", "20ms", 3 * time.Second},
		{"fail Feed Cache 30% @2s", "fail", "Feed Cache", "30%", 2 * time.Second},
		{`heal "A @ B" @4s`, "heal", "A @ B", "", 4 * time.Second},
		{"rate 800 @10s", "rate", "", "800", 10 * time.Second},
	} {
		f, err := ParseFault(tc.in)
		if err != nil || f.Action != tc.action || f.Target != tc.target || f.Value != tc.value || f.At != tc.at {
			t.Errorf("ParseFault(%q) = %+v, %v; want %s %q %q @%v", tc.in, f, err, tc.action, tc.target, tc.value, tc.at)
		}
	}
	for in, want := range map[string]string{
		"rate NaN @1s":         "rate NaN is not a number",
		"rate -Inf @1s":        "rate -Inf is not a number",
		"rate 5001 @1s":        "above the 5000 requests per second",
		"fail cache NaN @1s":   `fail rate "NaN"`,
		"fail cache -0.1 @1s":  `fail rate "-0.1"`,
		"slow cache NaNms @1s": `"NaNms" is not a duration`,
		"slow cache 61s @1s":   `"61s" is not a duration like 20ms (from 0 to 1m0s)`,
		`kill "cache @1s`:      "a quote (\") is not closed",
		"slow cache @1s":       "slow takes a component and a duration",
	} {
		if _, err := ParseFault(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFault(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

// A card's own name, in any case, as written or as a slug, names its
// component.
func TestCheckFaultTakesTheCardsNames(t *testing.T) {
	e := newEngine(t, Options{})
	for _, s := range []string{`kill "Load Balancer" @1s`, "kill load balancer @1s", "kill LOAD-BALANCER @1s", "slow Service Layer 5ms @1s", "fail service-2 0.5 @1s"} {
		f, err := ParseFault(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.CheckFault(f); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}

// A lever command is a lever's fault words without a time.
func TestParseLever(t *testing.T) {
	for in, want := range map[string]string{
		"scale service 4":             "scale service 4",
		"  shedding   on ":            "shedding   on",
		"algorithm least-connections": "algorithm least-connections",
		`scale "Background Worker" 3`: `scale "Background Worker" 3`,
	} {
		f, err := ParseLever(in)
		if err != nil || f.Text != want || !f.IsLever() {
			t.Errorf("ParseLever(%q) = %+v, %v", in, f, err)
		}
	}
	for in, msg := range map[string]string{
		"kill cache":         "kill is not a lever",
		"shedding on @2s":    "a lever takes no time",
		"pool":               "pool takes a number of connections",
		"scale service nine": `"nine" is not a number of replicas or consumers from 1 to 9`,
		"":                   "no action",
	} {
		if _, err := ParseLever(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseLever(%q) = %v, want an error with %q", in, err, msg)
		}
	}
}

// Faults are checked against a card before anything runs, with the same
// names the engine resolves.
func TestCheckFaultOnACard(t *testing.T) {
	c := cards.Default()
	chat, err := cards.Load("chat.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		card  *card.Card
		fault string
		want  string // "" when fine
		lever string
	}{
		{c, "kill cache @1s", "", ""},
		{c, "fail service-3 1.0 @1s", "", ""},
		{c, "fail service-4 1.0 @1s", "the service has replicas service-1 to service-3", ""},
		{c, `scale "Service Layer" 4 @1s`, "", "scale service"},
		{c, "scale worker 4 @1s", "", "scale worker"},
		{c, "scale service-2 4 @1s", "is one replica", ""},
		{c, "scale cache 2 @1s", "cannot be scaled", ""},
		{c, "pool 5 @1s", "", "pool"},
		{chat, "ttl 5s @1s", "has no cache", ""},
		{chat, "kill chat-service @1s", "", ""},
		{chat, "crash worker @1s", "", ""},
	} {
		f, err := ParseFault(tc.fault)
		if err != nil {
			t.Fatal(err)
		}
		err = CheckFaultOn(tc.card, f)
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckFaultOn(%s, %q) = %v, want %q", tc.card.Title, tc.fault, err, tc.want)
		}
		if lever, _ := LeverOn(tc.card, f); err == nil && lever != tc.lever {
			t.Errorf("LeverOn(%q) = %q, want %q", tc.fault, lever, tc.lever)
		}
	}
}
