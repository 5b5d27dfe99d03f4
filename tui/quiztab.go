package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/archex/archex/tui/quizview"
)

// quizTab is the quiz as a tab of the dashboard. Keys go to it while it is
// shown; every other message reaches it always (its saves report back).
type quizTab struct {
	model  quizview.Model
	shown  bool
	result string
}

// updateQuiz routes a message to the quiz tab. handled is false when the
// dashboard should handle the message itself.
func (m *Model) updateQuiz(msg tea.Msg) (cmd tea.Cmd, handled bool) {
	q := m.quiz
	if q == nil {
		return nil, false
	}
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if key.Matches(msg, m.keys.Tab) {
			q.shown = !q.shown
			m.base = nil
			return nil, true
		}
		if !q.shown {
			return nil, false
		}
		if msg.Type == tea.KeyCtrlC {
			return tea.Quit, true
		}
		q.model, cmd = q.model.Update(msg)
		return cmd, true
	case quizview.FinishedMsg:
		q.shown = false
		q.result = "quiz: " + msg.Results.Score()
		m.status = q.result
		return nil, true
	case tea.WindowSizeMsg:
		q.model.SetSize(msg.Width, msg.Height-2)
		return nil, false
	case frameMsg, stepMsg, actionMsg:
		return nil, false
	}
	q.model, cmd = q.model.Update(msg)
	return cmd, false
}

// quizView is the screen while the quiz tab is shown.
func (m *Model) quizView() string {
	hint := m.styles.Muted.Render("tab: back to the live system (it keeps running) · ctrl+c: quit")
	return lipgloss.JoinVertical(lipgloss.Left, m.header(), m.quiz.model.View(), truncate(hint, m.width))
}
