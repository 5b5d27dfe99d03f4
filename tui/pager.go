package tui

import (
	"fmt"

	"github.com/archex/archex/tui/theme"
)

// pager shows a text longer than its room a page at a time (the help, the
// legend): pgup and pgdn move it, a last line says what is below or above.
type pager struct {
	top int
	// total and rows are the text's lines and the page's, as last shown.
	total, rows int
}

// ScrollUp moves n lines up.
func (p *pager) ScrollUp(n int) { p.top = max(p.top-n, 0) }

// ScrollDown moves n lines down, no further than the last page.
func (p *pager) ScrollDown(n int) { p.top = max(min(p.top+n, p.total-p.rows), 0) }

// page is what h rows show of lines: all of them when they fit, else a
// page and a line that says how to see the rest.
func (p *pager) page(lines []string, h int, st *theme.Styles) []string {
	p.total = len(lines)
	if len(lines) <= h || h < 2 {
		p.top, p.rows = 0, h
		return lines
	}
	p.rows = h - 1
	p.top = max(min(p.top, p.total-p.rows), 0)
	end := p.top + p.rows
	hint := fmt.Sprintf("↓ %d more lines · pgdn", p.total-end)
	if end >= p.total {
		hint = "↑ pgup: back to the top"
	}
	out := append([]string(nil), lines[p.top:end]...)
	return append(out, st.Muted.Render(hint))
}
