package engine

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/traffic"
)

// Fault is one scripted change to the running system, at a time since start:
// "kill cache @5s", "slow database 20ms @3s", "fail cache 0.3 @2s",
// "rate 800 @10s", "breaker off @0s", `kill "Load Balancer" @1s`.
type Fault struct {
	At time.Duration
	// Action is kill, revive, slow, fail, heal, crash (chaos); rate,
	// pattern (traffic); or a lever: scale, pool, ttl, ratelimit, breaker,
	// singleflight, shedding, algorithm (see levers.go).
	Action string
	Target string // a component, for the actions on one
	Value  string // the action's argument, as written
	Text   string // the whole fault as written
}

func (f Fault) String() string { return f.Text }

// faultUsage is the grammar, for error messages.
const faultUsage = `write faults like "kill cache @5s", "revive cache @12s", "slow database 20ms @3s", "fail cache 0.5 @2s", "heal cache @8s", "crash worker @4s", "rate 800 @10s", "pattern spike @0s", and levers like "scale service 4 @2s", "scale worker 4 @2s", "pool 5 @2s", "ttl 5s @2s", "ratelimit 100 @2s", "breaker off @0s", "singleflight off @0s", "shedding on @0s" or "algorithm least-connections @0s"`

// faultNames says how a fault names a component, for error messages.
const faultNames = `a card's own name works too, quoted or not: kill "Load Balancer" @1s`

// MaxSlow is the most a fault may slow a component by: every caller has
// given up long before (the service after 500 ms, the user after 2 s).
const MaxSlow = time.Minute

// ParseFault reads one fault. It checks the form and the values, not the
// component name (that needs the card: see CheckFault). A component is
// named by its short name (cache, service-2), by its name on the card or by
// that name's slug, in any case; a name of several words may be quoted.
func ParseFault(s string) (Fault, error) {
	f, err := parseFault(s)
	if err != nil {
		return Fault{}, &FaultError{Input: s, Why: err.Error()}
	}
	return f, nil
}

// parseFault reads a fault; its error says what is wrong, no more.
func parseFault(s string) (Fault, error) {
	f := Fault{Text: strings.TrimSpace(s)}
	bad := func(why string) (Fault, error) { return Fault{}, errors.New(why) }
	words, at, err := splitFault(f.Text)
	if err != nil {
		return bad(err.Error())
	}
	d, err := time.ParseDuration(at)
	if err != nil || d < 0 {
		return bad(fmt.Sprintf("time %q is not a duration like 5s", at))
	}
	f.At = d
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
	// target joins the words that name a component, all but the last n.
	target := func(n int, form string) error {
		if len(args) < n+1 {
			return fmt.Errorf("%s takes %s", f.Action, form)
		}
		f.Target = strings.TrimSpace(strings.Join(args[:len(args)-n], " "))
		if f.Target == "" {
			return fmt.Errorf("%s takes %s, and the name is empty", f.Action, form)
		}
		if n > 0 {
			f.Value = args[len(args)-1]
		}
		return nil
	}
	switch f.Action {
	case "kill", "revive", "heal":
		err = target(0, "a component")
	case "crash":
		if err := need(1, "the worker"); err != nil || !strings.EqualFold(args[0], "worker") {
			return bad("crash takes the worker: crash worker @4s")
		}
		f.Target = args[0]
	case "slow":
		if err = target(1, "a component and a duration"); err == nil {
			_, err = parseSlow(f.Value)
		}
	case "fail":
		if err = target(1, "a component and a fraction"); err == nil {
			_, err = parseFraction(f.Value)
		}
	case "rate":
		if err = need(1, "requests per second"); err == nil {
			f.Value = args[0]
			_, err = parseRate(f.Value)
		}
	case "pattern":
		if err = need(1, "a pattern"); err == nil {
			f.Value = args[0]
			_, err = traffic.ParsePattern(f.Value)
		}
	case "breaker", "singleflight", "shedding":
		if err := need(1, "on or off"); err != nil || (args[0] != "on" && args[0] != "off") {
			return bad(f.Action + " takes on or off")
		}
		f.Value = args[0]
	case "scale":
		if err = target(1, "the service or the worker and a number: scale service 4"); err == nil {
			_, err = parseCount(f.Value, "replicas or consumers", 1, maxScale)
		}
	case "pool":
		if err = need(1, "a number of connections: pool 5"); err == nil {
			f.Value = args[0]
			_, err = parseCount(f.Value, "connections", 1, database.MaxPool)
		}
	case "ttl":
		if err = need(1, "a duration: ttl 5s"); err == nil {
			f.Value = args[0]
			_, err = parseTTL(f.Value)
		}
	case "ratelimit":
		if err = need(1, "requests per second per key: ratelimit 100"); err == nil {
			f.Value = args[0]
			_, err = parseKeyRate(f.Value)
		}
	case "algorithm":
		if err = need(1, "round-robin or least-connections"); err == nil {
			f.Value = strings.ToLower(args[0])
			_, err = parseAlgorithm(f.Value)
		}
	default:
		return bad(fmt.Sprintf("unknown action %q", words[0]))
	}
	if err != nil {
		return bad(err.Error())
	}
	return f, nil
}

