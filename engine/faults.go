package engine

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/archex/archex/components/traffic"
)

// Fault is one scripted change to the running system, at a time since start:
// "kill cache @5s", "slow database 20ms @3s", "fail cache 0.3 @2s",
// "rate 800 @10s", "breaker off @0s".
type Fault struct {
	At     time.Duration
	Action string // kill, revive, slow, fail, heal, crash, rate, pattern, breaker, singleflight, shedding
	Target string // a component, for the actions on one
	Value  string // the action's argument, as written
	Text   string // the whole fault as written
}

func (f Fault) String() string { return f.Text }

// faultUsage is the grammar, for error messages.
const faultUsage = `write faults like "kill cache @5s", "revive cache @12s", "slow database 20ms @3s", "fail cache 0.5 @2s", "heal cache @8s", "crash worker @4s", "rate 800 @10s", "pattern spike @0s", "breaker off @0s", "singleflight off @0s" or "shedding on @0s"`

// ParseFault reads one fault. It checks the form, not the component name
// (that needs the card: see CheckFault).
func ParseFault(s string) (Fault, error) {
	f := Fault{Text: strings.TrimSpace(s)}
	bad := func(why string) (Fault, error) {
		return Fault{}, fmt.Errorf("bad fault %q: %s; %s", s, why, faultUsage)
	}
	body, at, ok := strings.Cut(f.Text, "@")
	if !ok {
		return bad("no time (@5s)")
	}
	d, err := time.ParseDuration(strings.TrimSpace(at))
	if err != nil || d < 0 {
		return bad(fmt.Sprintf("time %q is not a duration like 5s", strings.TrimSpace(at)))
	}
	f.At = d
	words := strings.Fields(body)
	if len(words) == 0 {
		return bad("no action")
	}
	f.Action = strings.ToLower(words[0])
	args := words[1:]
	need := func(n int, form string) error {
		if len(args) != n {
			return fmt.Errorf("%s takes %s", f.Action, form)
		}
		return nil
	}
	switch f.Action {
	case "kill", "revive", "heal":
		if err := need(1, "a component"); err != nil {
			return bad(err.Error())
		}
		f.Target = args[0]
	case "crash":
		if err := need(1, "the worker"); err != nil || !strings.EqualFold(args[0], "worker") {
			return bad("crash takes the worker: crash worker @4s")
		}
		f.Target = args[0]
	case "slow":
		if err := need(2, "a component and a duration"); err != nil {
			return bad(err.Error())
		}
		if v, err := time.ParseDuration(args[1]); err != nil || v < 0 {
			return bad(fmt.Sprintf("%q is not a duration like 20ms", args[1]))
		}
		f.Target, f.Value = args[0], args[1]
	case "fail":
		if err := need(2, "a component and a fraction"); err != nil {
			return bad(err.Error())
		}
		if _, err := parseFraction(args[1]); err != nil {
			return bad(err.Error())
		}
		f.Target, f.Value = args[0], args[1]
	case "rate":
		if err := need(1, "requests per second"); err != nil {
			return bad(err.Error())
		}
		if v, err := strconv.ParseFloat(args[0], 64); err != nil || v < 0 {
			return bad(fmt.Sprintf("rate %q is not a number of requests per second", args[0]))
		}
		f.Value = args[0]
	case "pattern":
		if err := need(1, "a pattern"); err != nil {
			return bad(err.Error())
		}
		if _, err := traffic.ParsePattern(args[0]); err != nil {
			return bad(err.Error())
		}
		f.Value = args[0]
	case "breaker", "singleflight", "shedding":
		if err := need(1, "on or off"); err != nil || (args[0] != "on" && args[0] != "off") {
			return bad(f.Action + " takes on or off")
		}
		f.Value = args[0]
	default:
		return bad(fmt.Sprintf("unknown action %q", words[0]))
	}
	return f, nil
}

// parseFraction reads 0.3 or 30%.
func parseFraction(s string) (float64, error) {
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if pct {
		v /= 100
	}
	if err != nil || v < 0 || v > 1 {
		return 0, fmt.Errorf("fail rate %q: give a fraction from 0 to 1, or a percentage", s)
	}
	return v, nil
}

// CheckFault reports whether the fault's component is on the card.
func (e *Engine) CheckFault(f Fault) error {
	if f.Target == "" || f.Action == "crash" {
		if f.Action == "crash" && e.worker == nil {
			return fmt.Errorf("bad fault %q: card %q has no background worker", f.Text, e.card.Title)
		}
		return nil
	}
	if _, _, err := e.resolve(f.Target); err != nil {
		return fmt.Errorf("bad fault %q: %w", f.Text, err)
	}
	return nil
}

// Apply carries a fault out now.
func (e *Engine) Apply(f Fault) error {
	switch f.Action {
	case "kill":
		return e.Kill(f.Target)
	case "revive":
		return e.Revive(f.Target)
	case "heal":
		return e.Heal(f.Target)
	case "crash":
		return e.CrashWorker()
	case "slow":
		d, _ := time.ParseDuration(f.Value)
		return e.Slow(f.Target, d)
	case "fail":
		v, _ := parseFraction(f.Value)
		return e.FailRate(f.Target, v)
	case "rate":
		v, _ := strconv.ParseFloat(f.Value, 64)
		e.SetRate(v)
	case "pattern":
		p, _ := traffic.ParsePattern(f.Value)
		e.SetPattern(p)
	case "breaker":
		e.SetBreaker(f.Value == "on")
	case "singleflight":
		e.SetSingleflight(f.Value == "on")
	case "shedding":
		e.SetShedding(f.Value == "on")
	default:
		return fmt.Errorf("unknown fault action %q", f.Action)
	}
	return nil
}
