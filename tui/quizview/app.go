package quizview

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// App runs a Model as a program of its own (`archex quiz`): it gives the
// model the window's size and quits when the learner quits (FinishedMsg) or
// interrupts (ctrl+c). Embedded in the dashboard, the Model is used without
// it.
type App struct {
	Model Model
	// Interrupted is set when the program ended on ctrl+c.
	Interrupted bool
}

var interruptKey = key.NewBinding(key.WithKeys("ctrl+c"))

// NewApp wraps m.
func NewApp(m Model) App { return App{Model: m} }

// Init implements tea.Model.
func (a App) Init() tea.Cmd { return a.Model.Init() }

// Update implements tea.Model.
func (a App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.Model.SetSize(msg.Width, msg.Height)
		return a, nil
	case FinishedMsg:
		return a, tea.Quit
	case tea.KeyMsg:
		if key.Matches(msg, interruptKey) {
			a.Interrupted = true
			return a, tea.Quit
		}
	}
	var cmd tea.Cmd
	a.Model, cmd = a.Model.Update(msg)
	return a, cmd
}

// View implements tea.Model.
func (a App) View() string { return a.Model.View() }
