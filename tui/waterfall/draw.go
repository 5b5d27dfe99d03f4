package waterfall

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/tui/glyph"
	"github.com/archex/archex/tui/narrate"
)

// columns is the layout of a row at the model's width.
type columns struct {
	narrow bool // "-> To" instead of "From -> To", durations without unit
	word   bool // the outcome's word after its symbol
	route  int
	bar    int
	dur    int
	detail int  // 0: no detail column
	tall   bool // each hop's detail on a line of its own, under it

	span    time.Duration // the axis: from the request's start to its last hop's end
	resp    time.Duration // when the response was sent; -1: not yet
	respCol int           // the bar cell of resp; -1: none
}

const (
	idxWidth  = 3 // "14 "
	symWidth  = 2 // "✓ "
	wordWidth = 9 // "fallback "
)

// layout chooses the columns for width w: narrow panels keep the bars and
// drop the detail; wide ones show every column.
func (m *Model) layout() columns {
	w := m.w
	c := columns{narrow: w < 60, resp: -1, respCol: -1}
	// When every hop fits twice over, the detail gets a line of its own
	// and the bars the room of its column.
	c.tall = m.h-2 >= 2*len(m.tr.Hops)
	if c.narrow {
		c.dur = 4
		c.bar = min(max(w/4, 6), 20)
		c.route = max(w-idxWidth-symWidth-1-c.bar-1-c.dur, 1)
	} else {
		c.dur = 7
		c.word = w >= 80
		full := 0
		for _, h := range m.tr.Hops {
			full = max(full, ansi.StringWidth(route(h, false)))
		}
		limit := 28
		if w >= 120 || c.tall {
			limit = 36
		}
		c.route = min(full, limit)
		c.bar = min(max(w/5, 10), 40)
		fixed := idxWidth + symWidth + c.route + 1 + c.bar + 1 + c.dur + 1
		if c.word {
			fixed += wordWidth
		}
		c.detail = w - fixed
		if c.detail < 12 || c.tall {
			// No detail column (too tight for a useful one, or the detail
			// has lines of its own): the bars take its room, or the route
			// gives up what is missing.
			if spare := c.detail + 1; spare >= 0 {
				c.bar += spare
			} else {
				c.route = max(c.route+spare, 6)
			}
			c.detail = 0
		}
	}
	// The axis.
	start := m.tr.Start
	if start.IsZero() && len(m.tr.Hops) > 0 {
		start = m.tr.Hops[0].Start
	}
	for _, h := range m.tr.Hops {
		c.span = max(c.span, h.End().Sub(start))
	}
	if m.tr.Done && m.tr.Duration > 0 {
		c.resp = m.tr.Duration
		c.span = max(c.span, c.resp)
		c.respCol = min(int(float64(c.resp)/float64(c.span)*float64(c.bar)), c.bar-1)
	}
	return c
}

// route is a hop's "From → To", or "→ To" when narrow (the rows then read
// as the request's journey); the asynchronous branch is marked ↳.
func route(h trace.Hop, narrow bool) string { return routeOf(h, narrow, h.From, h.To) }

// routeOf is route with the names written from and to.
func routeOf(h trace.Hop, narrow bool, from, to string) string {
	switch {
	case narrow && h.Async:
		return "↳ " + to
	case narrow:
		return "→ " + to
	case h.Async:
		return "↳ " + from + " → " + to
	}
	return from + " → " + to
}

// draw renders the header and every row.
func (m *Model) draw() {
	m.head, m.rows = m.head[:0], m.rows[:0]
	if m.st == nil || m.w <= 0 || m.h <= 0 {
		return
	}
	if !m.has {
		m.head = append(m.head, m.st.Muted.Render(ansi.Truncate("No request traced yet.", m.w, "…")))
		return
	}
	m.cols = m.layout()
	m.heads = heads(m.tr.Hops)
	m.head = append(m.head, m.summary(), m.axis())
	for i := range m.tr.Hops {
		m.rows = append(m.rows, m.row(i))
	}
	m.setOffset(m.offset)
}

func (m *Model) summary() string {
	k := narrate.Outcome(m.tr)
	st := m.st.Up
	switch k {
	case narrate.Hit:
		st = m.st.Hit
	case narrate.Miss:
		st = m.st.Miss
	case narrate.Fallback:
		st = m.st.Fallback
	case narrate.Error:
		st = m.st.Error
	case narrate.Write:
		st = m.st.Accent
	}
	text := narrate.Summary(m.tr, m.card)
	if m.cols.narrow && ansi.StringWidth(text) > m.w-2 {
		text = m.compact(k)
	}
	return st.Render(glyph.Request(k)) + " " + m.st.Bold.Render(ansi.Truncate(text, m.w-2, "…"))
}

// compact is the summary for a narrow panel: "GET 42: miss, 200 in 14.3 ms".
func (m *Model) compact(k narrate.Kind) string {
	t := m.tr
	method := "GET"
	if t.Write {
		method = "PUT"
	}
	s := method + " " + strconv.Itoa(t.Product) + ": " + k.String()
	switch {
	case !t.Done:
		return s + ", in flight"
	case t.Status == 0:
		return s + ", no answer"
	}
	return s + ", " + strconv.Itoa(t.Status) + " in " + narrate.Millis(t.Duration)
}

