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
	if m.cls != nil && m.cls.summary {
		return m.summaryView()
	}
	if m.showHelp {
		return m.helpView()
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

// header: the product and the card on the left, the traffic on the right;
// the card's title gives way when the line is short.
func (m *Model) header() string {
	var key headerKey
	if s := m.snap; s != nil {
		key = headerKey{rate: s.Requests.SetRate, pattern: string(s.Requests.Pattern), paused: s.Requests.Paused,
			seconds: int64(s.Elapsed / time.Second)}
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
		return m.styles.Plain.Width(m.width - panelMinWidth - 1).Height(h).Render(msg), m.width - panelMinWidth - 1
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
// It is wrapped again only when its words change.
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
		proof := m.proof(st, m.snap.Last)
		key := fmt.Sprint(w, m.keysGen, proof)
		if m.drawn.bannerKey == key {
			return m.drawn.banner
		}
		title := m.styles.Banner.Render(fmt.Sprintf(" ✖ %s DOWN ", strings.ToUpper(f.Component)))
		impact := m.styles.Bold.Render(" Impact: ") + m.styles.Text.Render(f.Impact)
		mitigation := m.styles.Bold.Render("Mitigation: ") + m.styles.Text.Render(f.Mitigation)
		var live string
		if wide {
			live = m.styles.Accent.Render("Live: " + strings.Join(proof, " · "))
		} else {
			live = m.styles.Accent.Render("Live, now vs before:") + "\n" + m.styles.Text.Render(strings.Join(proof, "\n"))
		}
		m.drawn.bannerKey = key
		m.drawn.banner = m.styles.Plain.Width(w).Render(title + impact + "\n" + mitigation + "\n" + live)
		return m.drawn.banner
	case m.failure.rebuilding(m.now) && st.Kind == card.KindQueue:
		title := m.styles.Banner.Render(fmt.Sprintf(" ↻ %s CATCHING UP ", strings.ToUpper(f.Component)))
		text := fmt.Sprintf(" back up, the relay publishes what waited: %d events left (outbox %d, spool %d)", st.Outbox+st.Spool, st.Outbox, st.Spool)
		return m.styles.Plain.Width(w).Render(title + m.styles.Text.Render(text))
	case m.failure.rebuilding(m.now):
		title := m.styles.Banner.Render(fmt.Sprintf(" ↻ %s REBUILDING ", strings.ToUpper(f.Component)))
		text := " back up, empty, refilling as reads miss: " + figures.Rebuild(&m.styles, m.snap, 20)
		return m.styles.Plain.Width(w).Render(title + m.styles.Text.Render(text))
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
			m.styles.Text.Render(" sends one request, hop by hop · ") + m.styles.Bold.Render("c") +
			m.styles.Text.Render(" kills the cache")
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
}

type headerKey struct {
	rate, speed float64
	pattern     string
	paused      bool
	seconds     int64
	width, keys int
}

type footerKey struct {
	status, narration string
	stepping, fresh   bool
	width, helpWidth  int
	keys              int
}

func (m *Model) helpView() string {
	h := m.help
	h.ShowAll = true
	title := m.styles.Header.Render("archex · keys") + m.styles.Muted.Render("   (any key to go back)")
	note := ""
	if c := m.cls; c != nil && !c.view.CanDrive {
		note = "\n\n" + m.styles.Muted.Render("The keys that kill, slow, heal, switch or send traffic are the presenter's: "+
			"the presenter drives the system, and can hand you the controls.")
	}
	return title + "\n\n" + h.View(m.helpKeys()) + note
}

// truncate cuts a styled line to w cells, with an ellipsis where it cut.
func truncate(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}
