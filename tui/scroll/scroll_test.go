package scroll

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

type pane struct{ at int }

func (p *pane) ScrollUp(n int)   { p.at -= n }
func (p *pane) ScrollDown(n int) { p.at += n }
func (p *pane) GotoTop()         { p.at = -1000 }
func (p *pane) GotoBottom()      { p.at = 1000 }

func TestHandle(t *testing.T) {
	cases := []struct {
		msg  tea.Msg
		want int
		ok   bool
	}{
		{tea.KeyMsg{Type: tea.KeyUp}, -1, true},
		{tea.KeyMsg{Type: tea.KeyDown}, 1, true},
		{tea.KeyMsg{Type: tea.KeyPgUp}, -10, true},
		{tea.KeyMsg{Type: tea.KeyPgDown}, 10, true},
		{tea.KeyMsg{Type: tea.KeyHome}, -1000, true},
		{tea.KeyMsg{Type: tea.KeyEnd}, 1000, true},
		{tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")}, 0, false},
		{tea.WindowSizeMsg{}, 0, false},
	}
	for _, tc := range cases {
		p := &pane{}
		if ok := Handle(DefaultKeyMap(), tc.msg, p, 10); ok != tc.ok || p.at != tc.want {
			t.Errorf("%v: handled %v at %d, want %v at %d", tc.msg, ok, p.at, tc.ok, tc.want)
		}
	}
}
