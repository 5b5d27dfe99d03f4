package tui

import (
	"fmt"
	"slices"

	"github.com/charmbracelet/bubbles/key"

	"github.com/archex/archex/card"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/tui/figures"
)

// look is what a component's failure looks like on screen, by kind: the
// key that kills it, the figures that prove what its loss does (now, against
// the steady seconds before) and the charts that show it. The card's failure
// scenario takes the look of its component for the banner, the first
// screen's hint, the footer's keys, the quiz tab's hint and the order of the
// charts; any other component that goes down gets the same look for its
// alert line. A new kind is a row in looks, not a branch in each of them.
type look struct {
	// key picks the key that kills and revives a component of the kind;
	// nil: select it (↑/↓) and press enter.
	key func(k *KeyMap) *key.Binding
	// proof are the figures that tell the story, most telling first.
	proof []proofFigure
	// charts are the figures panel's charts that show it, first.
	charts []figures.Chart
	// recovered, when set, tells when a revived component has recovered
	// (a cache refilled, a backlog drained); until then recovery says how
	// it goes. Without it, an incident ends with the revive.
	recovered func(inc *incident, st engine.Status, s *engine.Snapshot) bool
	recovery  func(m *Model, inc *incident, st engine.Status) (title, text string)
}

// proofFigure is one figure of a proof: read from the seconds (averaged
// over a few, now and before), or live from the component's status.
type proofFigure struct {
	label string
	// second reads the figure of one second; ok is false when the second
	// has none (no lookups).
	second func(s engine.Second) (v float64, ok bool)
	// live reads it from the snapshot instead, as it is now (a queue's
	// backlog): no "before".
	live func(st engine.Status, s *engine.Snapshot) string
	// gauge, when set, reads the figure now from the snapshot (a queue's
	// depth is a level, not a count a second: its latest value is the
	// truth), against its average over the seconds before.
	gauge func(s *engine.Snapshot) (float64, bool)
	// unit formats a value of second.
	unit func(v float64) string
	// median takes the median of the seconds rather than their mean: a
	// second's p99 at 20 req/s is its slowest request, and one slow second
	// on a busy machine must not make a baseline.
	median bool
	// needs is a kind the card must have for the figure to mean anything
	// (the hit ratio needs a cache).
	needs card.Kind
}

// The figures proofs are made of.
var (
	proofHitRatio = proofFigure{label: "hit ratio", needs: card.KindCache, unit: func(v float64) string { return fmt.Sprintf("%.0f%%", v*100) },
		second: func(s engine.Second) (float64, bool) {
			if s.HitRatio == nil {
				return 0, false
			}
			return *s.HitRatio, true
		}}
	proofDBReads = proofFigure{label: "DB reads", needs: card.KindDatabase, unit: perSecond,
		second: func(s engine.Second) (float64, bool) { return float64(s.DBReads), true }}
	proofP99 = proofFigure{label: "p99", unit: func(v float64) string { return msText(v) }, median: true,
		second: func(s engine.Second) (float64, bool) { return s.P99, s.OK+s.Failed > 0 }}
	proofErrors = proofFigure{label: "errors", unit: perSecond,
		second: func(s engine.Second) (float64, bool) { return float64(s.Failed), true }}
	proofDepth = proofFigure{label: "queue depth", needs: card.KindQueue, unit: func(v float64) string { return fmt.Sprintf("%.0f", v) },
		second: func(s engine.Second) (float64, bool) { return float64(s.QueueDepth), true },
		gauge: func(s *engine.Snapshot) (float64, bool) {
			q, ok := s.ByKind(card.KindQueue)
			return float64(q.Depth), ok
		}}
	proofJobs = proofFigure{label: "jobs", needs: card.KindWorker, unit: perSecond,
		second: func(s engine.Second) (float64, bool) { return float64(s.Jobs), true }}
	proofLag = proofFigure{label: "lag", needs: card.KindQueue, live: func(_ engine.Status, s *engine.Snapshot) string {
		if q, ok := s.ByKind(card.KindQueue); ok {
			return "lag " + short(q.Lag)
		}
		return ""
	}}
	proofWaiting = proofFigure{label: "events waiting", live: func(st engine.Status, _ *engine.Snapshot) string {
		return fmt.Sprintf("events waiting %d (outbox %d, spool %d), shed %d", st.Outbox+st.Spool, st.Outbox, st.Spool, st.EventsShed)
	}}
)

