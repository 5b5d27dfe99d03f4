package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/archex/archex/tui/quizview"
)

// quizTab is the quiz as a tab of the dashboard. Keys go to it while it is
// shown; every other message reaches it always (its saves and experiments
// report back). It runs in a quizview.App whose experiments run on the
// dashboard's own system: switch back with tab and watch one happen.
type quizTab struct {
	app    quizview.App
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
		return q.update(msg), true
	case quizview.FinishedMsg:
		q.shown = false
		q.result = "quiz: " + msg.Results.Score()
		m.status = q.result
		return nil, true
	case tea.WindowSizeMsg:
		q.app.Model.SetSize(msg.Width, msg.Height-2)
		return nil, false
	case frameMsg, stepMsg, actionMsg:
		return nil, false
	}
	return q.update(msg), false
}

func (q *quizTab) update(msg tea.Msg) tea.Cmd {
	next, cmd := q.app.Update(msg)
	q.app = next.(quizview.App)
	return cmd
}

// quizView is the screen while the quiz tab is shown.
func (m *Model) quizView() string {
	text := "tab: back to the live system (it keeps running) · ctrl+c: quit"
	if keys, words := m.failureHint(); keys != "" {
		text = "tab: back to the live system (it keeps running; " + keys + words + " there) · ctrl+c: quit"
	}
	hint := m.styles.Muted.Render(text)
	return lipgloss.JoinVertical(lipgloss.Left, m.header(), m.quiz.app.View(), truncate(hint, m.width))
}
