// Package pollpane draws a class poll (archex serve): the question and its
// options, then what each member may know as the poll goes on. A student
// sees their own answer; a presenter sees how many answered and, on a key,
// the answers so far (never shown to the class before the reveal, to avoid
// herding); after the reveal everyone sees each vote's distribution side by
// side, the right answer and why, and what an experiment measured on the
// live system.
//
// The lines are drawn when the poll, the size or the theme change; View
// only picks the visible ones.
package pollpane

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/classroom"
	"github.com/archex/archex/quiz"
	"github.com/archex/archex/tui/narrate"
	"github.com/archex/archex/tui/theme"
)

// Model is the poll pane.
type Model struct {
	st        *theme.Styles
	w, h      int
	poll      *classroom.PollView
	presenter bool
	peek      bool
	offset    int
	lines     []string
}

// New returns an empty pane drawn with st.
func New(st *theme.Styles) Model { return Model{st: st} }

// SetStyles changes the theme.
func (m *Model) SetStyles(st *theme.Styles) { m.st = st; m.draw() }

// SetSize sets the pane's size in cells.
func (m *Model) SetSize(w, h int) {
	if w == m.w && h == m.h {
		return
	}
	m.w, m.h = w, h
	m.draw()
}

// SetPoll shows poll (nil: none) as a presenter or a student sees it; peek
// shows a presenter the answers so far. A new poll shows from its top.
func (m *Model) SetPoll(poll *classroom.PollView, presenter, peek bool) {
	if poll == nil || m.poll == nil || poll.Seq != m.poll.Seq || poll.State != m.poll.State {
		m.offset = 0
	}
	m.poll, m.presenter, m.peek = poll, presenter, peek
	m.draw()
}

// ScrollUp moves the pane n lines up.
func (m *Model) ScrollUp(n int) { m.setOffset(m.offset - n) }

// ScrollDown moves the pane n lines down.
func (m *Model) ScrollDown(n int) { m.setOffset(m.offset + n) }

func (m *Model) setOffset(o int) { m.offset = max(min(o, len(m.lines)-m.h+1), 0) }

// View returns the pane, at most w cells wide and h lines tall; a last line
// says when there is more.
func (m Model) View() string {
	if m.h <= 0 || len(m.lines) == 0 {
		return ""
	}
	if len(m.lines) <= m.h {
		return strings.Join(m.lines, "\n")
	}
	rows := max(m.h-1, 1)
	end := min(m.offset+rows, len(m.lines))
	hint := fmt.Sprintf("pgdn: %d more lines", len(m.lines)-end)
	if end == len(m.lines) {
		hint = "pgup: back to the top"
	}
	return strings.Join(m.lines[m.offset:end], "\n") + "\n" + m.st.Muted.Render(hint)
}

func (m *Model) draw() {
	m.lines = nil
	if m.st == nil || m.w <= 0 || m.poll == nil {
		return
	}
	d := drawing{st: m.st, w: m.w, p: m.poll, presenter: m.presenter}
	m.lines = d.lines(m.peek)
	m.setOffset(m.offset)
}

// drawing is one poll being drawn.
type drawing struct {
	st        *theme.Styles
	w         int
	p         *classroom.PollView
	presenter bool
	out       []string
}

func (d *drawing) add(lines ...string) { d.out = append(d.out, lines...) }

// wrap adds text wrapped to the pane, each line in style, the first after
// lead; the others are indented under it when lead is short (an option's
// letter), by two cells when it is a word or more.
func (d *drawing) wrap(text, lead string, render func(...string) string) {
	lw := ansi.StringWidth(lead)
	indent := lw
	if lw > 5 {
		indent = 2
	}
	lines := narrate.Wrap(text, d.w-lw)
	d.add(lead + render(lines[0]))
	if len(lines) == 1 {
		return
	}
	pad := strings.Repeat(" ", indent)
	for _, l := range narrate.Wrap(strings.Join(lines[1:], " "), d.w-indent) {
		d.add(pad + render(l))
	}
}