func perSecond(v float64) string { return fmt.Sprintf("%.0f/s", v) }

// looks by kind; lookOf falls back to the generic one.
var looks = map[card.Kind]look{
	card.KindCache: {key: func(k *KeyMap) *key.Binding { return &k.KillCache },
		proof:     []proofFigure{proofHitRatio, proofDBReads, proofP99},
		charts:    []figures.Chart{figures.HitRatio, figures.DBReads},
		recovered: cacheRecovered, recovery: cacheRecovery},
	card.KindWorker: {key: func(k *KeyMap) *key.Binding { return &k.KillWorker },
		proof:     []proofFigure{proofDepth, proofLag, proofJobs},
		charts:    []figures.Chart{figures.Queue, figures.Jobs},
		recovered: workerRecovered, recovery: workerRecovery},
	card.KindQueue: {key: func(k *KeyMap) *key.Binding { return &k.KillQueue },
		proof:     []proofFigure{proofWaiting},
		charts:    []figures.Chart{figures.Waiting, figures.Queue},
		recovered: queueRecovered, recovery: queueRecovery},
	card.KindDatabase: {key: func(k *KeyMap) *key.Binding { return &k.KillDatabase },
		proof:  []proofFigure{proofErrors, proofHitRatio, proofP99},
		charts: []figures.Chart{figures.Errors, figures.DBQPS}},
	card.KindAPIGateway: {key: func(k *KeyMap) *key.Binding { return &k.KillGateway },
		proof: []proofFigure{proofErrors, proofP99}, charts: []figures.Chart{figures.Errors}},
	card.KindLoadBalancer: {key: func(k *KeyMap) *key.Binding { return &k.KillLB },
		proof: []proofFigure{proofErrors, proofP99}, charts: []figures.Chart{figures.Errors}},
	card.KindClient: {key: func(k *KeyMap) *key.Binding { return &k.Pause }},
}

// genericLook is the look of a kind without a row: its errors and latency.
var genericLook = look{proof: []proofFigure{proofErrors, proofP99}, charts: []figures.Chart{figures.Errors}}

func lookOf(k card.Kind) look {
	if l, ok := looks[k]; ok {
		return l
	}
	return genericLook
}

