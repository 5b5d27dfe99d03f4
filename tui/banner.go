package tui

import (
	"fmt"
	"strings"

	"github.com/archex/archex/card"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/tui/figures"
)

// banner tells what is down, in w columns: the card's failure story in its
// own words with the live proof while its component is down, its recovery
// after; a line for any other component down or recovering. It is wrapped
// again only when its words change.
func (m *Model) banner(w int) string {
	if m.snap == nil || len(m.failure.incidents) == 0 {
		return ""
	}
	var parts []string
	key := fmt.Sprint(w, m.keysGen)
	story := ""
	if f := m.card.Failure; f != nil {
		story = f.Component
	}
	for _, inc := range m.ordered(story) {
		st, ok := m.snap.Component(inc.name)
		if !ok {
			continue
		}
		lines, note := m.proof(inc, st)
		key += strings.Join(lines, "|") + note
		parts = append(parts, m.incidentBlock(inc, st, inc.name == story, lines, note, w))
	}
	if m.drawn.bannerKey == key {
		return m.drawn.banner
	}
	m.drawn.bannerKey = key
	m.drawn.banner = strings.Join(parts, "\n")
	return m.drawn.banner
}

// ordered is the incidents to show, the card's failure story first.
func (m *Model) ordered(story string) []*incident {
	out := make([]*incident, 0, len(m.failure.incidents))
	for _, inc := range m.failure.incidents {
		if inc.name == story {
			out = append([]*incident{inc}, out...)
		} else {
			out = append(out, inc)
		}
	}
	return out
}

// incidentBlock draws one incident: the story (the card's failure, down),
// a recovery, or an alert line.
func (m *Model) incidentBlock(inc *incident, st engine.Status, story bool, proof []string, note string, w int) string {
	wide := w >= 100
	name := strings.ToUpper(inc.name)
	switch {
	case inc.recovering():
		title, text := lookOf(inc.kind).recovery(m, inc, st)
		return m.styles.Plain.Width(w).Render(m.styles.Banner.Render(" ↻ "+name+" "+title+" ") + m.styles.Text.Render(" "+text))
	case story:
		f := m.card.Failure
		title := m.styles.Banner.Render(" ✖ " + name + " DOWN ")
		impact := m.styles.Bold.Render(" Impact: ") + m.styles.Text.Render(f.Impact)
		mitigation := m.styles.Bold.Render("Mitigation: ") + m.styles.Text.Render(f.Mitigation)
		var live string
		if wide {
			live = m.styles.Accent.Render("Live ("+note+"): ") + m.styles.Text.Render(strings.Join(proof, " · "))
		} else {
			live = m.styles.Accent.Render("Live, now vs before:") + "\n" + m.styles.Text.Render(strings.Join(proof, "\n")) +
				"\n" + m.styles.Muted.Render(note)
		}
		return m.styles.Plain.Width(w).Render(title + impact + "\n" + mitigation + "\n" + live)
	}
	title := m.styles.Banner.Render(" ✖ " + name + " DOWN ")
	text := st.Note
	if k := m.killKey(inc.kind); k != nil && k.Enabled() && st.Killed {
		text += " · " + k.Help().Key + " revives it"
	}
	if wide {
		return m.styles.Plain.Width(w).Render(title + m.styles.Text.Render(" "+text+" · "+strings.Join(proof, " · ")))
	}
	return m.styles.Plain.Width(w).Render(title + m.styles.Text.Render(" "+text) + "\n" + m.styles.Text.Render(strings.Join(proof, "\n")))
}

// proof is the live evidence of an incident, now (averaged over the last
// seconds after the kill) against the steady seconds before, and a note
// saying which seconds those are.
func (m *Model) proof(inc *incident, st engine.Status) (lines []string, note string) {
	now := since(m.snap, inc.downT, smoothFor)
	averaged := false
	for _, p := range lookOf(inc.kind).proofFor(m.card) {
		if p.live != nil {
			if text := p.live(st, m.snap); text != "" {
				lines = append(lines, text)
			}
			continue
		}
		v, ok := p.over(now)
		if p.gauge != nil {
			v, ok = p.gauge(m.snap)
		} else {
			averaged = true
		}
		line := p.label + " …"
		if ok {
			line = p.label + " " + p.unit(v)
		}
		if b, ok := p.over(inc.base.seconds); ok && inc.base.ok() {
			line += " (was " + p.unit(b) + ")"
		}
		lines = append(lines, line)
	}
	lines = append(lines, fmt.Sprintf("failed requests since: %d", m.snap.Requests.Failed-inc.failedAt))
	switch {
	case !averaged:
		return lines, "now"
	case len(now) == 0:
		note = "measuring the first second"
	default:
		note = fmt.Sprintf("%d s average", len(now))
	}
	if b := inc.base.seconds; len(b) > 0 {
		note += fmt.Sprintf(" vs the %d steady s before, %s–%s", len(b), clockOf(b[0].T), clockOf(b[len(b)-1].T+1))
	} else {
		note += "; no steady seconds before it to compare with"
	}
	return lines, note
}

// clockOf is second t of the system's life as the header shows time.
func clockOf(t int) string { return clock(secondsDur(t)) }

// recoveries of the looks that have one.
func cacheRecovered(inc *incident, st engine.Status, s *engine.Snapshot) bool {
	secs := since(s, inc.revivedT, smoothFor)
	hr, ok := mean(secs, proofHitRatio.second)
	return ok && len(secs) >= smoothFor && hr >= hitRatioTarget(inc)
}

// hitRatioTarget is where a rebuilt cache's hit ratio must be: near its
// level in the steady seconds before the kill, or 80 % without them.
func hitRatioTarget(inc *incident) float64 {
	if b, ok := mean(inc.base.seconds, proofHitRatio.second); ok {
		return b - nearBefore
	}
	return 0.8
}

func cacheRecovery(m *Model, inc *incident, st engine.Status) (string, string) {
	text := "back up, empty, refilling as reads miss: " + figures.Rebuild(&m.styles, m.snap, 20)
	if b, ok := mean(inc.base.seconds, proofHitRatio.second); ok {
		text += m.styles.Text.Render(fmt.Sprintf(" (was %.0f%% before the kill)", b*100))
	}
	return "REBUILDING", text
}

func queueRecovered(_ *incident, st engine.Status, _ *engine.Snapshot) bool {
	return st.Outbox+st.Spool == 0
}

func queueRecovery(_ *Model, _ *incident, st engine.Status) (string, string) {
	return "CATCHING UP", fmt.Sprintf("back up, the relay publishes what waited: %d events left (outbox %d, spool %d)", st.Outbox+st.Spool, st.Outbox, st.Spool)
}

// workerBacklogDone is the queue depth a revived worker must bring the
// backlog down to: about what it was before.
func workerBacklogDone(inc *incident) float64 {
	if b, ok := mean(inc.base.seconds, proofDepth.second); ok {
		return max(2*b, b+10)
	}
	return 10
}

func workerRecovered(inc *incident, _ engine.Status, s *engine.Snapshot) bool {
	q, ok := s.ByKind(card.KindQueue)
	return !ok || float64(q.Depth) <= workerBacklogDone(inc)
}

func workerRecovery(m *Model, inc *incident, st engine.Status) (string, string) {
	q, _ := m.snap.ByKind(card.KindQueue)
	return "CATCHING UP", fmt.Sprintf("back up, draining the backlog: queue depth %d, lag %s, %d jobs/s", q.Depth, short(q.Lag), st.Jobs)
}