func (d *drawing) lines(peek bool) []string {
	p, st := d.p, d.st
	kind := "question"
	if p.Judged {
		kind = "experiment"
	}
	title := fmt.Sprintf("Poll %d · %s", p.Seq, kind)
	if p.Vote > 1 {
		title += fmt.Sprintf(" · vote %d", p.Vote)
	}
	d.add(st.PanelTitle.Render(title) + st.Muted.Render(" · "+stateWord(p)))
	if p.Revealed() && p.Correct >= 0 && p.Correct < len(p.Options) {
		// The verdict first: a small pane shows it without scrolling.
		d.add(d.verdict())
	}
	d.wrap(p.Prompt, "", st.Bold.Render)
	d.add("")
	if p.Revealed() {
		d.revealed()
		return d.out
	}
	mine := p.Mine[len(p.Mine)-1]
	if p.State == classroom.Measuring {
		// What happens now first: a small pane shows it without scrolling.
		d.wrap("The experiment is running on the live system: watch the diagram.", "", st.Accent.Render)
		if p.Progress != "" {
			d.wrap(p.Progress, "▸ ", st.Text.Render)
		}
		if mine >= 0 {
			d.add(st.Text.Render("Your prediction: " + quiz.Letter(mine)))
		}
		d.add("")
	}
	for i, o := range p.Options {
		lead, render := " "+quiz.Letter(i)+"  ", st.Text.Render
		switch {
		case i == mine:
			lead, render = "▸"+quiz.Letter(i)+"  ", st.Accent.Render
		}
		d.wrap(o, lead, render)
	}
	d.add("")
	if p.State != classroom.Measuring {
		d.asking(peek)
	}
	return d.out
}

func stateWord(p *classroom.PollView) string {
	switch p.State {
	case classroom.Open:
		return "open"
	case classroom.Locked:
		return "answers locked"
	case classroom.Measuring:
		return "measuring"
	}
	return "revealed"
}

// asking is the poll before its reveal.
func (d *drawing) asking(peek bool) {
	p, st := d.p, d.st
	answered := fmt.Sprintf("%d of %d answered", p.Answered, p.Of)
	letters := "A–" + quiz.Letter(len(p.Options)-1)
	if p.Failure != "" {
		d.wrap("The experiment could not run: "+p.Failure, "", st.Error.Render)
	}
	switch {
	case d.presenter:
		d.add(st.Bold.Render(answered))
		if peek && len(p.Counts) > 0 {
			d.add(st.Muted.Render("Answers so far (only you see them):"))
			d.distribution(false)
		} else {
			d.wrap("O: see the answers so far (only you)", "", st.Muted.Render)
		}
		if p.State == classroom.Open {
			d.wrap("L locks the answers · V second vote · R reveals · P next question", "", st.Muted.Render)
		} else {
			d.wrap("R reveals · L unlocks · V second vote · P next question", "", st.Muted.Render)
		}
	case p.State == classroom.Locked:
		d.wrap("Answers locked ("+answered+"): the presenter reveals next.", "", st.Text.Render)
		d.yourAnswer()
	default:
		if p.Vote > 1 && p.Mine[0] >= 0 {
			d.wrap("Second vote, after talking it over: you said "+quiz.Letter(p.Mine[0])+" the first time.", "", st.Accent.Render)
		}
		if mine := p.Mine[len(p.Mine)-1]; mine >= 0 {
			d.wrap("Your answer: "+quiz.Letter(mine)+". Change it with "+letters+" until the poll is locked.", "", st.Text.Render)
		} else if p.Vote > 1 {
			d.wrap("Answer again with "+letters+".", "", st.Bold.Render)
		} else {
			d.wrap("Answer with "+letters+": on your own first.", "", st.Bold.Render)
		}
		d.add(st.Muted.Render(answered))
	}
}

