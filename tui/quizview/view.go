package quizview

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/quiz"
)

// The frame around the body: one column of margin each side; a header line
// and a blank line above the body; a status line and the help line below.
const (
	margin      = 1
	chromeLines = 4
	// indent is where option text starts: "› A) ".
	indent = 5
	// maxTextWidth caps the width text is wrapped to: long lines are hard
	// to read on a wide terminal.
	maxTextWidth = 100
)

// View draws the current screen in exactly the model's height.
func (m Model) View() string {
	body := m.body()
	h := m.bodyHeight()
	off := m.offset
	if m.screen == screenQuestion {
		off = m.questionOffset(body, h)
	}
	end := min(off+h, len(body))
	lines := make([]string, 0, m.height)
	lines = append(lines, m.header(), "")
	lines = append(lines, body[off:end]...)
	for len(lines) < 2+h {
		lines = append(lines, "")
	}
	lines = append(lines, m.statusLine(end < len(body)), m.help.View(m))
	pad := strings.Repeat(" ", margin)
	w := m.contentWidth()
	for i, l := range lines {
		if l == "" {
			continue
		}
		// Everything is wrapped to the width already; this only guards
		// a screen narrower than a word.
		if ansi.StringWidth(l) > w {
			l = ansi.Truncate(l, w, "…")
		}
		lines[i] = pad + l
	}
	return strings.Join(lines[:min(len(lines), m.height)], "\n")
}

func (m Model) contentWidth() int { return max(1, m.width-2*margin) }

// textWidth is the width body text wraps to.
func (m Model) textWidth() int { return min(m.contentWidth(), maxTextWidth) }

func (m Model) bodyHeight() int { return max(1, m.height-chromeLines) }

func (m Model) header() string {
	var where string
	switch m.screen {
	case screenQuestion, screenMeasuring, screenFeedback:
		n := m.session.Pos()
		if m.screen != screenFeedback {
			n++
		}
		where = fmt.Sprintf("question %d of %d", n, m.session.Len())
	case screenResults:
		where = "results"
	case screenReview:
		where = fmt.Sprintf("review: miss %d of %d", m.review+1, len(m.session.Results().Misses))
	}
	left := "archex quiz · " + string(m.session.Set()) + " · " + where
	w := m.contentWidth()
	if ansi.StringWidth(left) > w {
		return m.styles.Title.Render(ansi.Truncate(left, w, "…"))
	}
	gap := w - ansi.StringWidth(left) - ansi.StringWidth(m.status)
	if m.status == "" || gap < 2 {
		return m.styles.Title.Render(left)
	}
	return m.styles.Title.Render(left) + strings.Repeat(" ", gap) + m.styles.Status.Render(m.status)
}

// statusLine is the line above the help: a failed save, or a hint that the
// text goes on below.
func (m Model) statusLine(more bool) string {
	switch {
	case m.saveErr != "":
		return m.styles.Error.Render(ansi.Truncate("✗ "+m.saveErr, m.contentWidth(), "…"))
	case more:
		return m.styles.Dim.Render("↓ more below")
	}
	return ""
}

// questionOffset scrolls a question that does not fit so that the option
// under the cursor is on screen.
func (m Model) questionOffset(body []string, h int) int {
	if len(body) <= h {
		return 0
	}
	first, last := m.cursorLines()
	off := 0
	if last >= h {
		off = last - h + 1
	}
	if first < off {
		off = first
	}
	return max(0, min(off, len(body)-h))
}

func (m Model) body() []string {
	switch m.screen {
	case screenQuestion:
		it, ok := m.current()
		if !ok {
			return nil
		}
		lines, _, _ := m.questionBody(it)
		return lines
	case screenMeasuring:
		it, ok := m.current()
		if !ok {
			return nil
		}
		return m.measuringBody(it)
	case screenFeedback:
		return m.feedbackBody(m.last)
	case screenResults:
		return m.resultsBody()
	case screenReview:
		misses := m.session.Results().Misses
		if len(misses) == 0 {
			return nil
		}
		return m.feedbackBody(misses[min(m.review, len(misses)-1)])
	}
	return nil
}

