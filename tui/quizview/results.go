package quizview

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/quiz"
)

// The results screen: the score, the learner's standing and next review,
// the score per topic and the misses.

// standingLines are the learner's standing and next review.
func (m Model) standingLines() []string {
	if m.standing == nil {
		return nil
	}
	w := m.textWidth()
	lines := []string{m.styles.Heading.Render("Your standing")}
	lines = append(lines, wrap(m.standing.Standing(), w)...)
	lines = append(lines, wrap("next review: "+m.standing.Next(), w)...)
	return lines
}

func (m Model) resultsBody() []string {
	w := m.textWidth()
	if m.session.Len() == 0 {
		lines := styleLines(m.styles.Score, wrap("Nothing to ask now", w))
		if m.setLine != "" {
			lines = append(lines, "")
			lines = append(lines, wrap(m.setLine, w)...)
		}
		if st := m.standingLines(); st != nil {
			lines = append(append(lines, ""), st...)
		}
		return lines
	}
	r := m.session.Results()
	score := fmt.Sprintf("%d of %d right (%d%%)", r.Right, r.Answered, r.Percent())
	lines := []string{m.styles.Score.Render(score)}
	if !r.Finished() {
		lines = append(lines, m.styles.Dim.Render(fmt.Sprintf("answered %d of %d questions", r.Answered, r.Asked)))
	}
	if r.Again > 0 {
		lines = append(lines, wrap(fmt.Sprintf("asked again after a miss: %d of %d right the second time", r.AgainRight, r.Again), w)...)
	}
	if st := m.standingLines(); st != nil {
		lines = append(append(lines, ""), st...)
	}
	if len(r.Topics) > 0 {
		lines = append(lines, "", m.styles.Heading.Render("By topic"))
		tw := 0
		for _, t := range r.Topics {
			tw = max(tw, ansi.StringWidth(t.Topic))
		}
		for _, t := range r.Topics {
			mark := "✓"
			if t.Right < t.Answered {
				mark = "✗"
			}
			lines = append(lines, fmt.Sprintf("%s %-*s  %d/%d", mark, tw, t.Topic, t.Right, t.Answered))
		}
	}
	lines = append(lines, "")
	if len(r.Misses) == 0 {
		if r.Answered > 0 {
			lines = append(lines, m.styles.Correct.Render("✓ No misses"))
		}
		return lines
	}
	lines = append(lines, m.styles.Heading.Render("Misses"))
	for i, a := range r.Misses {
		num := fmt.Sprintf("%d. ", i+1)
		for j, l := range wrap(a.Item.Prompt(), w-len(num)) {
			if j == 0 {
				lines = append(lines, num+l)
			} else {
				lines = append(lines, strings.Repeat(" ", len(num))+l)
			}
		}
		if a.Item.Numeric() {
			lines = append(lines, m.labelLines("✗ you:    ", quiz.Number(a.Value), m.styles.Wrong)...)
			lines = append(lines, m.labelLines("✓ answer: ", a.Item.Problem.Shown(), m.styles.Correct)...)
			continue
		}
		lines = append(lines, m.choiceLines("✗ you:    ", a.Chosen, a, m.styles.Wrong)...)
		lines = append(lines, m.choiceLines("✓ answer: ", a.Correct, a, m.styles.Correct)...)
	}
	return lines
}

// choiceLines is one option of a miss on the results: "✓ answer: C) ...".
func (m Model) choiceLines(label string, shown int, a quiz.Answer, style lipgloss.Style) []string {
	return m.labelLines(label, quiz.Letter(shown)+") "+a.Item.Option(shown).Text, style)
}

// labelLines is a labelled line of a miss on the results, wrapped under its
// label.
func (m Model) labelLines(label, text string, style lipgloss.Style) []string {
	const pad = 3
	head := strings.Repeat(" ", pad) + label
	hw := ansi.StringWidth(head)
	var out []string
	for j, l := range wrap(text, m.textWidth()-hw) {
		if j == 0 {
			out = append(out, style.Render(head+l))
		} else {
			out = append(out, style.Render(strings.Repeat(" ", hw)+l))
		}
	}
	return out
}
