// Package figures is the dashboard's figures panel: the per-second history
// of the system as labelled charts (requests, errors, latency, cache hit
// ratio, database reads and queries, queue depth, jobs: those of the card),
// each with its current value and its range over the seconds shown. Given
// room, a chart is a braille line chart with its axes
// (github.com/NimbleMarkets/ntcharts); short of it, a sparkline.
//
// The panel is drawn when a new second closes or the size changes; View only
// returns what was drawn, so it costs nothing on a frame tick.
package figures

import (
	"math"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/engine"
	"github.com/archex/archex/tui/theme"
)

// Chart names one of the charts the panel can show.
type Chart int

// The charts, by what they show.
const (
	Sent     Chart = iota // requests sent a second
	Errors                // requests failed a second
	P99                   // the users' p99 latency
	HitRatio              // the caches' hit ratio
	DBReads               // reads that reached the database a second: what a cache saves it
	DBQPS                 // every statement the database ran a second
	Queue                 // events in the queue
	Jobs                  // events the worker finished a second
	Waiting               // events waiting to be published (outbox and spool)
	chartCount
)

// A metric is one chart: what it reads from a second and how it shows it.
type metric struct {
	label string
	// value reads the figure of a second; ok is false when the second has
	// no such figure (no lookups, no requests).
	value func(s engine.Second) (v float64, ok bool)
	unit  string  // after the figure: " ms", "%"
	hi    float64 // fixed top of the scale; 0: the largest value shown
	style func(st *theme.Styles) lipgloss.Style
	// optional charts are shown only when one of their values is not zero.
	optional bool
}

func count(f func(s engine.Second) int) func(engine.Second) (float64, bool) {
	return func(s engine.Second) (float64, bool) { return float64(f(s)), true }
}

// metrics by Chart.
var metrics = [chartCount]metric{
	Sent: {label: "req/s", value: count(func(s engine.Second) int { return s.Sent }),
		style: func(st *theme.Styles) lipgloss.Style { return st.Accent }},
	Errors: {label: "errors/s", value: count(func(s engine.Second) int { return s.Failed }),
		style: func(st *theme.Styles) lipgloss.Style { return st.Error }},
	P99: {label: "p99", unit: " ms", value: func(s engine.Second) (float64, bool) { return s.P99, s.OK+s.Failed > 0 },
		style: func(st *theme.Styles) lipgloss.Style { return st.Miss }},
	HitRatio: {label: "hit ratio", unit: "%", hi: 100, value: hitRatio,
		style: func(st *theme.Styles) lipgloss.Style { return st.Hit }},
	DBReads: {label: "DB reads/s", value: count(func(s engine.Second) int { return s.DBReads }),
		style: func(st *theme.Styles) lipgloss.Style { return st.Fallback }},
	DBQPS: {label: "DB q/s", value: count(func(s engine.Second) int { return s.DBQPS }),
		style: func(st *theme.Styles) lipgloss.Style { return st.Accent }},
	Queue: {label: "queue", value: count(func(s engine.Second) int { return s.QueueDepth }),
		style: func(st *theme.Styles) lipgloss.Style { return st.Async }},
	Jobs: {label: "jobs/s", value: count(func(s engine.Second) int { return s.Jobs }),
		style: func(st *theme.Styles) lipgloss.Style { return st.Async }},
	Waiting: {label: "waiting", value: count(func(s engine.Second) int { return s.EventsWaiting }),
		style: func(st *theme.Styles) lipgloss.Style { return st.Degraded }, optional: true},
}

// DefaultCharts are the charts of a panel not told otherwise, in the order
// they are stacked: when the panel is short, the last ones go.
var DefaultCharts = []Chart{Sent, Errors, P99, HitRatio, DBQPS, Queue}

func hitRatio(s engine.Second) (float64, bool) {
	if s.HitRatio == nil {
		return 0, false
	}
	return *s.HitRatio * 100, true
}

// labelWidth fits the longest label and a space.
const labelWidth = 11

// Model is the figures panel.
type Model struct {
	st   *theme.Styles
	w, h int
	snap *engine.Snapshot
	// charts are the charts shown, in order.
	charts []Chart
	// drawn is what View returns; built from (lastT, seconds) at (w, h).
	drawn          string
	lastT, seconds int
}

