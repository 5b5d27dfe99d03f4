package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/card"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/tui/diagram"
)

// panelMinWidth is the narrowest the right-hand panel gets.
const panelMinWidth = 30

// View draws the dashboard.
func (m *Model) View() string {
	if m.width < MinWidth || m.height < MinHeight {
		return m.tooSmall()
	}
	if m.cls != nil && m.cls.summary {
		return m.summaryView()
	}
	if m.showHelp {
		return m.helpView()
	}
	if m.showLegend {
		return m.legendScreen()
	}
	if m.quiz != nil && m.quiz.shown {
		return m.quizView()
	}
	header := m.header()
	if m.cls != nil {
		key := [3]uint64{m.cls.version, uint64(m.width), uint64(m.keysGen)}
		if m.drawn.classKey != key || m.drawn.classBar == "" {
			m.drawn.classKey, m.drawn.classBar = key, m.classBar()
		}
		header += "\n" + m.drawn.classBar
	}
	banner := ""
	if m.wideBanner() {
		banner = m.banner(m.width)
	}
	footer := m.footer()
	bodyH := m.height - strings.Count(header, "\n") - 1 - strings.Count(footer, "\n") - 1
	if banner != "" {
		bodyH -= strings.Count(banner, "\n") + 1
	}
	dia, dw := m.diagramView(bodyH)
	panel := m.panelView(m.width-dw-1, bodyH)

	// Composed by hand: the diagram's lines are exactly dw wide and the
	// panel's are padded to its width, so nothing needs measuring again.
	var b strings.Builder
	b.Grow(m.width * m.height * 2)
	b.WriteString(header)
	b.WriteByte('\n')
	if banner != "" {
		b.WriteString(banner)
		b.WriteByte('\n')
	}
	left, right := strings.Split(dia, "\n"), strings.Split(panel, "\n")
	pad := strings.Repeat(" ", dw)
	for i := 0; i < bodyH; i++ {
		if i < len(left) {
			b.WriteString(left[i])
		} else {
			b.WriteString(pad)
		}
		b.WriteByte(' ')
		if i < len(right) {
			b.WriteString(right[i])
		}
		b.WriteByte('\n')
	}
	b.WriteString(footer)
	return b.String()
}

func (m *Model) tooSmall() string {
	msg := fmt.Sprintf("archex needs a terminal of at least %d×%d; this one is %d×%d.\nEnlarge the window or zoom out, or press q to quit.",
		MinWidth, MinHeight, m.width, m.height)
	return m.styles.Plain.Width(max(m.width, 1)).Render(msg)
}

// header: the product and the card on the left, the traffic on the right
// (the card's title gives way when the line is short); under it the
// switches.
func (m *Model) header() string {
	if sw := m.switchesLine(); sw != "" {
		return m.titleLine() + "\n" + sw
	}
	return m.titleLine()
}

func (m *Model) titleLine() string {
	var key headerKey
	if s := m.snap; s != nil {
		key = headerKey{rate: s.Requests.SetRate, pattern: string(s.Requests.Pattern), paused: s.Requests.Paused,
			started: s.Requests.Started, seconds: int64(s.Elapsed / time.Second), levers: leversAway(s.Levers, s.DefaultLevers)}
	}
	key.speed, key.width, key.keys = m.speed, m.width, m.keysGen
	if m.drawn.headerKey == key && m.drawn.header != "" {
		return m.drawn.header
	}
	m.drawn.headerKey = key
	m.drawn.header = m.drawHeader()
	return m.drawn.header
}

func (m *Model) drawHeader() string {
	right := ""
	if s := m.snap; s != nil {
		r := s.Requests
		state, elapsed := fmt.Sprintf("▶ %g req/s %s", r.SetRate, r.Pattern), s.Elapsed
		switch {
		case !r.Started:
			state, elapsed = fmt.Sprintf("⏹ not started (%g req/s %s)", r.SetRate, r.Pattern), 0
		case r.Paused:
			state = fmt.Sprintf("⏸ paused (%g req/s %s)", r.SetRate, r.Pattern)
		}
		state += leversAway(s.Levers, s.DefaultLevers)
		right = m.styles.Accent.Render(fmt.Sprintf("%s · speed %gx · %s", state, m.speed, clock(elapsed)))
	}
	left := m.styles.Header.Render("archex")
	room := m.width - lipgloss.Width(left) - lipgloss.Width(right) - 1
	if title := " · " + m.card.Title; room > 4 {
		left += m.styles.HeaderDim.Render(truncateText(title, room))
	}
	gap := max(m.width-lipgloss.Width(left)-lipgloss.Width(right), 1)
	return truncate(left+strings.Repeat(" ", gap)+right, m.width)
}

// leversAway names the settings not at their defaults that neither a box
// nor the switches line shows, for the header: " · ttl 1s · limit 100/s".
func leversAway(l, def engine.Levers) string {
	out := ""
	if l.TTL != def.TTL {
		out += " · ttl " + shortDuration(l.TTL)
	}
	if l.KeyRate != def.KeyRate {
		out += " · limit " + strconv.FormatFloat(l.KeyRate, 'f', -1, 64) + "/s"
	}
	return out // the algorithm is on the switches line
}

// truncateText cuts plain text to w cells with an ellipsis.
func truncateText(s string, w int) string {
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	if w <= 1 {
		return "…"
	}
	return string(r[:w-1]) + "…"
}