func (m Model) cursorLines() (first, last int) {
	it, ok := m.current()
	if !ok {
		return 0, 0
	}
	_, first, last = m.questionBody(it)
	return first, last
}

// topicLine is "cache · medium · new": the topic, the difficulty and why
// the question is asked now.
func (m Model) topicLine(it quiz.Item) string {
	s := it.Topic()
	if d := it.Question.Difficulty; d != "" {
		s += " · " + d
	}
	return m.styles.Topic.Render(s + " · " + statusWord(it))
}

// statusWord is why a question is asked now, in a word or two.
func statusWord(it quiz.Item) string {
	switch {
	case it.Again:
		return "again (missed earlier)"
	case it.Ahead():
		return "not due yet"
	case it.Status == quiz.StatusDue:
		return "review"
	}
	return "new"
}

// questionBody is a question and its options; first and last are the lines
// of the option under the cursor.
func (m Model) questionBody(it quiz.Item) (lines []string, first, last int) {
	w := m.textWidth()
	lines = append(lines, m.topicLine(it), "")
	lines = append(lines, styleLines(m.styles.Prompt, wrap(it.Prompt(), w))...)
	lines = append(lines, "")
	if it.Judged() {
		// Not yet started: its question comes with the baseline. The
		// options are a class poll's; the quiz asks for a number.
		lines = append(lines, styleLines(m.styles.Option, wrap(quiz.ExperimentIntro, w))...)
		lines = append(lines, m.previewLines(it, w)...)
		lines = append(lines, "", m.styles.Selected.Render("› enter: start the experiment"))
		return lines, len(lines) - 1, len(lines) - 1
	}
	if it.Numeric() {
		lines = append(lines, styleLines(m.styles.Dim, wrap("Type a number ("+it.Problem.Within()+"), then enter:", w))...)
		lines = append(lines, m.styles.Selected.Render("› "+string(m.number)+"█"))
		first, last = len(lines)-1, len(lines)-1
		if m.badNum {
			lines = append(lines, m.styles.Error.Render(ansi.Truncate("✗ That is not a number: type digits, such as 375 or 2.4.", w, "…")))
		}
		return lines, first, last
	}
	for i, o := range it.Options() {
		mark, style := "  ", m.styles.Option
		if i == m.cursor {
			mark, style = "› ", m.styles.Selected
			first = len(lines)
		}
		for j, l := range wrap(o.Text, w-indent) {
			if j == 0 {
				lines = append(lines, style.Render(mark+quiz.Letter(i)+") "+l))
			} else {
				lines = append(lines, style.Render(strings.Repeat(" ", indent)+l))
			}
		}
		if i == m.cursor {
			last = len(lines) - 1
		}
	}
	return lines, first, last
}

// measuringBody is an experiment measuring: its baseline, before the
// prediction, or what the action does, after it.
func (m Model) measuringBody(it quiz.Item) []string {
	w := m.textWidth()
	lines := []string{m.topicLine(it), ""}
	lines = append(lines, styleLines(m.styles.Prompt, wrap(it.Prompt(), w))...)
	lines = append(lines, "")
	if m.trial == nil {
		return append(lines, styleLines(m.styles.Dim, wrap("Measuring the live system's steady baseline; your question comes with it…", w))...)
	}
	pred := "Your prediction: " + quiz.Number(m.predicted) + unit(m.trial.Unit)
	lines = append(lines, styleLines(m.styles.Option, wrap(pred, w))...)
	return append(lines, "", m.styles.Dim.Render("Running the experiment; the measurements will tell…"))
}

// unit is a number's unit as it follows the number: " reads/s", " %".
func unit(u string) string {
	if u == "" {
		return ""
	}
	return " " + u
}

