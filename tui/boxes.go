package tui

import (
	"fmt"
	"slices"
	"strings"
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

// boxContent is what a component's box shows, from its live status. Each
// line is pieces in order of importance (see fitPieces): what is short of
// room loses its details first, never its state or why.
func (m *Model) boxContent(b diagram.Box, style diagram.Style) diagram.Content {
	st, ok := m.snap.Component(b.Name)
	selected := m.selectedName() == b.Name
	ct := diagram.Content{Title: b.Name, TitleInk: inkName, BorderInk: inkBorder}
	if selected {
		ct.Title, ct.TitleInk, ct.BorderInk, ct.Border = "▸ "+b.Name, inkSelected, inkSelected, diagram.BorderDouble
	}
	if !ok {
		return ct
	}
	sym, word, stInk := stateLook(st.State)
	if st.Kind == card.KindClient && st.State == engine.Down {
		sym, word, stInk = "⏸", "PAUSED", inkDegraded
	}
	down := st.State == engine.Down && st.Kind != card.KindClient
	if down {
		// Unmistakable without colour too: a heavy border, and in the
		// borderless styles the name in capitals.
		ct.Border, ct.BorderInk, ct.TitleInk = diagram.BorderHeavy, inkDown, inkDown
	}
	long, brief := keyFigure(st, false), keyFigure(st, true)
	if m.selectedName() == b.Name {
		if _, _, setting, ok := m.selectedLever(); ok {
			long = "[ ] " + setting // the lever keys, on the box they turn
			brief = strings.Replace(long, " replicas", " repl.", 1)
		}
	}
	note := boxNote(st)
	w := b.W - 4 // inside a border
	switch style {
	case diagram.Compact, diagram.Double:
		name := b.Name
		if down {
			name = strings.ToUpper(name)
		}
		ct.Title = sym + " " + name
		if selected {
			ct.Title += " ◂"
		} else if !down {
			ct.TitleInk = inkName
		}
		if style == diagram.Compact {
			ct.TitleInk, w = stInk, b.W-ansi.StringWidth(ct.Title)-1
		} else {
			w = b.W - 2
		}
		short := word
		if st.State == engine.Degraded && style == diagram.Compact {
			short = "DEGR"
		}
		alt := ""
		if short == "DEGRADED" {
			alt = "DEGR"
		}
		// Short of room, a degraded box's note says more than the word
		// (its symbol is in the title): the word goes before the note.
		wordPrio, notePrio := 0, 1
		switch {
		case note != "" && st.State == engine.Degraded:
			wordPrio, notePrio = 2, 0
		case st.State == engine.Up && style == diagram.Compact:
			wordPrio = 4 // one line for all: ● says UP, the figure is news
		}
		ct.Lines = [][]diagram.Span{fitPieces([]piece{
			{text: short, alt: alt, ink: stInk, prio: wordPrio},
			{text: note, ink: stInk, prio: notePrio},
			{text: brief, ink: inkText, prio: 3},
		}, w, " ")}
		return ct
	case diagram.Slim:
		ct.Lines = [][]diagram.Span{fitPieces([]piece{
			{text: sym + " " + word, ink: stInk},
			{text: note, ink: stInk, prio: 1},
			{text: long, alt: brief, ink: inkText, prio: 2},
		}, w, "  ")}
		return ct
	}
	ct.Lines = [][]diagram.Span{
		fitPieces([]piece{{text: sym + " " + word, ink: stInk}, {text: long, alt: brief, ink: inkText, prio: 1}}, w, "  "),
		fitPieces(m.secondLine(st, note), w, "  "),
	}
	if style == diagram.Large {
		ct.Lines = append(ct.Lines, fitPieces(m.thirdLine(st), w, "  "))
	}
	return ct
}

// boxNote is why a component is not UP, short: the engine's note with
// replica-N written rN and the obvious left out ("failing 10%", "breaker
// open").
func boxNote(st engine.Status) string {
	if st.State == engine.Up || st.Note == "" {
		return ""
	}
	if st.Replicas > 0 && strings.HasPrefix(st.Note, fmt.Sprintf("%d/%d ", st.Healthy, st.Replicas)) {
		return "" // "2/3 replicas": the box's figure says it already
	}
	if st.Kind == card.KindClient && st.Note == "paused" {
		return "" // ⏸ PAUSED says it
	}
	return noteWords.Replace(st.Note)
}

var noteWords = strings.NewReplacer("replica-", "r", " of calls", "", "breaker open: not called", "breaker open",
	"breaker half-open: trying", "breaker half-open", "saturated: ", "")

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
		if n := len(st.Ejected); n > 0 {
			return fmt.Sprintf(pick("%d/%d healthy  %d ejected", "%d/%d %d ej."), st.Healthy, st.Replicas, n)
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
		return "hit " + percent(st.HitRatio) + fmt.Sprintf(pick("  %d/s", " %d/s"), st.RPS)
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

// secondLine is why the component is not UP (first: it matters most), its
// latency, what else is news, and its modeled latency.
func (m *Model) secondLine(st engine.Status, note string) []piece {
	noteInk := inkDegraded
	if st.State == engine.Down {
		noteInk = inkDown
	}
	out := []piece{{text: note, ink: noteInk}}
	if st.Kind == card.KindClient {
		r := m.snap.Requests
		return append(out, piece{text: fmt.Sprintf("ok %d  failed %d", r.OK, r.Failed), ink: inkMuted, prio: 1})
	}
	if st.Kind == card.KindQueue && backlogShown(st) {
		return append(out, backlogPieces(st)...) // what matters more than the latency now
	}
	label := "p99 "
	if st.Kind == card.KindWorker {
		label = "queue wait p99 " // what a hop into the worker measures
	}
	// What is news (the line at the database, a breaker, a redelivery)
	// goes before the latency, the model last.
	out = append(out, piece{text: label + msText(st.P99), alt: "p99 " + msText(st.P99), ink: inkMuted, prio: 2})
	switch {
	case st.Kind == card.KindDatabase && st.PoolWaiting > 0 && st.State == engine.Up:
		out = append(out, piece{text: fmt.Sprintf("%d waiting", st.PoolWaiting), ink: inkDegraded, prio: 1})
	case st.Kind == card.KindCache && st.Breaker != "" && st.Breaker != "closed" && st.State != engine.Open && st.State != engine.Down:
		out = append(out, piece{text: "breaker " + st.Breaker, ink: inkOpen, prio: 1})
	case st.Kind == card.KindCache && st.Untrusted > 0:
		out = append(out, piece{text: fmt.Sprintf("%d keys skipped", st.Untrusted), ink: inkDegraded, prio: 1})
	case st.Kind == card.KindService && m.snap.Switches.Shedding:
		out = append(out, piece{text: "shed on", ink: inkMuted, prio: 1})
	case st.Kind == card.KindWorker && st.Redelivered+st.Duplicated > 0:
		out = append(out, piece{text: fmt.Sprintf("redelivered %d  dup %d", st.Redelivered, st.Duplicated), ink: inkAsync, prio: 1})
	}
	if st.Modeled.Base > 0 {
		out = append(out, piece{text: "model " + short(st.Modeled.Base), ink: inkMuted, prio: 3})
	}
	return out
}

// thirdLine is what a large box has room for besides: the figures behind
// the key one.
func (m *Model) thirdLine(st engine.Status) []piece {
	muted := func(format string, args ...any) piece {
		return piece{text: fmt.Sprintf(format, args...), ink: inkMuted, prio: 1}
	}
	switch st.Kind {
	case card.KindClient:
		r := m.snap.Requests
		return []piece{muted("in flight %d", r.InFlight), muted("%s traffic", r.Pattern)}
	case card.KindLoadBalancer:
		out := []piece{muted("%s", m.snap.Switches.Algorithm)}
		if len(st.Ejected) > 0 {
			out = append(out, piece{text: "out: " + noteWords.Replace(strings.Join(st.Ejected, ", ")), ink: inkDegraded})
		}
		return append(out, muted("errors %d/s", st.Errors))
	case card.KindService:
		return append(m.replicaPieces(st), muted("errors %d/s", st.Errors))
	case card.KindCache:
		return []piece{muted("keys %d", st.Keys), muted("breaker %s", st.Breaker)}
	case card.KindDatabase:
		return []piece{muted("reads %d/s", m.snap.Last.DBReads), muted("waiting %d", st.PoolWaiting), muted("errors %d/s", st.Errors)}
	case card.KindQueue:
		return []piece{muted("pending %d", st.Pending), muted("dead-lettered %d", st.DeadLettered)}
	case card.KindWorker:
		out := []piece{muted("consumers %d", st.Consumers)}
		if st.Crashes > 0 {
			out = append(out, piece{text: fmt.Sprintf("crashes %d", st.Crashes), ink: inkDegraded})
		}
		return out
	}
	return []piece{muted("errors %d/s", st.Errors)}
}

// replicaPieces are the service's replicas one by one: r1 ● r2 ● r3 ✖.
func (m *Model) replicaPieces(st engine.Status) []piece {
	out := make([]piece, 0, st.Replicas)
	for i := 1; i <= st.Replicas; i++ {
		if slices.Contains(st.DownReplicas, i) {
			out = append(out, piece{text: fmt.Sprintf("r%d ✖", i), ink: inkDown})
		} else {
			out = append(out, piece{text: fmt.Sprintf("r%d ●", i), ink: inkUp})
		}
	}
	return out
}

// backlogShown reports whether a queue's box shows the events waiting for
// it. A write's event waits in the outbox for a moment as a matter of course
// (the relay publishes it right after the commit); the backlog is news when
// the queue is not well or reads' events are in the spool.
func backlogShown(st engine.Status) bool {
	return st.Outbox+st.Spool > 0 && (st.State != engine.Up || st.Spool > 0) || st.EventsShed > 0
}

// backlogPieces say where a queue's waiting events are (the outbox holds
// the writes', the spool the reads') and how many a full spool shed.
func backlogPieces(st engine.Status) []piece {
	out := []piece{{text: fmt.Sprintf("outbox %d  spool %d", st.Outbox, st.Spool), ink: inkDegraded, prio: 1}}
	if st.EventsShed > 0 {
		out = append(out, piece{text: fmt.Sprintf("shed %d", st.EventsShed), ink: inkError, prio: 1})
	}
	return out
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
