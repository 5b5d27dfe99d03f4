// Package scroll is the scrolling shared by the dashboard's panes: one key
// map (arrows, page keys, home, end) and one way to apply it, so every pane
// scrolls alike.
package scroll

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// KeyMap scrolls a pane.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
}

// DefaultKeyMap scrolls with the arrows, page keys, home and end.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "scroll up")),
		Down:     key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "scroll down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "top")),
		Bottom:   key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "bottom")),
	}
}

// ShortHelp is the scroll keys for the help bubble.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Up, k.Down} }

// FullHelp is every key for the full help.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}}
}

// Pane is what scrolls.
type Pane interface {
	ScrollUp(n int)
	ScrollDown(n int)
	GotoTop()
	GotoBottom()
}

// Handle scrolls p when msg is one of k's keys; page is a page's rows. It
// reports whether it did.
func Handle(k KeyMap, msg tea.Msg, p Pane, page int) bool {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return false
	}
	page = max(page, 1)
	switch {
	case key.Matches(km, k.Up):
		p.ScrollUp(1)
	case key.Matches(km, k.Down):
		p.ScrollDown(1)
	case key.Matches(km, k.PageUp):
		p.ScrollUp(page)
	case key.Matches(km, k.PageDown):
		p.ScrollDown(page)
	case key.Matches(km, k.Top):
		p.GotoTop()
	case key.Matches(km, k.Bottom):
		p.GotoBottom()
	default:
		return false
	}
	return true
}
