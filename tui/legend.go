package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/archex/archex/tui/narrate"
)

// panelLegend is the legend: what the glyphs, borders, edges and colours
// of the diagram mean. The legend key shows it in the panel, beside the
// diagram it explains, and again goes back.
const panelLegend = panelCount + 1

// legendPanelMin is the narrowest panel the legend shows in; on a smaller
// screen it takes the whole screen, in columns, as the help does.
const legendPanelMin = 40

// legendRow is a glyph (in its style) and what it means.
type legendRow struct {
	glyph string
	style lipgloss.Style
	text  string
}

// legendEntries are the legend's sections, each row wrapped to w columns,
// a section's title first in its group.
func (m *Model) legendEntries(w int) []helpEntry {
	st := &m.styles
	sections := []struct {
		title string
		rows  []legendRow
	}{
		{"Boxes: a symbol and a word", []legendRow{
			{"● UP", st.Up, "working"},
			{"◐ DEGRADED", st.Degraded, "slow, failing or short"},
			{"○ OPEN", st.Open, "breaker stops calls"},
			{"✖ DOWN", st.Down, "killed, or none healthy"},
			{"⏸ PAUSED", st.Degraded, "the user sends nothing"},
			{"┏━┓", st.Down, "heavy border: DOWN"},
			{"╔═╗ ▸", st.BorderSelected, "double border: selected"},
		}},
		{"Requests moving along the edges", []legendRow{
			{"●", st.Hit, "a read the cache answered (hit)"},
			{"◉", st.Miss, "a cache miss: database read"},
			{"◆", st.Fallback, "cache down or slow: database"},
			{"✖", st.Error, "the user got an error"},
			{"■", st.Accent, "a write: database, cache dropped"},
			{"◇", st.Async, "an event: queue, then worker"},
			{"●", st.Highlight, "the request space sends"},
		}},
		{"Edges", []legendRow{
			{"─ │", st.Border, "a link of the request flow"},
			{"▶ ◀ ▲ ▼", st.Muted, "where a call goes in"}, {"◀──▶", st.Muted, "a call and its reply"},
			{"↕ ↔", st.Muted, "call and reply, close by"},
			{"┄ ┆ ╳", st.Down, "a link to a DOWN component"},
		}},
	}
	var out []helpEntry
	for _, sec := range sections {
		out = append(out, helpEntry{lines: []string{st.Bold.Render(sec.title)}, first: len(out) > 0})
		gw := 0
		for _, r := range sec.rows {
			gw = max(gw, lipgloss.Width(r.glyph))
		}
		for _, r := range sec.rows {
			pad := strings.Repeat(" ", gw-lipgloss.Width(r.glyph))
			head := " " + r.style.Render(r.glyph) + pad + "  "
			var e helpEntry
			for j, t := range narrate.Wrap(r.text, max(w-gw-3, 10)) {
				if j > 0 {
					head = strings.Repeat(" ", gw+3)
				}
				e.lines = append(e.lines, head+st.Text.Render(t))
			}
			out = append(out, e)
		}
	}
	colours := helpEntry{lines: []string{st.Bold.Render("Colours")}, first: true}
	if m.renderer.ColorProfile() == termenv.Ascii {
		for _, l := range narrate.Wrap("none here (NO_COLOR, or a terminal without): the symbols, borders and words say it all", w-1) {
			colours.lines = append(colours.lines, " "+st.Text.Render(l))
		}
	} else {
		words := []string{st.Up.Render("up"), st.Hit.Render("hit"), st.Degraded.Render("degraded"), st.Miss.Render("miss"),
			st.Open.Render("open"), st.Fallback.Render("fallback"), st.Down.Render("down"), st.Error.Render("error"), st.Async.Render("async")}
		line := " "
		for i, wd := range words {
			if i > 0 && lipgloss.Width(line+" · "+wd) > w {
				colours.lines = append(colours.lines, line)
				line = " "
			} else if i > 0 {
				line += st.Muted.Render(" · ")
			}
			line += wd
		}
		colours.lines = append(colours.lines, line)
		for _, l := range narrate.Wrap("never alone: a symbol or a word says the same", w-1) {
			colours.lines = append(colours.lines, " "+st.Muted.Render(l))
		}
	}
	return append(out, colours)
}

// legendView is the legend in the panel, w columns.
func (m *Model) legendView(w int) string {
	var lines []string
	for _, e := range m.legendEntries(w) {
		if e.first {
			lines = append(lines, "")
		}
		lines = append(lines, e.lines...)
	}
	return strings.Join(lines, "\n")
}

// legendScreen is the legend on the whole screen, in two columns: for
// screens whose panel is too narrow for it.
func (m *Model) legendScreen() string {
	colW := (m.width - helpGap) / 2
	entries := m.legendEntries(colW)
	total := 0
	for _, e := range entries {
		total += len(e.lines)
		if e.first {
			total++
		}
	}
	columns := flowColumns(entries, 2, total, true)
	title := m.styles.Header.Render("archex · legend") + m.styles.Muted.Render("   (any key to go back)")
	body := m.pn.legend.page(joinColumns(columns, colW), m.height-2, &m.styles)
	return title + "\n\n" + strings.Join(body, "\n")
}

// toggleLegend shows the legend (in the panel, or on the whole screen
// when the panel is narrow), or what it replaced.
func (m *Model) toggleLegend() {
	switch {
	case m.panel == panelLegend:
		m.panel = m.pn.beforeLegend
	case panelWidth(m.width) < legendPanelMin:
		m.showLegend, m.pn.legend.top = true, 0
	default:
		m.pn.beforeLegend, m.panel, m.pn.legend.top = m.panel, panelLegend, 0
	}
}

// legendLine is the one-line legend under the diagram: the requests'
// glyphs, and the key to the rest.
func (m *Model) legendLine(w int) string {
	if key := [2]int{w, m.keysGen}; m.drawn.legendKey != key || m.drawn.legend == "" {
		m.drawn.legendKey, m.drawn.legend = key, m.drawLegendLine(w)
	}
	return m.drawn.legend
}

func (m *Model) drawLegendLine(w int) string {
	st := &m.styles
	items := []string{st.Hit.Render("●") + " hit", st.Miss.Render("◉") + " miss", st.Fallback.Render("◆") + " fallback",
		st.Error.Render("✖") + " error", st.Accent.Render("■") + " write", st.Async.Render("◇") + " async"}
	tail := st.Muted.Render(" · ") + st.Help.ShortKey.Render(m.keys.Legend.Help().Key) + st.Muted.Render(" legend")
	for n := len(items); n > 0; n-- {
		line := strings.Join(items[:n], " ") + tail
		if lipgloss.Width(line) <= w {
			return line + strings.Repeat(" ", w-lipgloss.Width(line))
		}
	}
	return fitLines([]string{strings.TrimPrefix(tail, st.Muted.Render(" · "))}, w, 1)
}
