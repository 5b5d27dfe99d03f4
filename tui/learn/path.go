package learn

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/challenge"
	"github.com/archex/archex/tui"
	"github.com/archex/archex/tui/narrate"
)

// The path screen: every challenge with its state, the one chosen
// described below.

// stateMark is how a state shows: a symbol and a word.
func stateMark(s challenge.State) string {
	switch s {
	case challenge.Done:
		return "✓"
	case challenge.Next:
		return "▶"
	}
	return "·"
}

func (a *App) onPathKey(msg tea.KeyMsg) tea.Cmd {
	k := a.keys
	n := len(a.path.Challenges)
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Up):
		a.cursor = (a.cursor + n - 1) % n
		a.status = ""
	case key.Matches(msg, k.Down):
		a.cursor = (a.cursor + 1) % n
		a.status = ""
	case key.Matches(msg, k.Enter):
		return a.enter(a.cursor)
	}
	return nil
}

// enter opens challenge i, if it is open.
func (a *App) enter(i int) tea.Cmd {
	states := a.store.States(a.path)
	if !states[i].Open() {
		a.status = fmt.Sprintf("challenge %d is locked: pass challenge %d first", i+1, a.nextIndex()+1)
		return nil
	}
	return a.startPlay(a.path.Challenges[i])
}

func (a *App) pathView() string {
	s := a.styles
	w := a.width
	states := a.store.States(a.path)
	done := 0
	for _, st := range states {
		if st == challenge.Done {
			done++
		}
	}
	left := s.Header.Render("archex learn") + s.HeaderDim.Render(fmt.Sprintf(" · %d challenges, easy to hard", len(a.path.Challenges)))
	right := s.Accent.Render(fmt.Sprintf("%d of %d done", done, len(a.path.Challenges)))
	lines := []string{spread(left, right, w), ""}
	titleW := min(w-18, 52)
	for i, c := range a.path.Challenges {
		line := fmt.Sprintf(" %s %2d  %-*s  %s", stateMark(states[i]), c.Number, titleW, cut(c.Title, titleW), states[i])
		switch {
		case i == a.cursor:
			line = s.Highlight.Render(line)
		case states[i] == challenge.Locked:
			line = s.Muted.Render(line)
		default:
			line = s.Text.Render(line)
		}
		lines = append(lines, line)
	}
	lines = append(lines, s.Muted.Render(strings.Repeat("─", w)))
	c := a.path.Challenges[a.cursor]
	foot := []string{a.statusLine(), a.help.View(pathHelp{a.keys})}
	room := a.height - len(lines) - len(foot)
	lines = append(lines, a.preview(c, states[a.cursor], room)...)
	for len(lines) < a.height-len(foot) {
		lines = append(lines, "")
	}
	return strings.Join(append(lines, foot...), "\n")
}

// preview describes challenge c in h lines at most.
func (a *App) preview(c *challenge.Challenge, st challenge.State, h int) []string {
	s := a.styles
	w := a.width - 2
	head := s.Bold.Render(fmt.Sprintf(" %d  %s", c.Number, c.Title))
	tail := []string{
		" " + s.Muted.Render(cut(fmt.Sprintf("levers: %s · budget %s", strings.Join(c.Levers, ", "), challenge.Credits(c.Budget)), w)),
		" " + s.Muted.Render(cut("goal, "+c.Goal.String(), w)),
	}
	story := narrate.Wrap(strings.Join(strings.Fields(c.Story), " "), w)
	if st == challenge.Locked {
		story = []string{"locked: pass the challenges before it first"}
	}
	room := max(h-1-len(tail), 0)
	if len(story) > room {
		story = story[:room]
		if room > 0 {
			story[room-1] = cut(story[room-1], w-1) + "…"
		}
	}
	out := []string{head}
	for _, l := range story {
		out = append(out, " "+s.Text.Render(l))
	}
	return append(out, tail...)
}

func (a *App) statusLine() string {
	if a.status == "" {
		return ""
	}
	return a.styles.Accent.Render(cut(a.status, a.width))
}

// pathHelp is the path screen's keys.
type pathHelp struct{ k keyMap }

func (h pathHelp) ShortHelp() []key.Binding  { return []key.Binding{h.k.Up, h.k.Enter, h.k.Quit} }
func (h pathHelp) FullHelp() [][]key.Binding { return [][]key.Binding{h.ShortHelp()} }

// spread puts left and right on one line of w cells.
func spread(left, right string, w int) string {
	gap := max(w-lipgloss.Width(left)-lipgloss.Width(right), 1)
	return ansi.Truncate(left+strings.Repeat(" ", gap)+right, w, "…")
}

// cut shortens plain text to w cells.
func cut(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, max(w, 1), "…")
}

func (a *App) tooSmall() string {
	return fmt.Sprintf("archex needs a terminal of at least %d×%d; this one is %d×%d.\nEnlarge the window or zoom out, or press ctrl+c to quit.",
		tui.MinWidth, tui.MinHeight, a.width, a.height)
}
