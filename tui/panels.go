package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/engine"
	"github.com/archex/archex/tui/cardpane"
	"github.com/archex/archex/tui/eventlog"
	"github.com/archex/archex/tui/figures"
	"github.com/archex/archex/tui/waterfall"
)

// panels are the right-hand side's views; one shows at a time, all are kept
// up to date.
type panels struct {
	figures   figures.Model
	waterfall waterfall.Model
	log       eventlog.Model
	card      cardpane.Model
}

func (m *Model) newPanels() {
	m.pn = panels{
		figures:   figures.New(&m.styles),
		waterfall: waterfall.New(&m.styles),
		log:       eventlog.New(&m.styles, 0),
		card:      cardpane.New(&m.styles),
	}
	m.pn.card.SetCard(m.card)
	m.pn.waterfall.SetCard(m.card)
}

func (m *Model) panelStyles() {
	m.pn.figures.SetStyles(&m.styles)
	m.pn.waterfall.SetStyles(&m.styles)
	m.pn.log.SetStyles(&m.styles)
	m.pn.card.SetStyles(&m.styles)
}

// inspectTrace shows a trace in the inspector.
func (m *Model) inspectTrace(t engine.Trace) {
	m.inspect = &t
	m.pn.waterfall.SetTrace(t)
}

// panelView draws the right-hand panel: the failure story on top when the
// terminal is too short for a banner, then the chosen view.
func (m *Model) panelView(w, h int) string {
	var top []string
	if !m.wideBanner() && m.panel != panelPoll {
		// On a small screen the poll takes the panel: the diagram still
		// says what is down.
		if b := m.banner(w); b != "" {
			top = append(strings.Split(b, "\n"), "")
		}
	}
	if m.cls != nil && m.cls.chooser >= 0 {
		return m.chooserView(w, h)
	}
	top = append(top, m.narrationLines(w)...)
	title := m.styles.PanelTitle.Render(m.panelName()) + m.styles.Muted.Render("  v: next panel")
	top = append(top, truncate(title, w))
	rest := max(h-len(top), 1)
	var body string
	switch m.panel {
	case panelPoll:
		m.cls.pane.SetSize(w, rest)
		body = m.cls.pane.View()
	case panelFigures:
		m.pn.figures.SetSize(w, rest)
		body = m.pn.figures.View()
	case panelTrace:
		m.pn.waterfall.SetSize(w, rest)
		body = m.pn.waterfall.View()
		if m.inspect == nil {
			body = m.styles.Muted.Render("press space to send a request and inspect it")
		}
	case panelLog:
		m.pn.log.SetSize(w, rest)
		body = m.pn.log.View()
	case panelCard:
		m.pn.card.SetSize(w, rest)
		body = m.pn.card.View()
	}
	return fitLines(append(top, strings.Split(body, "\n")...), w, h)
}

// panelName is the name of the panel shown.
func (m *Model) panelName() string {
	if m.panel == panelPoll {
		return "class poll"
	}
	return panelNames[m.panel]
}

// nextPanel is the panel after the one shown: the class's poll comes after
// the others while there is one.
func (m *Model) nextPanel() panel {
	switch {
	case m.panel == panelPoll:
		return panelFigures
	case m.panel+1 < panelCount:
		return m.panel + 1
	case m.cls != nil && m.cls.view.Poll != nil:
		return panelPoll
	}
	return panelFigures
}

// scrollPanel scrolls the panel shown.
func (m *Model) scrollPanel(down bool) {
	n := 3
	switch m.panel {
	case panelPoll:
		if down {
			m.cls.pane.ScrollDown(n)
		} else {
			m.cls.pane.ScrollUp(n)
		}
	case panelTrace:
		if down {
			m.pn.waterfall.ScrollDown(n)
		} else {
			m.pn.waterfall.ScrollUp(n)
		}
	case panelLog:
		if down {
			m.pn.log.ScrollDown(n)
		} else {
			m.pn.log.ScrollUp(n)
		}
	case panelCard:
		if down {
			m.pn.card.ScrollDown(n)
		} else {
			m.pn.card.ScrollUp(n)
		}
	}
}

// addLog writes to the event log.
func (m *Model) addLog(e eventlog.Entry) { m.pn.log.Add(e) }

// fitLines makes exactly h lines of exactly w cells: longer lines are cut,
// shorter ones padded, missing ones blank.
func fitLines(lines []string, w, h int) string {
	var b strings.Builder
	for i := 0; i < h; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		line := ""
		if i < len(lines) {
			line = lines[i]
		}
		n := ansi.StringWidth(line)
		if n > w {
			line, n = ansi.Truncate(line, w, "…"), w
		}
		b.WriteString(line)
		b.WriteString(strings.Repeat(" ", w-n))
	}
	return b.String()
}