// feedbackBody is the verdict on an answer and the explanation of every
// option, the right one and the chosen one marked with a symbol and a word.
func (m Model) feedbackBody(a quiz.Answer) []string {
	if a.Item.Numeric() {
		return m.numericFeedbackBody(a)
	}
	w := m.textWidth()
	var lines []string
	if a.Right() {
		lines = append(lines, m.styles.Correct.Render("✓ Correct"))
	} else {
		verdict := fmt.Sprintf("✗ Not quite: the answer is %s", quiz.Letter(a.Correct))
		lines = append(lines, styleLines(m.styles.Wrong, wrap(verdict, w))...)
	}
	lines = append(lines, m.aheadNote(a)...)
	lines = append(lines, "")
	lines = append(lines, styleLines(m.styles.Prompt, wrap(a.Item.Question.Prompt, w))...)
	for i, o := range a.Item.Options() {
		mark, tag, style := "  ", "", m.styles.Option
		switch {
		case i == a.Correct && i == a.Chosen:
			mark, tag, style = "✓ ", "  (your answer, correct)", m.styles.Correct
		case i == a.Correct:
			mark, tag, style = "✓ ", "  (correct answer)", m.styles.Correct
		case i == a.Chosen:
			mark, tag, style = "✗ ", "  (your answer)", m.styles.Wrong
		}
		lines = append(lines, "")
		text := wrap(o.Text, w-indent)
		if tag != "" {
			// The tag goes after the text when it fits, else on a line of
			// its own: never split.
			if end := len(text) - 1; ansi.StringWidth(text[end]+tag) <= w-indent {
				text[end] += tag
			} else {
				text = append(text, strings.TrimSpace(tag))
			}
		}
		for j, l := range text {
			if j == 0 {
				lines = append(lines, style.Render(mark+quiz.Letter(i)+") "+l))
			} else {
				lines = append(lines, style.Render(strings.Repeat(" ", indent)+l))
			}
		}
		for _, l := range wrap(o.Explanation, w-indent) {
			lines = append(lines, strings.Repeat(" ", indent)+m.styles.Explanation.Render(l))
		}
	}
	return lines
}

// numericFeedbackBody is the verdict on a typed number, the accepted range
// and the worked method; for a prediction, the measured number, what was
// measured, and why it came out so.
func (m Model) numericFeedbackBody(a quiz.Answer) []string {
	w := m.textWidth()
	p := a.Item.Problem
	answer, typed := "the answer is ", "you typed "
	if p.Measured {
		answer, typed = "measured ", "you predicted "
	}
	var lines []string
	if a.Right() {
		lines = append(lines, styleLines(m.styles.Correct, wrap("✓ Correct: "+strings.TrimPrefix(answer, "the answer is ")+p.Shown(), w))...)
	} else {
		lines = append(lines, styleLines(m.styles.Wrong, wrap("✗ Not quite: "+answer+p.Shown(), w))...)
	}
	typed += quiz.Number(a.Value)
	if r := p.Range(); r != "" {
		typed += " · accepted: " + r
	}
	lines = append(lines, styleLines(m.styles.Dim, wrap(typed, w))...)
	if a.Evidence != "" {
		lines = append(lines, styleLines(m.styles.Evidence, wrap("Measured: "+a.Evidence, w))...)
	}
	lines = append(lines, m.aheadNote(a)...)
	lines = append(lines, "")
	lines = append(lines, styleLines(m.styles.Prompt, wrap(p.Prompt, w))...)
	lines = append(lines, "", m.styles.Heading.Render(p.MethodTitle()))
	for _, step := range p.Method {
		for _, l := range wrap(step, w-2) {
			lines = append(lines, "  "+m.styles.Explanation.Render(l))
		}
	}
	return lines
}

// aheadNote says, under a right answer to a question that was not due, that
// it does not move the question up.
func (m Model) aheadNote(a quiz.Answer) []string {
	if !a.Right() || !a.Item.Ahead() {
		return nil
	}
	return styleLines(m.styles.Dim, wrap("Not due for review yet: counted, but it does not move up.", m.textWidth()))
}

// wrap breaks s into lines of at most width cells, at spaces where it can.
func wrap(s string, width int) []string {
	return strings.Split(ansi.Wrap(s, max(width, 1), ""), "\n")
}

func styleLines(st lipgloss.Style, lines []string) []string {
	for i, l := range lines {
		lines[i] = st.Render(l)
	}
	return lines
}
