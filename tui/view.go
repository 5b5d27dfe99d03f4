package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/card"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/tui/diagram"
	"github.com/archex/archex/tui/figures"
)

// panelMinWidth is the narrowest the right-hand panel gets.
const panelMinWidth = 30

// View draws the dashboard.
func (m *Model) View() string {
	if m.width < MinWidth || m.height < MinHeight {
		return m.tooSmall()
	}
	if m.showHelp {
		return m.helpView()
	}
	if m.quiz != nil && m.quiz.shown {
		return m.quizView()
	}
	header := m.header()
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
	return lipgloss.NewStyle().Width(max(m.width, 1)).Render(msg)
}

// header: the product and the card on the left, the traffic on the right;
// the card's title gives way when the line is short.
func (m *Model) header() string {
	right := ""
	if s := m.snap; s != nil {
		r := s.Requests
		state := fmt.Sprintf("▶ %g req/s %s", r.SetRate, r.Pattern)
		if r.Paused {
			state = "⏸ paused"
		}
		state += switchesAway(s.Switches)
		right = m.styles.Accent.Render(fmt.Sprintf("%s · speed %gx · %s", state, m.speed, clock(s.Elapsed)))
	}
	left := m.styles.Header.Render("archex")
	room := m.width - lipgloss.Width(left) - lipgloss.Width(right) - 1
	if title := " · " + m.card.Title; room > 4 {
		left += m.styles.HeaderDim.Render(truncateText(title, room))
	}
	gap := max(m.width-lipgloss.Width(left)-lipgloss.Width(right), 1)
	return truncate(left+strings.Repeat(" ", gap)+right, m.width)
}

// switchesAway names the switches not at their defaults, for the header:
// " · shedding on · breaker off".
func switchesAway(sw engine.Switches) string {
	out := ""
	if sw.Shedding {
		out += " · shedding on"
	}
	if !sw.Breaker {
		out += " · breaker off"
	}
	if !sw.Singleflight {
		out += " · singleflight off"
	}
	return out
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
		m.layout, _ = diagram.NewLayout(m.placement, m.width-panelMinWidth-1, h)
		m.layoutKey = key
		m.base = nil
	}
	l := m.layout
	if l == nil {
		msg := "the diagram does not fit: enlarge the terminal"
		return lipgloss.NewStyle().Width(m.width - panelMinWidth - 1).Height(h).Render(msg), m.width - panelMinWidth - 1
	}
	if m.base == nil {
		m.base = diagram.Draw(l, func(b diagram.Box) diagram.Content { return m.boxContent(b, l.Style) },
			diagram.EdgeInks{Line: inkBorder, Arrow: inkMuted})
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
	if pad := h - l.H; pad > 0 {
		out += strings.Repeat("\n"+strings.Repeat(" ", l.W), pad)
	}
	return out, l.W
}

// wideBanner reports whether the failure story goes across the top (tall
// terminals) or into the panel (small ones, where it would squeeze the
// diagram).
func (m *Model) wideBanner() bool { return m.height >= 34 }

// banner tells the card's failure story while its component is down, with
// the live proof, and follows the rebuild after, in w columns.
func (m *Model) banner(w int) string {
	f := m.card.Failure
	if f == nil || m.snap == nil {
		return ""
	}
	st, ok := m.snap.Component(f.Component)
	if !ok {
		return ""
	}
	wide := w >= 100
	switch {
	case m.failure.down:
		title := m.styles.Banner.Render(fmt.Sprintf(" ✖ %s DOWN ", strings.ToUpper(f.Component)))
		impact := m.styles.Bold.Render(" Impact: ") + m.styles.Text.Render(f.Impact)
		mitigation := m.styles.Bold.Render("Mitigation: ") + m.styles.Text.Render(f.Mitigation)
		proof := m.proof(st, m.snap.Last)
		var live string
		if wide {
			live = m.styles.Accent.Render("Live: " + strings.Join(proof, " · "))
		} else {
			live = m.styles.Accent.Render("Live, now vs before:") + "\n" + m.styles.Text.Render(strings.Join(proof, "\n"))
		}
		return lipgloss.NewStyle().Width(w).Render(title + impact + "\n" + mitigation + "\n" + live)
	case m.failure.rebuilding(m.now) && st.Kind == card.KindQueue:
		title := m.styles.Banner.Render(fmt.Sprintf(" ↻ %s CATCHING UP ", strings.ToUpper(f.Component)))
		text := fmt.Sprintf(" back up, the relay publishes what waited: %d events left (outbox %d, spool %d)", st.Outbox+st.Spool, st.Outbox, st.Spool)
		return lipgloss.NewStyle().Width(w).Render(title + m.styles.Text.Render(text))
	case m.failure.rebuilding(m.now):
		title := m.styles.Banner.Render(fmt.Sprintf(" ↻ %s REBUILDING ", strings.ToUpper(f.Component)))
		text := " back up, empty, refilling as reads miss: " + figures.Rebuild(&m.styles, m.snap, 20)
		return lipgloss.NewStyle().Width(w).Render(title + m.styles.Text.Render(text))
	}
	return ""
}

// proof is the live evidence of the failure story: now vs before.
func (m *Model) proof(st engine.Status, last engine.Second) []string {
	b := m.failure.before
	failed := m.snap.Requests.Failed - m.failure.failedAt
	var out []string
	switch st.Kind {
	case card.KindCache:
		out = append(out, fmt.Sprintf("hit ratio %s (was %s)", percent(last.HitRatio), percent(b.HitRatio)))
	case card.KindQueue:
		// Nothing is lost: the events wait in the service until the queue is back.
		out = append(out, fmt.Sprintf("events waiting %d (outbox %d, spool %d), shed %d", st.Outbox+st.Spool, st.Outbox, st.Spool, st.EventsShed))
	}
	return append(out,
		fmt.Sprintf("DB %d q/s (was %d)", last.DBQPS, b.DBQPS),
		fmt.Sprintf("p99 %s (was %s)", msText(last.P99), msText(b.P99)),
		fmt.Sprintf("failed requests since: %d", failed))
}

// footer: the narration or the last action, then the keys.
func (m *Model) footer() string {
	line := m.status
	switch {
	case m.stepping != nil || m.stepPending:
		line = m.stepFooter()
	case line == "" && m.stepSent == 0:
		line = m.styles.Accent.Render("New here? ") + m.styles.Bold.Render("space") +
			m.styles.Text.Render(" sends one request, hop by hop · ") + m.styles.Bold.Render("c") +
			m.styles.Text.Render(" kills the cache")
	default:
		line = m.styles.Muted.Render(line)
	}
	return truncate(line, m.width) + "\n" + truncate(m.help.View(m.keys), m.width)
}

func (m *Model) helpView() string {
	h := m.help
	h.ShowAll = true
	title := m.styles.Header.Render("archex · keys") + m.styles.Muted.Render("   (any key to go back)")
	return title + "\n\n" + h.View(m.keys)
}

// truncate cuts a styled line to w cells, with an ellipsis where it cut.
func truncate(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}