// New returns an empty panel drawn with st, showing DefaultCharts.
func New(st *theme.Styles) Model { return Model{st: st, lastT: -1, charts: DefaultCharts} }

// SetCharts chooses the charts and their order (a card without a cache has
// no hit ratio to chart).
func (m *Model) SetCharts(charts []Chart) {
	m.charts = append([]Chart(nil), charts...)
	m.draw()
}

// SetStyles changes the theme.
func (m *Model) SetStyles(st *theme.Styles) { m.st = st; m.draw() }

// SetSize sets the panel's size in cells.
func (m *Model) SetSize(w, h int) {
	if w == m.w && h == m.h {
		return
	}
	m.w, m.h = w, h
	m.draw()
}

// SetSnapshot gives the panel the latest snapshot. It redraws only when a
// new second has closed.
func (m *Model) SetSnapshot(s *engine.Snapshot) {
	if s == nil {
		return
	}
	changed := m.snap == nil || s.Last.T != m.lastT || len(s.History) != m.seconds
	m.snap = s
	if changed {
		m.draw()
	}
}

// View returns the panel, at most w cells wide and h lines tall.
func (m Model) View() string { return m.drawn }

// draw renders the panel into m.drawn.
func (m *Model) draw() {
	m.drawn = ""
	if m.st == nil || m.w <= 0 || m.h <= 0 {
		return
	}
	if m.snap == nil || len(m.snap.History) == 0 && m.snap.Last.Components == nil {
		m.drawn = m.st.Muted.Render(ansi.Truncate("waiting for the first second…", m.w, "…"))
		return
	}
	m.lastT, m.seconds = m.snap.Last.T, len(m.snap.History)
	seconds := window(m.snap, m.w)
	shown := make([]chart, 0, len(m.charts))
	for _, name := range m.charts {
		c := newChart(&metrics[name], seconds)
		if c.m.optional && c.hi == 0 {
			continue
		}
		shown = append(shown, c)
	}
	m.drawn = m.layout(shown, len(seconds))
}

// window returns up to n of the latest seconds, oldest first.
func window(s *engine.Snapshot, n int) []engine.Second {
	all := len(s.History) + 1
	start := max(all-n, 0)
	out := make([]engine.Second, 0, all-start)
	if start < len(s.History) {
		out = append(out, s.History[start:]...)
	}
	return append(out, s.Last)
}

// chart is one metric's values over the window.
type chart struct {
	m      *metric
	values []float64 // NaN: no figure that second
	lo, hi float64   // over the figures there are
	last   float64
	has    bool // the last second has a figure
	any    bool // some second has one
}

func newChart(m *metric, seconds []engine.Second) chart {
	c := chart{m: m, values: make([]float64, len(seconds)), lo: math.Inf(1)}
	for i, s := range seconds {
		v, ok := m.value(s)
		if !ok {
			c.values[i] = math.NaN()
			continue
		}
		c.values[i] = v
		c.lo, c.hi, c.any = min(c.lo, v), max(c.hi, v), true
	}
	c.last, c.has = m.value(seconds[len(seconds)-1])
	return c
}

// layout stacks the charts in the panel: one line each when short; when
// there is room, a header and a sparkline up to maxRows tall each, blank
// lines between them and the time axis under them.
func (m *Model) layout(charts []chart, seconds int) string {
	w, h := m.w, m.h
	if len(charts) > h {
		charts = charts[:h]
	}
	n := len(charts)
	lines := make([]string, 0, h)
	rows, sep, ok := fitFrom(n, h-2, lineRows)
	line := ok && w >= lineMinWidth
	if !line {
		rows, sep, ok = fit(n, h-1)
	}
	if !ok {
		for _, c := range charts {
			lines = append(lines, m.inline(c))
		}
		return strings.Join(lines, "\n")
	}
	for i, c := range charts {
		if i > 0 && sep {
			lines = append(lines, "")
		}
		lines = append(lines, m.header(c))
		if line {
			lines = append(lines, m.lineChart(c, rows)...)
			continue
		}
		for _, row := range Spark(c.values, c.m.hi, w, rows) {
			lines = append(lines, c.m.style(m.st).Render(row))
		}
	}
	if line {
		return strings.Join(append(lines, m.timeAxis()...), "\n")
	}
	lines = append(lines, m.axis(min(seconds, w), w))
	return strings.Join(lines, "\n")
}

