package quizview

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
)

// Styles is every style the quiz draws with, built once per renderer (over
// SSH every session has its own: its client's colour profile and
// background), never at package level. Colour only ever
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

// DefaultStyles returns the default theme for renderer r (nil: the local
// terminal's, lipgloss.DefaultRenderer()), with colours that adapt to light
// and dark terminals.
func DefaultStyles(r *lipgloss.Renderer) Styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	var (
		accent = lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#B4A0FF"}
		muted  = lipgloss.AdaptiveColor{Light: "#6B6B6B", Dark: "#8A8A8A"}
		green  = lipgloss.AdaptiveColor{Light: "#1A7F37", Dark: "#5FD787"}
		red    = lipgloss.AdaptiveColor{Light: "#C4262E", Dark: "#FF6B6B"}
		text   = lipgloss.AdaptiveColor{Light: "#1F1F1F", Dark: "#E6E6E6"}
	)
	st := func() lipgloss.Style { return r.NewStyle() }
	h := help.Styles{
		ShortKey:       st().Foreground(lipgloss.AdaptiveColor{Light: "#909090", Dark: "#626262"}),
		ShortDesc:      st().Foreground(lipgloss.AdaptiveColor{Light: "#B2B2B2", Dark: "#4A4A4A"}),
		ShortSeparator: st().Foreground(lipgloss.AdaptiveColor{Light: "#DDDADA", Dark: "#3C3C3C"}),
	}
	h.Ellipsis, h.FullKey, h.FullDesc, h.FullSeparator = h.ShortSeparator, h.ShortKey, h.ShortDesc, h.ShortSeparator
	return Styles{
		Title:       st().Bold(true).Foreground(accent),
		Status:      st().Foreground(muted),
		Topic:       st().Foreground(accent),
		Prompt:      st().Bold(true).Foreground(text),
		Option:      st().Foreground(text),
		Selected:    st().Bold(true).Foreground(accent),
		Correct:     st().Bold(true).Foreground(green),
		Wrong:       st().Bold(true).Foreground(red),
		Explanation: st().Foreground(text),
		Evidence:    st().Italic(true).Foreground(accent),
		Heading:     st().Bold(true).Underline(true),
		Score:       st().Bold(true).Foreground(accent),
		Dim:         st().Foreground(muted),
		Error:       st().Foreground(red),
		Help:        h,
	}
}

// HighContrastStyles returns a theme for low vision and washed-out
// projectors, for renderer r (nil: the local terminal's): no greys, the
// terminal's own foreground for text, bright colours and reverse video for
// the cursor.
func HighContrastStyles(r *lipgloss.Renderer) Styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	var (
		green  = lipgloss.Color("10")
		red    = lipgloss.Color("9")
		yellow = lipgloss.Color("11")
	)
	plain := r.NewStyle()
	bold := r.NewStyle().Bold(true)
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
