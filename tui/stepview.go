package tui

import (
	"fmt"

	"github.com/archex/archex/engine"
	"github.com/archex/archex/tui/narrate"
	"github.com/charmbracelet/lipgloss"
)

// narrationLines is the narration area, w cells wide, while step mode tells
// a request: where the telling is, its sentence wrapped, never cut, and,
// while the traffic runs, a hint to pause it first. Nil when there is
// nothing to tell.
func (m *Model) narrationLines(w int) []string {
	s := m.stepping
	title := m.styles.PanelTitle.Render("narration")
	switch {
	case s == nil && m.stepPending:
		return []string{truncate(title+m.styles.Muted.Render("  sending a request..."), w), ""}
	case s == nil:
		return nil
	}
	head := title + m.styles.Muted.Render("  "+m.stepState())
	if lipgloss.Width(head) > w {
		head = m.styles.PanelTitle.Render(m.stepState())
	}
	lines := []string{truncate(head, w)}
	for _, l := range narrate.Wrap(s.step().Text, w) {
		lines = append(lines, m.styles.Bold.Render(l))
	}
	hint := ""
	switch r := m.snapRequests(); {
	case s.done:
		hint = "Told to the end: ← goes back, space sends the next request, esc closes."
	case !r.Paused && r.SetRate > 0:
		hint = "Traffic is running: p pauses it, so the figures hold still while you talk."
	}
	if hint != "" {
		for _, l := range narrate.Wrap(hint, w) {
			lines = append(lines, m.styles.Muted.Render(l))
		}
	}
	return append(lines, "")
}

// stepState says where the telling is, in a few words: "6/14 · paused",
// "13/14 · background · playing", "told".
func (m *Model) stepState() string {
	s := m.stepping
	if s.done {
		return "told"
	}
	where := fmt.Sprintf("%d/%d", s.i+1, len(s.steps))
	if s.step().Async {
		where += " · background"
	}
	if s.auto {
		return where + " · playing"
	}
	return where + " · paused"
}

// stepFooter is the footer's line while a request is told: the request and
// where the telling is.
func (m *Model) stepFooter() string {
	if m.stepping == nil {
		return m.styles.Accent.Render("▸ ") + m.styles.Muted.Render("sending a request to narrate...")
	}
	state := " · hop " + m.stepState()
	if m.stepping.done {
		state = " · told to the end"
	}
	return m.styles.Accent.Render("▸ ") + m.styles.Bold.Render(narrate.Summary(m.stepping.trace, m.card)) + m.styles.Muted.Render(state)
}

// snapRequests is the traffic as the last snapshot saw it.
func (m *Model) snapRequests() engine.Requests {
	if m.snap == nil {
		return engine.Requests{}
	}
	return m.snap.Requests
}