// splitFault splits a fault into its words and the time after its last @
// (outside quotes). A word in double quotes may hold spaces.
func splitFault(s string) (words []string, at string, err error) {
	i, inQuote := -1, false
	for j, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
		case r == '@' && !inQuote:
			i = j
		}
	}
	switch {
	case inQuote:
		return nil, "", errors.New("a quote (\") is not closed")
	case i < 0:
		return nil, "", errors.New("no time (@5s)")
	}
	return fields(s[:i]), strings.TrimSpace(s[i+1:]), nil
}

// fields splits s at spaces, keeping what is in double quotes one word.
func fields(s string) []string {
	var words []string
	var w strings.Builder
	inWord, inQuote := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote, inWord = !inQuote, true
		case unicode.IsSpace(r) && !inQuote:
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// parseSlow reads a slow fault's delay: a duration from 0 to MaxSlow.
func parseSlow(s string) (time.Duration, error) {
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 || v > MaxSlow {
		return 0, fmt.Errorf("%q is not a duration like 20ms (from 0 to %v)", s, MaxSlow)
	}
	return v, nil
}

// parseFraction reads 0.3 or 30%.
func parseFraction(s string) (float64, error) {
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if pct {
		v /= 100
	}
	if err != nil || math.IsNaN(v) || v < 0 || v > 1 {
		return 0, fmt.Errorf("fail rate %q: give a fraction from 0 to 1, or a percentage", s)
	}
	return v, nil
}

// parseRate reads a rate fault's requests per second.
func parseRate(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("rate %q is not a number of requests per second", s)
	}
	if err := traffic.CheckRate(v, traffic.Steady); err != nil {
		return 0, err
	}
	return v, nil
}

// CheckFault reports whether the fault's component is on the card, and
// whether the card has what a lever turns.
func (e *Engine) CheckFault(f Fault) error {
	if err := e.checkLever(f); err != nil {
		return fmt.Errorf("bad fault %q: %w", f.Text, err)
	}
	if f.Target == "" || f.Action == "crash" {
		if f.Action == "crash" && e.worker == nil {
			return fmt.Errorf("bad fault %q: card %q has no background worker", f.Text, e.card.Title)
		}
		return nil
	}
	p, replica, err := e.resolve(f.Target)
	if err != nil {
		return fmt.Errorf("bad fault %q: %w", f.Text, err)
	}
	// Refused now, not when its time comes in the middle of a run.
	if (f.Action == "slow" || f.Action == "fail") && len(p.faultsOf(replica)) == 0 {
		return fmt.Errorf("bad fault %q: %s has no calls to slow or fail (kill pauses it); slow or fail a component on the request's path", f.Text, p.comp.Name)
	}
	return nil
}

// Plan hands the user the traffic faults of a script (rate, pattern) before
// their time, so that each takes effect at exactly its point of the
// traffic's schedule, however late the process runs, and ends the traffic
// at end (when above 0): the same seed and script then send the same
// requests in the same seconds. Times count from Start; call Plan before
// it. It returns the faults left to Apply when their time comes.
func (e *Engine) Plan(script []Fault, end time.Duration) (rest []Fault) {
	for _, f := range script {
		switch f.Action {
		case "rate":
			v, _ := parseRate(f.Value)
			e.user.PlanRate(f.At, v)
		case "pattern":
			p, _ := traffic.ParsePattern(f.Value)
			e.user.PlanPattern(f.At, p)
		default:
			rest = append(rest, f)
		}
	}
	if end > 0 {
		e.user.PlanEnd(end)
	}
	return rest
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
		d, _ := parseSlow(f.Value)
		return e.Slow(f.Target, d)
	case "fail":
		v, _ := parseFraction(f.Value)
		return e.FailRate(f.Target, v)
	case "rate":
		v, _ := parseRate(f.Value)
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
	case "scale":
		n, _ := parseCount(f.Value, "", 1, maxScale)
		p, _, err := e.resolve(f.Target)
		if err != nil {
			return err
		}
		if p.comp.Kind == card.KindWorker {
			return e.ScaleWorker(n)
		}
		return e.ScaleService(n)
	case "pool":
		n, _ := parseCount(f.Value, "", 1, database.MaxPool)
		return e.SetPool(n)
	case "ttl":
		d, _ := parseTTL(f.Value)
		return e.SetTTL(d)
	case "ratelimit":
		r, _ := parseKeyRate(f.Value)
		return e.SetKeyRate(r)
	case "algorithm":
		a, _ := parseAlgorithm(f.Value)
		return e.SetAlgorithm(a)
	default:
		return fmt.Errorf("unknown fault action %q", f.Action)
	}
	return nil
}