// maxRows is the tallest a chart grows.
const maxRows = 8

// fit chooses how tall the sparklines of n charts are in body lines, and
// whether blank lines separate the charts: air first (a label right under
// the previous chart reads as part of it), then height.
func fit(n, body int) (rows int, sep, ok bool) { return fitFrom(n, body, 1) }

// fitFrom is fit with sparklines least rows tall.
func fitFrom(n, body, least int) (rows int, sep, ok bool) {
	for _, sep := range []bool{true, false} {
		for rows = maxRows; rows >= least; rows-- {
			need := n * (1 + rows)
			if sep {
				need += n - 1
			}
			if need <= body {
				return rows, sep, true
			}
		}
	}
	return 0, false, false
}

// inline is a chart on one line: label, sparkline, value.
func (m *Model) inline(c chart) string {
	const valueWidth = 9
	label := m.st.Muted.Render(pad(c.m.label, labelWidth))
	val := value(c)
	sw := m.w - labelWidth - valueWidth
	if sw < 4 {
		return ansi.Truncate(label+m.st.Bold.Render(val), m.w, "…")
	}
	spark := c.m.style(m.st).Render(Spark(c.values, c.m.hi, sw, 1)[0])
	return label + spark + m.st.Bold.Render(padLeft(val, valueWidth))
}

// header is a chart's title line: label and value at the left, the range
// over the window at the right when it fits.
func (m *Model) header(c chart) string {
	left := m.st.Muted.Render(pad(c.m.label, labelWidth)) + m.st.Bold.Render(value(c))
	lw := labelWidth + len(value(c))
	if !c.any {
		return ansi.Truncate(left, m.w, "…")
	}
	lo, hi := format(c.lo, c.m.unit), format(c.hi, c.m.unit)
	var right string
	switch {
	case lw+len("min  max ")+len(lo)+len(hi)+2 <= m.w:
		right = "min " + lo + "  max " + hi
	case lw+len(lo)+len(hi)+3 <= m.w:
		right = lo + "–" + hi
	default:
		return ansi.Truncate(left, m.w, "…")
	}
	gap := m.w - lw - ansi.StringWidth(right)
	return left + strings.Repeat(" ", gap) + m.st.Muted.Render(right)
}

// axis tells how far back the sparklines go.
func (m *Model) axis(seconds, w int) string {
	left := "◂ " + strconv.Itoa(seconds) + " s"
	right := "now ▸"
	if seconds == 1 {
		left = "◂ 1 s"
	}
	gap := w - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return m.st.Muted.Render(ansi.Truncate(right, w, ""))
	}
	return m.st.Muted.Render(left + strings.Repeat(" ", gap) + right)
}

// value is a chart's latest figure, or a dash when there is none.
func value(c chart) string {
	if !c.has {
		return "–"
	}
	return format(c.last, c.m.unit)
}

// format writes a figure: whole numbers for counts, one decimal for small
// latencies, none for percentages.
func format(v float64, unit string) string {
	switch {
	case unit == "%":
		return strconv.FormatFloat(v, 'f', 0, 64) + "%"
	case unit == " ms" && v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64) + unit
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + unit
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

// Rebuild is the cache's recovery in one line for the banner: the hit ratio
// over the last n seconds as a sparkline, and its value now.
//
//	hit ratio ▁▁▂▃▅▆▇▇ 84%
func Rebuild(st *theme.Styles, s *engine.Snapshot, n int) string {
	if s == nil || n <= 0 {
		return ""
	}
	c := newChart(&metrics[HitRatio], window(s, n))
	return st.Muted.Render("hit ratio ") + st.Hit.Render(Spark(c.values, 100, n, 1)[0]) + " " + st.Bold.Render(value(c))
}