func clock(d time.Duration) string {
	d = d.Truncate(time.Second)
	return fmt.Sprintf("%02d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// diagramView draws the diagram with its packets into at most h rows,
// leaving the panel at least panelMinWidth columns; it returns the drawing
// and its width.
func (m *Model) diagramView(h int) (string, int) {
	key := [3]int{m.width, h, len(m.placement.Nodes)}
	if m.layout == nil || m.layoutKey != key {
		m.layout, _ = diagram.NewLayout(m.placement, m.width-panelWidth(m.width)-1, h)
		m.layoutKey = key
		m.base = nil
	}
	l := m.layout
	if l == nil {
		msg := "the diagram does not fit: enlarge the terminal"
		dw := m.width - panelWidth(m.width) - 1
		return m.styles.Plain.Width(dw).Height(h).Render(msg), dw
	}
	if m.base == nil {
		m.base = diagram.Draw(l, func(b diagram.Box) diagram.Content { return m.boxContent(b, l.Style) },
			diagram.EdgeInks{Line: inkBorder, Arrow: inkMuted, Dead: inkDown}, m.isDown)
		if m.frame == nil || m.frame.W != l.W || m.frame.H != l.H {
			m.frame = diagram.NewCanvas(l.W, l.H)
		}
	}
	m.frame.CopyFrom(m.base)
	for _, p := range m.packets {
		if m.narrating() {
			break // the told request alone
		}
		if at, ok := p.position(l, m.now, m.speed); ok {
			m.frame.Set(at.X, at.Y, glyphOf(p.kind), packetInks[p.kind])
		}
	}
	m.drawStep(l)
	out := m.frame.Render(m.inks)
	switch pad := h - l.H; {
	case pad > 0:
		// The glyphs' legend on the last row the diagram leaves free.
		out += strings.Repeat("\n"+strings.Repeat(" ", l.W), pad-1) + "\n" + m.legendLine(l.W)
	case m.frame.BlankRow(l.H - 1):
		// Or on its bottom margin, when no edge runs there.
		out = out[:strings.LastIndexByte(out, '\n')+1] + m.legendLine(l.W)
	}
	return out, l.W
}

// panelWidth is the right-hand panel's share of a screen w wide: about a
// third, panelMinWidth at least; the diagram takes the rest (and gives
// back what it does not use).
func panelWidth(w int) int { return max(panelMinWidth, w*36/100) }

// isDown reports whether a component is down (a paused user is not: it
// has not failed).
func (m *Model) isDown(name string) bool {
	st, ok := m.snap.Component(name)
	return ok && st.State == engine.Down && st.Kind != card.KindClient
}

// wideBanner reports whether the failure story goes across the top (tall
// terminals) or into the panel (small ones, where it would squeeze the
// diagram).
func (m *Model) wideBanner() bool { return m.height >= 34 }

// footer: a lesson's caption and a saved screen's name (demo.go), then the
// narration or the last action, then the keys.
func (m *Model) footer() string {
	out := m.statusAndKeys()
	if demo := m.demoLines(); demo != "" {
		out = demo + "\n" + out
	}
	return out
}

// statusAndKeys: the narration or the last action, then the keys. They are
// drawn again only when one of them changes, not every frame.
func (m *Model) statusAndKeys() string {
	narration := ""
	if m.stepping != nil || m.stepPending {
		narration = m.stepFooter()
	}
	key := footerKey{status: m.status, narration: narration, stepping: m.stepping != nil || m.stepPending,
		fresh: m.stepSent == 0, width: m.width, helpWidth: m.help.Width, keys: m.keysGen}
	if m.drawn.footerKey == key && m.drawn.footer != "" {
		return m.drawn.footer
	}
	line := m.status
	switch {
	case key.stepping:
		line = narration
	case line == "" && m.stepSent == 0 && m.cls != nil && !m.cls.view.CanDrive:
		line = m.styles.Accent.Render("New here? ") + m.styles.Bold.Render("space") +
			m.styles.Text.Render(" sends one request, hop by hop · ") + m.styles.Bold.Render("v") +
			m.styles.Text.Render(" shows the next panel")
	case line == "" && m.stepSent == 0:
		line = m.styles.Accent.Render("New here? ") + m.styles.Bold.Render("space") +
			m.styles.Text.Render(" sends one request, hop by hop")
		if keys, words := m.failureHint(); keys != "" {
			line += m.styles.Text.Render(" · ") + m.styles.Bold.Render(keys) + m.styles.Text.Render(words)
		}
	default:
		line = m.styles.Muted.Render(line)
	}
	m.drawn.footerKey = key
	m.drawn.footer = truncate(line, m.width) + "\n" + truncate(m.help.View(m.helpKeys()), m.width)
	return m.drawn.footer
}

// drawCache keeps the parts of the screen that change seldom, drawn.
type drawCache struct {
	footerKey footerKey
	footer    string
	classKey  [3]uint64 // the class's version, the width, the keys' generation
	classBar  string
	headerKey headerKey
	header    string
	bannerKey string
	banner    string
	// switchesKey is the switches, the width and the keys' generation.
	switchesKey switchesKey
	switches    string
	// panelIn is what the panel was drawn from, at panelW x panelH.
	panelIn        string
	panelW, panelH int
	panel          string
	legendKey      [2]int // width, keys' generation
	legend         string
}

type headerKey struct {
	rate, speed float64
	pattern     string
	levers      string
	paused      bool
	started     bool
	seconds     int64
	width, keys int
}

type footerKey struct {
	status, narration string
	stepping, fresh   bool
	width, helpWidth  int
	keys              int
}

// truncate cuts a styled line to w cells, with an ellipsis where it cut.
func truncate(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}