func (d *drawing) yourAnswer() {
	if mine := d.p.Mine[len(d.p.Mine)-1]; mine >= 0 {
		d.add(d.st.Text.Render("Your answer: " + quiz.Letter(mine)))
	}
}

// revealed is the poll after its reveal: each option under its counts, the
// right answer and why, what was measured, and the student's own answer.
// The counts come first, so that a small pane shows them without
// scrolling.
func (d *drawing) revealed() {
	p, st := d.p, d.st
	d.distribution(true)
	d.add("")
	if p.Correct < 0 || p.Correct >= len(p.Options) {
		return
	}
	right := quiz.Letter(p.Correct)
	if e := p.Explanations[p.Correct]; e != "" {
		d.wrap(e, "✓ Why "+right+": ", st.Text.Render)
	}
	if p.Evidence != "" {
		d.wrap(p.Evidence, "Measured: ", st.Accent.Render)
	}
	if d.presenter {
		return
	}
	mine := p.Mine[len(p.Mine)-1]
	switch {
	case mine < 0:
		d.add(st.Muted.Render("You did not answer."))
	case mine == p.Correct:
		d.add(st.Hit.Render("You answered " + right + ": right."))
	default:
		d.add("")
		d.wrap("You answered "+quiz.Letter(mine)+": not quite. "+p.Explanations[mine], "", st.Text.Render)
	}
}

// verdict is the line under a revealed poll's title: the right answer, and
// to a student whether theirs was.
func (d *drawing) verdict() string {
	p, st := d.p, d.st
	line := st.Hit.Render("✓ Right answer: " + quiz.Letter(p.Correct))
	if mine := p.Mine[len(p.Mine)-1]; !d.presenter && mine >= 0 {
		if mine == p.Correct {
			return line + st.Hit.Render(" · yours too")
		}
		return line + st.Muted.Render(" · you said "+quiz.Letter(mine))
	}
	return line
}

// distribution draws each option's count in every vote, the votes side by
// side ("vote 1" then "vote 2", the change a discussion made), and with
// text each option's text under its counts.
func (d *drawing) distribution(text bool) {
	p, st := d.p, d.st
	n := len(p.Counts)
	if n == 0 {
		return
	}
	totals := make([]int, n)
	for v, counts := range p.Counts {
		for _, c := range counts {
			totals[v] += c
		}
	}
	// " A ✓ " then per vote a bar and "  12" and, alone, " 40%".
	const lead, num = 5, 4
	pct := 0
	if n == 1 {
		pct = 5
	}
	bar := max(min((d.w-lead-n*(num+pct+2))/n, 20), 1)
	if n > 1 {
		var head strings.Builder
		head.WriteString(strings.Repeat(" ", lead))
		for v := range n {
			label := "vote " + strconv.Itoa(v+1)
			head.WriteString(label + strings.Repeat(" ", max(bar+num+2-len(label), 1)))
		}
		d.add(st.Muted.Render(strings.TrimRight(head.String(), " ")))
	}
	for i := range p.Options {
		mark := " "
		if p.Revealed() && i == p.Correct {
			mark = "✓"
		}
		var row strings.Builder
		row.WriteString(" " + quiz.Letter(i) + " " + mark + " ")
		for v, counts := range p.Counts {
			c := counts[i]
			filled := 0
			if totals[v] > 0 {
				filled = (c*bar + totals[v]/2) / totals[v]
			}
			row.WriteString(st.Bar.Render(strings.Repeat("█", filled)) + st.Muted.Render(strings.Repeat("░", bar-filled)))
			row.WriteString(fmt.Sprintf("%*d", num, c))
			if n == 1 && totals[v] > 0 {
				row.WriteString(fmt.Sprintf(" %3d%%", c*100/totals[v]))
			}
			row.WriteString("  ")
		}
		d.add(strings.TrimRight(row.String(), " "))
		if text {
			render := st.Text.Render
			if i == p.Correct {
				render = st.Hit.Render
			}
			d.wrap(p.Options[i], strings.Repeat(" ", lead), render)
		}
	}
}
