package tui

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/charmbracelet/bubbles/key"

	"github.com/archex/archex/card"
	"github.com/archex/archex/engine"
)

// switchWords name the fields of engine.Switches on screen, with the key
// that flips each. A field without a row still shows, under its own name:
// the switches line reads every field of the snapshot's Switches, so a
// switch added to the engine is on screen without a change here.
var switchWords = map[string]struct {
	label string
	key   func(k *KeyMap) *key.Binding
	needs card.Kind // the switch means nothing on a card without one
}{
	"Breaker":      {"breaker", func(k *KeyMap) *key.Binding { return &k.Breaker }, card.KindCache},
	"Singleflight": {"singleflight", func(k *KeyMap) *key.Binding { return &k.Singleflight }, card.KindCache},
	"Shedding":     {"shedding", func(k *KeyMap) *key.Binding { return &k.Shedding }, card.KindDatabase},
	"Algorithm":    {"LB", func(k *KeyMap) *key.Binding { return &k.Algorithm }, card.KindLoadBalancer},
}

// aSwitch is one switch as the line shows it.
type aSwitch struct {
	key, label, value string
	away              bool // not as it was at the start
}

// switchList reads every field of sw, in order, against start (what the
// system started with: r puts it back). A string field that is empty (the
// algorithm of a card without a load balancer) does not apply.
func (m *Model) switchList(sw, start engine.Switches) []aSwitch {
	v, s := reflect.ValueOf(sw), reflect.ValueOf(start)
	var out []aSwitch
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		val := v.Field(i)
		x := aSwitch{label: strings.ToLower(f.Name), away: !reflect.DeepEqual(val.Interface(), s.Field(i).Interface())}
		if w, ok := switchWords[f.Name]; ok {
			if w.needs != "" && len(m.card.ByKind(w.needs)) == 0 {
				continue // the breaker of a card without a cache
			}
			x.label = w.label
			if b := w.key(&m.keys); b.Enabled() {
				x.key = b.Help().Key
			}
		}
		switch val.Kind() {
		case reflect.Bool:
			x.value = onOff(val.Bool())
		case reflect.String:
			if val.String() == "" {
				continue
			}
			x.value = val.String()
		default:
			x.value = fmt.Sprint(val.Interface())
		}
		out = append(out, x)
	}
	return out
}

// switchesLine is the system's switches, always on screen under the
// header, each with its key: "b breaker on · y singleflight on · o
// shedding off · a LB round-robin". A switch not as it started is bold
// and marked with a * (seen without colour too).
func (m *Model) switchesLine() string {
	if m.snap == nil {
		return ""
	}
	key := switchesKey{snap: m.snap, width: m.width, keys: m.keysGen}
	if m.drawn.switchesKey == key {
		return m.drawn.switches
	}
	list := m.switchList(m.snap.Switches, m.startSwitches)
	parts := make([]string, 0, len(list))
	plain := 0
	for _, x := range list {
		p := ""
		if x.key != "" {
			p = m.styles.Help.ShortKey.Render(x.key) + " "
		}
		value := m.styles.Text.Render(x.value)
		if x.away {
			value = m.styles.Bold.Render(x.value + "*")
		}
		p += m.styles.Muted.Render(x.label+" ") + value
		parts = append(parts, p)
		plain += len(x.key) + len(x.label) + len(x.value) + 5
	}
	sep := m.styles.Muted.Render(" · ")
	line := strings.Join(parts, sep)
	if plain > m.width {
		line = strings.Join(parts, m.styles.Muted.Render(" "))
	}
	m.drawn.switchesKey, m.drawn.switches = key, truncate(line, m.width)
	return m.drawn.switches
}

// switchesKey is what the switches line is drawn from: a snapshot (which
// never changes), the width, the keys.
type switchesKey struct {
	snap        *engine.Snapshot
	width, keys int
}
