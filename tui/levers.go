package tui

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/archex/archex/card"
	"github.com/archex/archex/engine"
)

// The levers on the dashboard: select a box (↑/↓), then ] for more and [
// for less of what it has: the service's replicas, the database's pool, the
// worker's consumers, the cache's TTL, the gateway's rate limit per key.
// The switches have keys of their own (b, y, o, a). Every turn goes
// through System.Turn, so a front end that sets a budget (a challenge) can
// refuse it, and is told in the fault words (scale service 4).

// Steps of the levers that are not counted one by one.
var (
	ttlSteps  = []time.Duration{time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute, time.Hour}
	rateSteps = []float64{10, 25, 50, 100, 150, 200, 300, 500, 1000, 2000, 5000}
)

// boxLever is the lever a box of kind k turns, with its name and its
// setting now, or "" when it has none.
func boxLever(k card.Kind, l engine.Levers) (name, setting string) {
	switch k {
	case card.KindService:
		return "scale service", fmt.Sprintf("%d replicas", l.Replicas)
	case card.KindDatabase:
		return "pool", fmt.Sprintf("pool %d", l.Pool)
	case card.KindWorker:
		return "scale worker", fmt.Sprintf("%d consumers", l.Workers)
	case card.KindCache:
		return "ttl", "ttl " + shortDuration(l.TTL)
	case card.KindAPIGateway:
		return "ratelimit", strconv.FormatFloat(l.KeyRate, 'f', -1, 64) + "/s/key"
	}
	return "", ""
}

// leverNote says what a lever's turn does while it takes effect.
func leverNote(name string, up bool) string {
	switch {
	case name == "scale service" && up:
		return ": the new replica joins the rotation once its health check passes"
	case name == "scale service":
		return ": the last replica leaves the rotation, finishes its requests, then stops"
	case name == "scale worker" && !up:
		return ": the consumer removed finishes its batch first"
	case name == "pool" && up:
		return ": one more connection, opened when a statement needs it"
	case name == "pool":
		return ": the surplus connection closes when it comes back"
	}
	switch name {
	case "ttl":
		return " for new fills (cached keys keep theirs)"
	case "ratelimit":
		return " per API key (429 above it)"
	}
	return ""
}

// Selected names the selected component.
func (m *Model) Selected() string { return m.selectedName() }

// leverCommand is the command that turns lever name one step up or down
// from l, and false at the end of its range.
func leverCommand(name string, l engine.Levers, up bool) (string, bool) {
	step := func(n, lo, hi int) (int, bool) {
		if up {
			n++
		} else {
			n--
		}
		return n, n >= lo && n <= hi
	}
	switch name {
	case "scale service":
		n, ok := step(l.Replicas, 1, 9)
		return "scale service " + strconv.Itoa(n), ok
	case "scale worker":
		n, ok := step(l.Workers, 1, 9)
		return "scale worker " + strconv.Itoa(n), ok
	case "pool":
		n, ok := step(l.Pool, 1, 32)
		return "pool " + strconv.Itoa(n), ok
	case "ttl":
		d, ok := nextStep(ttlSteps, l.TTL, up)
		return "ttl " + shortDuration(d), ok
	case "ratelimit":
		r, ok := nextStep(rateSteps, l.KeyRate, up)
		return "ratelimit " + strconv.FormatFloat(r, 'f', -1, 64), ok
	}
	return "", false
}

// nextStep is the step after v (up) or before it, and false past the ends.
func nextStep[T int | float64 | time.Duration](steps []T, v T, up bool) (T, bool) {
	if up {
		for _, s := range steps {
			if s > v {
				return s, true
			}
		}
		return v, false
	}
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i] < v {
			return steps[i], true
		}
	}
	return v, false
}

// shortDuration is "1s", "30s", "5m", "1h".
func shortDuration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d >= time.Minute && d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	}
	return d.String()
}

// allows reports whether the keys may turn lever name.
func (m *Model) allows(name string) bool {
	return m.opts.Levers == nil || slices.Contains(m.opts.Levers, name)
}

// restrictKeys disables the keys the options take away, so that the help
// lists only what works.
func (m *Model) restrictKeys() {
	k := &m.keys
	for _, sw := range []struct {
		b    *key.Binding
		name string
	}{{&k.Breaker, "breaker"}, {&k.Singleflight, "singleflight"}, {&k.Shedding, "shedding"}, {&k.Algorithm, "algorithm"}} {
		sw.b.SetEnabled(m.allows(sw.name))
	}
	any := false
	for _, name := range []string{"scale service", "scale worker", "pool", "ttl", "ratelimit"} {
		any = any || m.allows(name)
	}
	k.LeverUp.SetEnabled(any)
	k.LeverDown.SetEnabled(any)
	if m.opts.NoChaos {
		for _, b := range []*key.Binding{&k.KillCache, &k.KillDatabase, &k.KillQueue, &k.KillWorker, &k.KillGateway, &k.KillLB,
			&k.Replica, &k.CrashWorker, &k.KillSelected, &k.SlowSelected, &k.FailSelected, &k.HealSelected,
			&k.Pause, &k.Faster, &k.Slower, &k.Pattern, &k.Failure, &k.Reset} {
			b.SetEnabled(false)
		}
	}
}

// selectedLever is the selected box's lever, when it has one the keys
// may turn.
func (m *Model) selectedLever() (st engine.Status, name, setting string, ok bool) {
	st, ok = m.selectedStatus()
	if !ok || m.snap == nil {
		return st, "", "", false
	}
	name, setting = boxLever(st.Kind, m.snap.Levers)
	return st, name, setting, name != "" && m.allows(name) && m.keys.LeverUp.Enabled()
}

// selectedLeverText is the line that tells what [ and ] do on the box just
// selected, or "".
func (m *Model) selectedLeverText() string {
	st, _, setting, ok := m.selectedLever()
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s: %s · [ less, ] more", st.Name, setting)
}

// onLeverKey turns the selected box's lever one step.
func (m *Model) onLeverKey(up bool) tea.Cmd {
	st, name, _, ok := m.selectedLever()
	if !ok {
		m.status = "select a box with a lever (↑/↓): " + m.leverBoxes()
		return nil
	}
	cmd, ok := leverCommand(name, m.snap.Levers, up)
	if !ok {
		m.status = st.Name + ": " + name + " is at its end"
		return nil
	}
	f, err := engine.ParseLever(cmd)
	if err != nil {
		m.status = err.Error()
		return nil
	}
	return func() tea.Msg {
		// The error names the lever already ("pool 7: over budget ...").
		if err := m.sys.Turn(f); err != nil {
			return actionMsg{text: err.Error()}
		}
		return actionMsg{text: cmd + leverNote(name, up)}
	}
}

// leverBoxes names the boxes with a lever the keys may turn.
func (m *Model) leverBoxes() string {
	out := ""
	if m.snap == nil {
		return out
	}
	for _, st := range m.snap.Components {
		if name, _ := boxLever(st.Kind, m.snap.Levers); name != "" && m.allows(name) {
			if out != "" {
				out += ", "
			}
			out += st.Name + " (" + name + ")"
		}
	}
	return out
}
