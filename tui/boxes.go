package tui

import (
	"fmt"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/card"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/tui/diagram"
	"github.com/archex/archex/tui/theme"
)

// Inks of the diagram's canvas, indexes into Model.inks.
const (
	inkText diagram.Ink = iota
	inkMuted
	inkBorder
	inkSelected
	inkName
	inkUp
	inkDegraded
	inkOpen
	inkDown
	inkHit
	inkMiss
	inkFallback
	inkError
	inkAsync
	inkAccent
	inkStep
	inkCount
)

func makeInks(s theme.Styles) []theme.Ink {
	inks := make([]theme.Ink, inkCount)
	set := []struct {
		ink diagram.Ink
		st  theme.Ink
	}{
		{inkText, theme.InkOf(s.Text)}, {inkMuted, theme.InkOf(s.Muted)}, {inkBorder, theme.InkOf(s.Border)},
		{inkSelected, theme.InkOf(s.BorderSelected)}, {inkName, theme.InkOf(s.Name)},
		{inkUp, theme.InkOf(s.Up)}, {inkDegraded, theme.InkOf(s.Degraded)}, {inkOpen, theme.InkOf(s.Open)}, {inkDown, theme.InkOf(s.Down)},
		{inkHit, theme.InkOf(s.Hit)}, {inkMiss, theme.InkOf(s.Miss)}, {inkFallback, theme.InkOf(s.Fallback)},
		{inkError, theme.InkOf(s.Error)}, {inkAsync, theme.InkOf(s.Async)}, {inkAccent, theme.InkOf(s.Accent)},
		{inkStep, theme.InkOf(s.Highlight)},
	}
	for _, x := range set {
		inks[x.ink] = x.st
	}
	return inks
}

// stateLook is how a state shows: a symbol and a word, never colour alone.
func stateLook(s engine.State) (symbol, word string, ink diagram.Ink) {
	switch s {
	case engine.Down:
		return "✖", "DOWN", inkDown
	case engine.Open:
		return "○", "OPEN", inkOpen
	case engine.Degraded:
		return "◐", "DEGRADED", inkDegraded
	default:
		return "●", "UP", inkUp
	}
}

// boxContent is what a component's box shows, from its live status.
func (m *Model) boxContent(b diagram.Box, style diagram.Style) diagram.Content {
	st, ok := m.snap.Component(b.Name)
	border, title := inkBorder, inkName
	if m.selectedName() == b.Name {
		border, title = inkSelected, inkSelected
	}
	if !ok {
		return diagram.Content{Title: b.Name, TitleInk: title, BorderInk: border}
	}
	sym, word, stInk := stateLook(st.State)
	if st.Kind == card.KindClient && st.State == engine.Down {
		sym, word, stInk = "⏸", "PAUSED", inkDegraded
	}
	key := keyFigure(st, style <= diagram.Double || b.W < 26)
	switch style {
	case diagram.Compact:
		short := word
		if st.State == engine.Degraded {
			short = "DEGR"
		}
		return diagram.Content{Title: sym + " " + b.Name, TitleInk: stInk, BorderInk: border,
			Lines: [][]diagram.Span{{{Text: short + " " + key, Ink: stInk}}}}
	case diagram.Double:
		return diagram.Content{Title: sym + " " + b.Name, TitleInk: title, BorderInk: border,
			Lines: [][]diagram.Span{{{Text: word, Ink: stInk}, {Text: " " + key, Ink: inkText}}}}
	}
	line1 := []diagram.Span{{Text: sym + " " + word, Ink: stInk}, {Text: "  " + key, Ink: inkText}}
	if note := "  " + st.Note; st.Note != "" && st.State != engine.Up && style == diagram.Slim && spansWidth(line1)+ansi.StringWidth(note) <= b.W-4 {
		line1 = append(line1, diagram.Span{Text: note, Ink: inkMuted})
	}
	ct := diagram.Content{Title: b.Name, TitleInk: title, BorderInk: border, Lines: [][]diagram.Span{line1}}
	if style == diagram.Full {
		ct.Lines = append(ct.Lines, m.secondLine(st))
	}
	return ct
}