// proofFor is a look's proof on card c: the figures whose kind the card has.
func (l look) proofFor(c *card.Card) []proofFigure {
	out := make([]proofFigure, 0, len(l.proof))
	for _, p := range l.proof {
		if p.needs == "" || len(c.ByKind(p.needs)) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// killKey is the key that kills a component of the look's kind, or nil.
func (m *Model) killKey(k card.Kind) *key.Binding {
	if l := lookOf(k); l.key != nil {
		return l.key(&m.keys)
	}
	return nil
}

// failureComponent is the component of the card's failure scenario, or
// false when the card has none.
func (m *Model) failureComponent() (card.Component, bool) {
	f := m.card.Failure
	if f == nil {
		return card.Component{}, false
	}
	for _, c := range m.card.Components {
		if c.Name == f.Component {
			return c, true
		}
	}
	return card.Component{}, false
}

// failureHint is how to break what the card's failure scenario is about,
// in words: "c kills the Cache", "w kills the Fan-out Worker", "↑/↓ and
// enter kill the CDN". Empty without a scenario.
func (m *Model) failureHint() (keys, words string) {
	comp, ok := m.failureComponent()
	if !ok {
		return "", ""
	}
	if b := m.killKey(comp.Kind); b != nil && comp.Kind != card.KindClient {
		if !b.Enabled() {
			return "", "" // a scene that breaks things itself (a challenge)
		}
		return b.Help().Key, " kills the " + comp.Name
	}
	if !m.keys.KillSelected.Enabled() {
		return "", ""
	}
	return "↑/↓ enter", " kill the " + comp.Name
}

// applyCard fits the keys to the card: a kill key whose kind the card does
// not have is disabled (so the help offers only what works), and the
// footer's failure key is the one of the card's scenario.
func (m *Model) applyCard() {
	for _, kind := range []card.Kind{card.KindCache, card.KindDatabase, card.KindQueue, card.KindWorker, card.KindAPIGateway, card.KindLoadBalancer} {
		if len(m.card.ByKind(kind)) == 0 {
			m.killKey(kind).SetEnabled(false)
		}
	}
	if len(m.card.ByKind(card.KindService)) == 0 {
		m.keys.Replica.SetEnabled(false)
	}
	if len(m.card.ByKind(card.KindWorker)) == 0 {
		m.keys.CrashWorker.SetEnabled(false)
	}
	if len(m.card.ByKind(card.KindCache)) == 0 {
		// The breaker and singleflight are the service's ways with a cache.
		m.keys.Breaker.SetEnabled(false)
		m.keys.Singleflight.SetEnabled(false)
	}
	m.keys.Failure = m.keys.KillCache
	if comp, ok := m.failureComponent(); ok {
		b := &m.keys.KillSelected
		if k := m.killKey(comp.Kind); k != nil && comp.Kind != card.KindClient {
			b = k
		}
		keys, _ := m.failureHint()
		m.keys.Failure = *b
		m.keys.Failure.SetHelp(keys, "kill "+comp.Name)
	}
	m.keysGen++
}

// absentKey answers a kill key whose component the card does not have:
// what the card has instead.
func (m *Model) absentKey(msg string) bool {
	for _, kind := range []card.Kind{card.KindCache, card.KindDatabase, card.KindQueue, card.KindWorker, card.KindAPIGateway, card.KindLoadBalancer} {
		b := m.killKey(kind)
		if b.Enabled() || !hasKey(*b, msg) || len(m.card.ByKind(kind)) > 0 {
			continue
		}
		m.status = fmt.Sprintf("this card has no %s", kindWord(kind))
		if keys, words := m.failureHint(); keys != "" {
			m.status += fmt.Sprintf(" (its failure scenario: %s%s)", keys, words)
		}
		return true
	}
	if hasKey(m.keys.CrashWorker, msg) && !m.keys.CrashWorker.Enabled() && len(m.card.ByKind(card.KindWorker)) == 0 {
		m.status = "this card has no background worker to crash"
		return true
	}
	return false
}

func hasKey(b key.Binding, k string) bool {
	for _, x := range b.Keys() {
		if x == k {
			return true
		}
	}
	return false
}

// kindWord names a kind in a sentence.
func kindWord(k card.Kind) string {
	switch k {
	case card.KindLoadBalancer:
		return "load balancer"
	case card.KindAPIGateway:
		return "API gateway"
	case card.KindQueue:
		return "message queue"
	case card.KindWorker:
		return "background worker"
	}
	return string(k)
}

// chartsFor are the charts of card c, in the order the figures panel
// stacks them: requests, errors and latency, then those of the card's
// failure story, then the rest of what the card has.
func chartsFor(c *card.Card) []figures.Chart {
	has := func(k card.Kind) bool { return len(c.ByKind(k)) > 0 }
	out := []figures.Chart{figures.Sent, figures.Errors, figures.P99}
	if f := c.Failure; f != nil {
		for _, comp := range c.Components {
			if comp.Name == f.Component {
				out = append(out, lookOf(comp.Kind).charts...)
			}
		}
	}
	for _, x := range []struct {
		chart figures.Chart
		ok    bool
	}{
		{figures.HitRatio, has(card.KindCache)},
		{figures.DBReads, has(card.KindCache) && has(card.KindDatabase)},
		{figures.DBQPS, has(card.KindDatabase)},
		{figures.Queue, has(card.KindQueue)},
		{figures.Jobs, has(card.KindWorker)},
		{figures.Waiting, has(card.KindQueue)},
	} {
		if x.ok {
			out = append(out, x.chart)
		}
	}
	seen := map[figures.Chart]bool{}
	return slices.DeleteFunc(out, func(ch figures.Chart) bool {
		dup := seen[ch]
		seen[ch] = true
		return dup
	})
}
