package quizview

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
)

// Styles is every style the quiz draws with, built once. Colour only ever
// repeats what a symbol and a word already say (✓ correct, ✗ your answer),
// so the quiz reads the same without it.
type Styles struct {
	Title  lipgloss.Style // "archex quiz · practice · 3/10"
	Status lipgloss.Style // the progress summary in the header
	Topic  lipgloss.Style // "cache · medium"
	Prompt lipgloss.Style

	Option   lipgloss.Style // an option's text
	Selected lipgloss.Style // the option under the cursor

	Correct     lipgloss.Style // the right option and "✓ Correct"
	Wrong       lipgloss.Style // a wrong choice and "✗ Not quite"
	Explanation lipgloss.Style
	Evidence    lipgloss.Style // what an experiment measured

	Heading lipgloss.Style // section headings on the results
	Score   lipgloss.Style // the big score
	Dim     lipgloss.Style // scroll hints, secondary text
	Error   lipgloss.Style // a failed save

	Help help.Styles
}

// DefaultStyles returns the default theme, with colours that adapt to light
// and dark terminals.
func DefaultStyles() Styles {
	var (
		accent = lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#B4A0FF"}
		muted  = lipgloss.AdaptiveColor{Light: "#6B6B6B", Dark: "#8A8A8A"}
		green  = lipgloss.AdaptiveColor{Light: "#1A7F37", Dark: "#5FD787"}
		red    = lipgloss.AdaptiveColor{Light: "#C4262E", Dark: "#FF6B6B"}
		text   = lipgloss.AdaptiveColor{Light: "#1F1F1F", Dark: "#E6E6E6"}
	)
	h := help.New().Styles
	return Styles{
		Title:       lipgloss.NewStyle().Bold(true).Foreground(accent),
		Status:      lipgloss.NewStyle().Foreground(muted),
		Topic:       lipgloss.NewStyle().Foreground(accent),
		Prompt:      lipgloss.NewStyle().Bold(true).Foreground(text),
		Option:      lipgloss.NewStyle().Foreground(text),
		Selected:    lipgloss.NewStyle().Bold(true).Foreground(accent),
		Correct:     lipgloss.NewStyle().Bold(true).Foreground(green),
		Wrong:       lipgloss.NewStyle().Bold(true).Foreground(red),
		Explanation: lipgloss.NewStyle().Foreground(text),
		Evidence:    lipgloss.NewStyle().Italic(true).Foreground(accent),
		Heading:     lipgloss.NewStyle().Bold(true).Underline(true),
		Score:       lipgloss.NewStyle().Bold(true).Foreground(accent),
		Dim:         lipgloss.NewStyle().Foreground(muted),
		Error:       lipgloss.NewStyle().Foreground(red),
		Help:        h,
	}
}

// HighContrastStyles returns a theme for low vision and washed-out
// projectors: no greys, the terminal's own foreground for text, bright
// colours and reverse video for the cursor.
func HighContrastStyles() Styles {
	var (
		green  = lipgloss.Color("10")
		red    = lipgloss.Color("9")
		yellow = lipgloss.Color("11")
	)
	plain := lipgloss.NewStyle()
	bold := lipgloss.NewStyle().Bold(true)
	return Styles{
		Title:       bold.Underline(true),
		Status:      bold,
		Topic:       bold.Foreground(yellow),
		Prompt:      bold,
		Option:      plain,
		Selected:    bold.Reverse(true),
		Correct:     bold.Foreground(green),
		Wrong:       bold.Foreground(red),
		Explanation: plain,
		Evidence:    bold.Foreground(yellow),
		Heading:     bold.Underline(true),
		Score:       bold.Foreground(yellow),
		Dim:         plain,
		Error:       bold.Foreground(red),
		Help: help.Styles{
			Ellipsis:       plain,
			ShortKey:       bold,
			ShortDesc:      plain,
			ShortSeparator: plain,
			FullKey:        bold,
			FullDesc:       plain,
			FullSeparator:  plain,
		},
	}
}