// axis is the line above the bars: the ruler with ▼ where the response was
// sent, and what it means.
func (m *Model) axis() string {
	c := m.cols
	left := idxWidth + symWidth + c.route
	if c.word {
		left += wordWidth
	}
	ruler := []rune(strings.Repeat("─", c.bar))
	label := "in flight"
	if c.respCol >= 0 {
		ruler[c.respCol] = '▼'
		label = "▼ response sent"
	}
	head := " #   hop"
	if full := label + " " + narrate.Millis(c.resp); c.respCol >= 0 && len(head)+1+ansi.StringWidth(full) <= left-1 {
		label = full
	}
	if len(head)+1+ansi.StringWidth(label) > left-1 {
		head = ""
	}
	gap := left - 1 - ansi.StringWidth(head)
	var b strings.Builder
	b.WriteString(m.st.Muted.Render(head + padLeft(ansi.Truncate(label, gap, "…"), gap) + " "))
	b.WriteString(m.st.Muted.Render(string(ruler)))
	if c.narrow {
		b.WriteString(m.st.Muted.Render(" " + padLeft("ms", c.dur)))
	} else {
		b.WriteString(m.st.Muted.Render(" " + padLeft(narrate.Millis(c.span), c.dur)))
	}
	if c.detail > 0 {
		b.WriteString(" " + m.st.Muted.Render("detail"))
	}
	return b.String()
}

// row draws hop i.
func (m *Model) row(i int) string {
	h, c := m.tr.Hops[i], m.cols
	sym, word := glyph.Hop(h.Outcome), h.Outcome.String()
	ost := m.ink.outcome(h.Outcome)
	var b strings.Builder

	idx := padLeft(strconv.Itoa(i+1), idxWidth-1) + " "
	if i == m.current {
		idx = padLeft("▶", idxWidth-1) + " "
		b.WriteString(m.ink.accent.paint(idx))
	} else {
		b.WriteString(m.ink.muted.paint(idx))
	}
	b.WriteString(ost.paint(sym) + " ")
	if c.word {
		// An async hop that went well says so: "ok" would hide the branch.
		if h.Async && h.Outcome == trace.OK {
			b.WriteString(m.ink.async.paint(pad("async", wordWidth)))
		} else {
			b.WriteString(ost.paint(pad(word, wordWidth)))
		}
	}

	rt := pad(fitRoute(h, c.narrow, c.route, m.heads), c.route)
	switch {
	case i == m.current:
		b.WriteString(m.ink.highlight.paint(rt))
	case h.Async:
		b.WriteString(m.ink.async.paint(rt))
	default:
		b.WriteString(m.ink.text.paint(rt))
	}
	b.WriteString(" ")

	// The bar, with the response line through the empty cells.
	x0, x1 := m.cells(h)
	glyph, bst := "█", ost
	if h.Outcome == trace.OK {
		bst = m.ink.bar
	}
	if h.Async {
		glyph, bst = "▒", m.ink.async
	}
	b.WriteString(m.ink.muted.paint(m.guide(0, x0)))
	b.WriteString(bst.paint(strings.Repeat(glyph, x1-x0)))
	b.WriteString(m.ink.muted.paint(m.guide(x1, c.bar)))

	b.WriteString(" " + m.ink.text.paint(padLeft(m.duration(h.Duration), c.dur)))
	if c.detail > 0 {
		b.WriteString(" " + m.ink.muted.paint(ansi.Truncate(h.Detail, c.detail, "…")))
	}
	if c.tall && h.Detail != "" {
		indent := idxWidth + symWidth
		if c.word {
			indent += wordWidth
		}
		b.WriteString("\n" + strings.Repeat(" ", indent) + m.ink.muted.paint(ansi.Truncate(h.Detail, m.w-indent, "…")))
	}
	return b.String()
}

// cells is where hop h's bar starts and ends on the axis: at least one cell.
func (m *Model) cells(h trace.Hop) (x0, x1 int) {
	c := m.cols
	if c.span <= 0 {
		return 0, 1
	}
	start := m.tr.Start
	if start.IsZero() {
		start = m.tr.Hops[0].Start
	}
	scale := float64(c.bar) / float64(c.span)
	from := float64(h.Start.Sub(start)) * scale
	to := float64(h.End().Sub(start)) * scale
	x0 = min(max(int(math.Floor(from)), 0), c.bar-1)
	x1 = min(max(int(math.Ceil(to)), x0+1), c.bar)
	return x0, x1
}

// guide is the empty cells from x0 to x1, with the response line.
func (m *Model) guide(x0, x1 int) string {
	if x1 <= x0 {
		return ""
	}
	r := m.cols.respCol
	if r < x0 || r >= x1 {
		return strings.Repeat(" ", x1-x0)
	}
	return strings.Repeat(" ", r-x0) + "┊" + strings.Repeat(" ", x1-r-1)
}

// duration writes a hop's time: with its unit when there is room, in four
// cells when narrow (the axis line says "ms").
func (m *Model) duration(d time.Duration) string {
	if !m.cols.narrow {
		return narrate.Millis(d)
	}
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 10:
		return strconv.FormatFloat(ms, 'f', 2, 64)
	case ms < 100:
		return strconv.FormatFloat(ms, 'f', 1, 64)
	case ms < 10000:
		return strconv.FormatFloat(ms, 'f', 0, 64)
	}
	return strconv.FormatFloat(ms/1000, 'f', 0, 64) + "s"
}

func pad(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return ansi.Truncate(s, w, "")
}

func padLeft(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return s
}
