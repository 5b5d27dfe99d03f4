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
	// legend pages the legend; beforeLegend is the panel it replaced.
	legend       pager
	beforeLegend panel
	// help pages the help screen.
	help pager
	// started is true once the log knows the system's start.
	started bool
}

func (m *Model) newPanels() {
	m.pn = panels{
		figures:   figures.New(&m.styles),
		waterfall: waterfall.New(&m.styles),
		log:       eventlog.New(&m.styles, 0),
		card:      cardpane.New(&m.styles),
	}
	m.pn.card.SetCard(m.card)
	m.pn.figures.SetCharts(chartsFor(m.card))
	m.pn.waterfall.SetCard(m.card)
}

func (m *Model) panelStyles() {
	m.pn.figures.SetStyles(&m.styles)
	m.pn.waterfall.SetStyles(&m.styles)
	m.pn.log.SetStyles(&m.styles)
	m.pn.card.SetStyles(&m.styles)
}

// setSnapshot gives the panels a new snapshot; the log learns when the
// system started, to stamp its entries as the header counts time.
func (p *panels) setSnapshot(s *engine.Snapshot) {
	p.figures.SetSnapshot(s)
	if !p.started {
		p.log.SetStart(s.At.Add(-s.Elapsed))
		p.started = true
	}
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
	// A front end's own panel (a challenge's goal) needs the room more
	// than the failure story, which the other panels still show; on a
	// small screen the poll takes the panel too: the diagram still says
	// what is down.
	if !m.wideBanner() && m.panel != panelSide && m.panel != panelPoll {
		if b := m.banner(w); b != "" {
			top = append(strings.Split(b, "\n"), "")
		}
	}
	if m.cls != nil && m.cls.chooser >= 0 {
		return m.chooserView(w, h)
	}
	top = append(top, m.narrationLines(w)...)
	hint := "  v: next panel"
	if m.panel == panelLegend {
		hint = "  " + m.keys.Legend.Help().Key + ": back"
	}
	title := m.styles.PanelTitle.Render(m.panelName()) + m.styles.Muted.Render(hint)
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
	case panelSide:
		body = m.opts.Side.View(w, rest)
	case panelLegend:
		body = strings.Join(m.pn.legend.page(strings.Split(m.legendView(w), "\n"), rest, &m.styles), "\n")
	}
	// Measured and padded again only when it changed: most frames only
	// the diagram moves.
	in := strings.Join(top, "\n") + "\x00" + body
	if d := &m.drawn; d.panelIn != in || d.panelW != w || d.panelH != h {
		d.panelIn, d.panelW, d.panelH = in, w, h
		d.panel = fitLines(append(top, strings.Split(body, "\n")...), w, h)
	}
	return m.drawn.panel
}

// panelName is the name of the panel shown.
func (m *Model) panelName() string {
	switch m.panel {
	case panelPoll:
		return "class poll"
	case panelLegend:
		return "legend"
	case panelSide:
		if m.opts.Side != nil {
			return m.opts.Side.Title()
		}
	}
	return panelNames[m.panel]
}

// nextPanel is the panel after the one shown: the class's poll comes after
// the others while there is one.
func (m *Model) nextPanel() panel {
	next := m.panel + 1
	if next == panelSide && m.opts.Side == nil {
		next++ // no front end's panel
	}
	switch {
	case m.panel == panelLegend:
		return m.pn.beforeLegend
	case m.panel == panelPoll:
		return panelFigures
	case next < panelCount:
		return next
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
	case panelLegend:
		if down {
			m.pn.legend.ScrollDown(n)
		} else {
			m.pn.legend.ScrollUp(n)
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
