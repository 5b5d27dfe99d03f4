// Package cardpane puts the design card on screen: its title, overview,
// request flow as a numbered list of hops (the asynchronous ones marked),
// failure scenario and design principle. While step mode animates a request
// the current hop is highlighted and kept in view, so the diagram, the list
// and the narration move together.
//
// The card is wrapped and styled when it, the size or the theme change;
// View only picks the visible lines.
package cardpane

import (
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/card"
	"github.com/archex/archex/tui/narrate"
	"github.com/archex/archex/tui/scroll"
	"github.com/archex/archex/tui/theme"
)

// KeyMap scrolls the pane.
type KeyMap = scroll.KeyMap

// DefaultKeyMap scrolls with the arrows, page keys, home and end.
func DefaultKeyMap() KeyMap { return scroll.DefaultKeyMap() }

// Model is the card pane.
type Model struct {
	KeyMap KeyMap

	st      *theme.Styles
	w, h    int
	c       *card.Card
	current int // the highlighted hop; -1 none
	offset  int // first line shown

	lines []string
	hops  []span // where each hop of the flow sits in lines
}

// span is a range of lines.
type span struct{ from, to int }

// New returns a pane with no card, drawn with st.
func New(st *theme.Styles) Model {
	return Model{KeyMap: DefaultKeyMap(), st: st, current: -1}
}

// SetCard shows c from its top, with no hop highlighted; the card already
// shown changes nothing.
func (m *Model) SetCard(c *card.Card) {
	if c == m.c && c != nil {
		return
	}
	m.c, m.current, m.offset = c, -1, 0
	m.draw()
}

// SetStyles changes the theme.
func (m *Model) SetStyles(st *theme.Styles) { m.st = st; m.draw() }

// SetSize sets the pane's size in cells.
func (m *Model) SetSize(w, h int) {
	if w == m.w && h == m.h {
		return
	}
	m.w, m.h = w, h
	m.draw()
	m.follow()
}

// Current is the highlighted hop, -1 for none.
func (m Model) Current() int { return m.current }

// SetCurrent highlights hop i of the card's flow (-1: none) and scrolls it
// into view.
func (m *Model) SetCurrent(i int) {
	if m.c == nil || i < -1 || i >= len(m.c.Flow) {
		i = -1
	}
	if i == m.current {
		return
	}
	old := m.current
	m.current = i
	if len(m.hops) == len(m.c.Flow) {
		for _, j := range []int{old, i} {
			if j >= 0 {
				m.redrawHop(j)
			}
		}
	}
	m.follow()
}

// follow scrolls the current hop into view, with a line of context around
// it when there is room.
func (m *Model) follow() {
	if m.current < 0 || m.current >= len(m.hops) {
		return
	}
	s, rows := m.hops[m.current], m.rows()
	margin := min(2, rows/4)
	switch {
	case s.from < m.offset+margin:
		m.setOffset(s.from - margin)
	case s.to > m.offset+rows-margin:
		m.setOffset(s.to - rows + margin)
	}
}

// ScrollUp moves the card n lines up.
func (m *Model) ScrollUp(n int) { m.setOffset(m.offset - n) }

// ScrollDown moves the card n lines down.
func (m *Model) ScrollDown(n int) { m.setOffset(m.offset + n) }

func (m *Model) setOffset(o int) {
	m.offset = max(min(o, len(m.lines)-m.rows()), 0)
}

// rows is how many card lines show: all of them when they fit, else one
// line less for the hint that there is more.
func (m Model) rows() int {
	if len(m.lines) <= m.h || m.h < 2 {
		return max(m.h, 1)
	}
	return m.h - 1
}

// Update scrolls on the keys of the KeyMap and ignores everything else.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	scroll.Handle(m.KeyMap, msg, &m, m.rows()-1)
	return m, nil
}

// GotoTop scrolls to the first line.
func (m *Model) GotoTop() { m.setOffset(0) }

// GotoBottom scrolls to the last line.
func (m *Model) GotoBottom() { m.setOffset(len(m.lines)) }