// keyFigure is the one figure that matters most for a kind; brief for the
// small box styles.
func keyFigure(st engine.Status, brief bool) string {
	pick := func(long, short string) string {
		if brief {
			return short
		}
		return long
	}
	switch st.Kind {
	case card.KindClient:
		return fmt.Sprintf("%d req/s", st.RPS)
	case card.KindLoadBalancer:
		if n := len(st.Ejected); n > 0 && brief {
			return "ejected" // the count shows in the 2/3 of the wide box
		} else if n > 0 {
			return fmt.Sprintf("%d/%d  %d ejected", st.Healthy, st.Replicas, n)
		}
		return fmt.Sprintf(pick("%d/%d healthy  %d/s", "%d/%d %d/s"), st.Healthy, st.Replicas, st.RPS)
	case card.KindService:
		if st.Shed > 0 && brief {
			return fmt.Sprintf("%d/%d shed %d/s", st.Healthy, st.Replicas, st.Shed)
		} else if st.Shed > 0 {
			return fmt.Sprintf("%d/%d  %d/s  shed %d/s", st.Healthy, st.Replicas, st.RPS, st.Shed)
		}
		return fmt.Sprintf(pick("%d/%d replicas  %d/s", "%d/%d %d/s"), st.Healthy, st.Replicas, st.RPS)
	case card.KindCache:
		return pick("hit ", "hit ") + percent(st.HitRatio) + fmt.Sprintf(pick("  %d/s", " %d/s"), st.RPS)
	case card.KindDatabase:
		return fmt.Sprintf(pick("pool %d/%d  %d q/s", "pool %d/%d %dq/s"), st.PoolInUse, st.PoolSize, st.QPS)
	case card.KindQueue:
		if w := st.Outbox + st.Spool; w > 0 && backlogShown(st) {
			// Events the service keeps until the queue takes them.
			return fmt.Sprintf(pick("depth %d  +%d to send", "depth %d +%d"), st.Depth, w)
		}
		return fmt.Sprintf(pick("depth %d  lag %s", "depth %d %s"), st.Depth, short(st.Lag))
	case card.KindWorker:
		return fmt.Sprintf("%d jobs/s", st.Jobs)
	default:
		return fmt.Sprintf("%d/s", st.RPS)
	}
}

// secondLine shows latency and what chaos is doing, or the note.
func (m *Model) secondLine(st engine.Status) []diagram.Span {
	if st.Kind == card.KindClient {
		r := m.snap.Requests
		return []diagram.Span{{Text: fmt.Sprintf("ok %d  failed %d", r.OK, r.Failed), Ink: inkMuted}}
	}
	if st.Kind == card.KindQueue && backlogShown(st) {
		return backlogSpans(st) // what matters more than the latency now
	}
	label := "p99 "
	if st.Kind == card.KindWorker {
		label = "queue wait p99 " // what a hop into the worker measures
	}
	spans := []diagram.Span{{Text: label + msText(st.P99), Ink: inkMuted}}
	if st.Modeled.Base > 0 {
		spans = append(spans, diagram.Span{Text: fmt.Sprintf("  model %s", short(st.Modeled.Base)), Ink: inkMuted})
	}
	switch {
	case st.Note != "" && st.State != engine.Up:
		spans = append(spans, diagram.Span{Text: "  " + st.Note, Ink: inkDegraded})
	case st.Kind == card.KindDatabase && st.PoolWaiting > 0:
		spans = append(spans, diagram.Span{Text: fmt.Sprintf("  %d waiting", st.PoolWaiting), Ink: inkDegraded})
	case st.Kind == card.KindCache && st.Breaker != "" && st.Breaker != "closed":
		spans = append(spans, diagram.Span{Text: "  breaker " + st.Breaker, Ink: inkOpen})
	case st.Kind == card.KindCache && st.Untrusted > 0:
		spans = append(spans, diagram.Span{Text: fmt.Sprintf("  %d keys skipped", st.Untrusted), Ink: inkDegraded})
	case st.Kind == card.KindService && m.snap.Switches.Shedding:
		spans = append(spans, diagram.Span{Text: "  shed on", Ink: inkMuted})
	}
	return spans
}

// backlogShown reports whether a queue's box shows the events waiting for
// it. A write's event waits in the outbox for a moment as a matter of course
// (the relay publishes it right after the commit); the backlog is news when
// the queue is not well or reads' events are in the spool.
func backlogShown(st engine.Status) bool {
	return st.Outbox+st.Spool > 0 && (st.State != engine.Up || st.Spool > 0) || st.EventsShed > 0
}

// backlogSpans say where a queue's waiting events are (the outbox holds the
// writes', the spool the reads') and how many a full spool shed.
func backlogSpans(st engine.Status) []diagram.Span {
	out := []diagram.Span{{Text: fmt.Sprintf("outbox %d  spool %d", st.Outbox, st.Spool), Ink: inkDegraded}}
	if st.EventsShed > 0 {
		out = append(out, diagram.Span{Text: fmt.Sprintf("  shed %d", st.EventsShed), Ink: inkError})
	}
	return out
}

// spansWidth is how many cells spans take.
func spansWidth(spans []diagram.Span) int {
	n := 0
	for _, sp := range spans {
		n += ansi.StringWidth(sp.Text)
	}
	return n
}

func percent(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", *p*100)
}

func msText(ms float64) string {
	switch {
	case ms == 0:
		return "–"
	case ms < 10:
		return fmt.Sprintf("%.1fms", ms)
	default:
		return fmt.Sprintf("%.0fms", ms)
	}
}

func short(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	default:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
}

func (m *Model) selectedName() string {
	if m.selected < len(m.card.Components) {
		return m.card.Components[m.selected].Name
	}
	return ""
}
