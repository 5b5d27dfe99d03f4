package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/archex/archex/components/trace"
)

// panelView draws the right-hand panel.
func (m *Model) panelView(w, h int) string {
	var lines []string
	if !m.wideBanner() {
		if b := m.banner(w); b != "" {
			lines = append(lines, strings.Split(b, "\n")...)
			lines = append(lines, "")
		}
	}
	title := m.styles.PanelTitle.Render(panelNames[m.panel]) + m.styles.Muted.Render("  (v: next)")
	lines = append(lines, title)
	switch m.panel {
	case panelFigures:
		lines = append(lines, m.figuresLines()...)
	case panelTrace:
		lines = append(lines, m.traceLines()...)
	case panelLog:
		lines = append(lines, m.logLines(h-1)...)
	case panelCard:
		lines = append(lines, m.cardLines()...)
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = truncate(l, w)
	}
	return lipgloss.NewStyle().Width(w).Height(h).Render(strings.Join(lines, "\n"))
}

func (m *Model) figuresLines() []string {
	s := m.snap
	if s == nil {
		return nil
	}
	l := s.Last
	return []string{
		fmt.Sprintf("requests/s  %d  (ok %d, failed %d)", l.Sent, l.OK, l.Failed),
		fmt.Sprintf("p50 %s  p99 %s", msText(l.P50), msText(l.P99)),
		fmt.Sprintf("hit ratio   %s", percent(l.HitRatio)),
		fmt.Sprintf("DB reads/s  %d  all q/s %d", l.DBReads, l.DBQPS),
		fmt.Sprintf("queue depth %d", l.QueueDepth),
	}
}

func (m *Model) traceLines() []string {
	if m.inspect == nil {
		return []string{"press space to send a request and inspect it"}
	}
	var out []string
	for i, h := range m.inspect.Hops {
		out = append(out, fmt.Sprintf("%2d %s -> %s %.1fms %s", i+1, h.From, h.To, float64(h.Duration.Microseconds())/1000, h.Detail))
	}
	return out
}

func (m *Model) logLines(h int) []string {
	var out []string
	start := max(0, len(m.log)-h)
	for _, e := range m.log[start:] {
		out = append(out, e.At.Format("15:04:05.000")+" "+e.Component+": "+e.Text)
	}
	return out
}

func (m *Model) cardLines() []string {
	out := []string{m.card.Title, ""}
	for i, h := range m.card.Flow {
		line := fmt.Sprintf("%2d. %s -> %s", i+1, h.From, h.To)
		if i == m.stepHop {
			line = m.styles.Highlight.Render(line)
		}
		out = append(out, line)
	}
	return out
}

// narrateHop is the step's narration of one hop.
func narrateHop(h trace.Hop, i, n int) string {
	return fmt.Sprintf("hop %d/%d  %s -> %s: %s", i+1, n, h.From, h.To, h.Detail)
}