// View returns the pane, at most w cells wide and h lines tall.
func (m Model) View() string {
	if m.st == nil || m.w <= 0 || m.h <= 0 {
		return ""
	}
	rows := m.rows()
	end := min(m.offset+rows, len(m.lines))
	shown := strings.Join(m.lines[m.offset:end], "\n")
	if len(m.lines) <= m.h || m.h < 2 {
		return shown
	}
	var hint []string
	if m.offset > 0 {
		hint = append(hint, "↑ "+strconv.Itoa(m.offset)+" above")
	}
	if below := len(m.lines) - end; below > 0 {
		hint = append(hint, "↓ "+strconv.Itoa(below)+" more")
	}
	return shown + "\n" + m.st.Muted.Render(ansi.Truncate(strings.Join(hint, "  "), m.w, "…"))
}

// draw wraps and styles the whole card.
func (m *Model) draw() {
	m.lines, m.hops = m.lines[:0], m.hops[:0]
	if m.st == nil || m.w <= 0 {
		return
	}
	c := m.c
	if c == nil {
		m.lines = append(m.lines, m.st.Muted.Render(ansi.Truncate("No card loaded.", m.w, "…")))
		return
	}
	m.para(m.st.Header, c.Title)
	if c.Overview != "" {
		m.lines = append(m.lines, "")
		m.para(m.st.Text, c.Overview)
	}
	if len(c.Flow) > 0 {
		m.lines = append(m.lines, "")
		m.heading("Request flow")
		for i := range c.Flow {
			from := len(m.lines)
			m.lines = append(m.lines, m.hopLines(i)...)
			m.hops = append(m.hops, span{from, len(m.lines)})
		}
	}
	if f := c.Failure; f != nil {
		m.lines = append(m.lines, "")
		m.heading("If the " + f.Component + " fails")
		m.labelled("Impact", f.Impact)
		m.labelled("Mitigation", f.Mitigation)
	}
	if c.Principle != "" {
		m.lines = append(m.lines, "")
		m.heading("Design principle")
		m.para(m.st.Text, c.Principle)
	}
	m.setOffset(m.offset)
}

func (m *Model) heading(s string) {
	m.lines = append(m.lines, m.st.Bold.Render(ansi.Truncate(s, m.w, "…")))
}

func (m *Model) para(st lipgloss.Style, s string) {
	for _, l := range narrate.Wrap(s, m.w) {
		m.lines = append(m.lines, st.Render(l))
	}
}

// labelled is "Impact: text", wrapped, with the label in bold.
func (m *Model) labelled(label, text string) {
	if text == "" {
		return
	}
	lines := narrate.Wrap(label+": "+text, m.w)
	for i, l := range lines {
		if i == 0 && strings.HasPrefix(l, label+":") {
			m.lines = append(m.lines, m.st.Bold.Render(label+":")+m.st.Text.Render(strings.TrimPrefix(l, label+":")))
			continue
		}
		m.lines = append(m.lines, m.st.Text.Render(l))
	}
}

// hopLines draws hop i of the flow: "▶ 4. Service Layer → Cache", wrapped
// under its text, the current one highlighted.
func (m *Model) hopLines(i int) []string {
	h := m.c.Flow[i]
	numW := len(strconv.Itoa(len(m.c.Flow)))
	gutter := "  "
	if i == m.current {
		gutter = "▶ "
	}
	num := strconv.Itoa(i+1) + "."
	prefix := gutter + strings.Repeat(" ", numW-len(num)+1) + num + " "
	from, to := h.From+" →", h.To
	st := m.st.Text
	if h.Async {
		from, to = "↳ "+from, to+" (async)"
		st = m.st.Async
	}
	if i == m.current {
		st = m.st.Highlight
	}
	indent := ansi.StringWidth(prefix)
	if m.w-indent < 8 {
		indent, prefix = 0, ""
	}
	// A hop too long for one line breaks after its arrow, so that names
	// stay whole.
	wrapped := []string{from + " " + to}
	if avail := m.w - indent; ansi.StringWidth(wrapped[0]) > avail {
		wrapped = append(narrate.Wrap(from, avail), narrate.Wrap(to, avail)...)
	}
	out := make([]string, len(wrapped))
	for j, l := range wrapped {
		lead := strings.Repeat(" ", indent)
		if j == 0 {
			lead = prefix
		}
		ps := m.st.Muted
		if i == m.current {
			ps = m.st.Accent
		}
		out[j] = ps.Render(lead) + st.Render(l)
	}
	return out
}

// redrawHop draws hop i again in place; its line count does not change
// with the highlight.
func (m *Model) redrawHop(i int) {
	s := m.hops[i]
	copy(m.lines[s.from:s.to], m.hopLines(i))
}
