// Package waterfall is the trace inspector: one request as a waterfall, each
// hop a row with its bar on a time axis shared by the whole request, its
// duration, its outcome (symbol and word, never colour alone) and its
// detail. The asynchronous branch is set apart: its rows are marked ↳, its
// bars drawn in another glyph, and the moment the response was sent is a
// line down the axis, so the branch visibly finishes after the user already
// has the answer.
//
// Rows are drawn when the trace, the size or the current hop change; View
// only picks the visible ones.
package waterfall

import (
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/tui/scroll"
	"github.com/archex/archex/tui/theme"
)

// KeyMap scrolls the pane.
type KeyMap = scroll.KeyMap

// DefaultKeyMap scrolls with the arrows, page keys, home and end.
func DefaultKeyMap() KeyMap { return scroll.DefaultKeyMap() }

// Model is the trace inspector.
type Model struct {
	KeyMap KeyMap

	st      *theme.Styles
	ink     inks
	card    *card.Card // for the words of the summary
	w, h    int
	tr      engine.Trace
	has     bool
	current int // the highlighted hop; -1 none
	offset  int // first hop row shown

	// Drawn from the trace at the size: the two header lines and one line
	// per hop, each at most w wide.
	head  []string
	rows  []string
	cols  columns
	heads map[string]int // the trace's names' head words (names.go)
}

// New returns an inspector with no trace, drawn with st.
func New(st *theme.Styles) Model {
	return Model{KeyMap: DefaultKeyMap(), st: st, ink: newInks(st), current: -1}
}

// SetCard names the card whose requests the inspector shows, for its words.
func (m *Model) SetCard(c *card.Card) { m.card = c; m.draw() }

// SetStyles changes the theme.
func (m *Model) SetStyles(st *theme.Styles) { m.st, m.ink = st, newInks(st); m.draw() }

// SetSize sets the inspector's size in cells.
func (m *Model) SetSize(w, h int) {
	if w == m.w && h == m.h {
		return
	}
	m.w, m.h = w, h
	m.draw()
}

// SetTrace shows t from its first hop, with no hop highlighted. The same
// trace again changes nothing unless it has grown (its async branch came
// in, or it finished), so the root may pass the latest trace every frame.
func (m *Model) SetTrace(t engine.Trace) {
	if m.has && t.ID != "" && t.ID == m.tr.ID && len(t.Hops) == len(m.tr.Hops) && t.Done == m.tr.Done {
		return
	}
	if !m.has || t.ID == "" || t.ID != m.tr.ID {
		m.offset, m.current = 0, -1
	}
	m.tr, m.has = t, true
	m.draw()
}

// Trace returns the trace shown and whether there is one.
func (m Model) Trace() (engine.Trace, bool) { return m.tr, m.has }

// SetCurrent highlights hop i (-1: none) and scrolls it into view, so that
// step mode can follow the packet in the inspector.
func (m *Model) SetCurrent(i int) {
	if i < -1 || i >= len(m.tr.Hops) {
		i = -1
	}
	if i == m.current {
		return
	}
	old := m.current
	m.current = i
	if m.st == nil || len(m.rows) != len(m.tr.Hops) {
		return
	}
	for _, j := range []int{old, i} {
		if j >= 0 {
			m.rows[j] = m.row(j)
		}
	}
	if i >= 0 {
		n := m.visibleRows()
		switch {
		case i < m.offset:
			m.offset = i
		case i >= m.offset+n:
			m.offset = i - n + 1
		}
	}
}

// ScrollUp moves the rows n hops up.
func (m *Model) ScrollUp(n int) { m.setOffset(m.offset - n) }

// ScrollDown moves the rows n hops down.
func (m *Model) ScrollDown(n int) { m.setOffset(m.offset + n) }

func (m *Model) setOffset(o int) {
	m.offset = max(min(o, len(m.rows)-m.visibleRows()), 0)
}

// Update scrolls on the keys of the KeyMap and ignores everything else.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	scroll.Handle(m.KeyMap, msg, &m, m.visibleRows()-1)
	return m, nil
}

// GotoTop scrolls to the first line.
func (m *Model) GotoTop() { m.setOffset(0) }

// GotoBottom scrolls to the last line.
func (m *Model) GotoBottom() { m.setOffset(len(m.rows)) }

// visibleRows is how many hop rows fit under the header, leaving a line
// for the scroll hint when not all of them fit.
func (m Model) visibleRows() int {
	n := m.h - len(m.head)
	if len(m.rows) > n {
		n--
	}
	return max(n, 1)
}

// View returns the inspector, at most w cells wide and h lines tall.
func (m Model) View() string {
	if m.h <= 0 || m.w <= 0 {
		return ""
	}
	lines := make([]string, 0, m.h)
	lines = append(lines, m.head[:min(len(m.head), m.h)]...)
	if len(lines) == m.h {
		return strings.Join(lines, "\n")
	}
	n := m.visibleRows()
	end := min(m.offset+n, len(m.rows))
	lines = append(lines, m.rows[m.offset:end]...)
	if len(m.rows) > n && len(lines) < m.h {
		lines = append(lines, m.scrollHint(m.offset, len(m.rows)-end))
	}
	return strings.Join(lines[:min(len(lines), m.h)], "\n")
}

func (m Model) scrollHint(above, below int) string {
	var parts []string
	if above > 0 {
		parts = append(parts, "↑ "+strconv.Itoa(above)+" above")
	}
	if below > 0 {
		parts = append(parts, "↓ "+strconv.Itoa(below)+" more")
	}
	return m.st.Muted.Render(ansi.Truncate(strings.Join(parts, "  "), m.w, "…"))
}

// inks are the styles a row is painted with, rendered once per theme:
// a new trace draws every row, and lipgloss per cell would be most of it.
type inks struct {
	muted, text, accent, async, highlight, bar ink
	up, hit, miss, fallback, err               ink
}

type ink theme.Ink

func (k ink) paint(s string) string {
	if s == "" {
		return ""
	}
	return k.Pre + s + k.Post
}

func newInks(st *theme.Styles) inks {
	if st == nil {
		return inks{}
	}
	of := func(s lipgloss.Style) ink { return ink(theme.InkOf(s)) }
	return inks{
		muted: of(st.Muted), text: of(st.Text), accent: of(st.Accent), async: of(st.Async),
		highlight: of(st.Highlight), bar: of(st.Bar),
		up: of(st.Up), hit: of(st.Hit), miss: of(st.Miss), fallback: of(st.Fallback), err: of(st.Error),
	}
}

// outcome is the ink of a hop outcome.
func (k inks) outcome(o trace.Outcome) ink {
	switch o {
	case trace.Hit:
		return k.hit
	case trace.Miss:
		return k.miss
	case trace.Fallback, trace.Skipped:
		return k.fallback
	case trace.Error, trace.Shed:
		return k.err
	}
	return k.up
}
