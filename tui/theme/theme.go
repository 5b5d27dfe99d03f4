// Package theme holds the dashboard's colours and styles in one place: a
// Palette per theme (default, high contrast for projectors) and the Styles
// built from it once. Colour never carries meaning alone: every state and
// outcome also has a symbol and a word.
package theme

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Palette is a theme's colours.
type Palette struct {
	Name                                 string
	Text, Muted, Accent, Border, Panel   lipgloss.TerminalColor
	Up, Degraded, Open, Down             lipgloss.TerminalColor
	Hit, Miss, Fallback, Error, Async    lipgloss.TerminalColor
	Banner, BannerText, Selected, Cursor lipgloss.TerminalColor
	Bold                                 bool // draw figures and names bold
}

// Default is the theme for a terminal: colours that adapt to light and dark
// backgrounds.
var Default = Palette{
	Name:       "default",
	Text:       lipgloss.AdaptiveColor{Light: "#1F1F1F", Dark: "#E4E4E4"},
	Muted:      lipgloss.AdaptiveColor{Light: "#6B6B6B", Dark: "#8A8A8A"},
	Accent:     lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#B4A0FF"},
	Border:     lipgloss.AdaptiveColor{Light: "#9A9A9A", Dark: "#5C5C66"},
	Panel:      lipgloss.AdaptiveColor{Light: "#3C3C3C", Dark: "#B8B8C0"},
	Up:         lipgloss.AdaptiveColor{Light: "#1A7F37", Dark: "#5FD787"},
	Degraded:   lipgloss.AdaptiveColor{Light: "#9A6700", Dark: "#F2C94C"},
	Open:       lipgloss.AdaptiveColor{Light: "#A0368F", Dark: "#F08BE0"},
	Down:       lipgloss.AdaptiveColor{Light: "#C4262E", Dark: "#FF6B6B"},
	Hit:        lipgloss.AdaptiveColor{Light: "#1A7F37", Dark: "#5FD787"},
	Miss:       lipgloss.AdaptiveColor{Light: "#9A6700", Dark: "#F2C94C"},
	Fallback:   lipgloss.AdaptiveColor{Light: "#C25E00", Dark: "#FF9F43"},
	Error:      lipgloss.AdaptiveColor{Light: "#C4262E", Dark: "#FF6B6B"},
	Async:      lipgloss.AdaptiveColor{Light: "#0B63C4", Dark: "#6CB6FF"},
	Banner:     lipgloss.AdaptiveColor{Light: "#C4262E", Dark: "#8B1E24"},
	BannerText: lipgloss.AdaptiveColor{Light: "#FFFFFF", Dark: "#FFFFFF"},
	Selected:   lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#B4A0FF"},
	Cursor:     lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#B4A0FF"},
}

// HighContrast is the theme for projectors and low vision: the terminal's
// own foreground for text, bright basic colours, bold everywhere.
var HighContrast = Palette{
	Name:       "high contrast",
	Text:       lipgloss.NoColor{},
	Muted:      lipgloss.NoColor{},
	Accent:     lipgloss.Color("14"),
	Border:     lipgloss.NoColor{},
	Panel:      lipgloss.NoColor{},
	Up:         lipgloss.Color("10"),
	Degraded:   lipgloss.Color("11"),
	Open:       lipgloss.Color("13"),
	Down:       lipgloss.Color("9"),
	Hit:        lipgloss.Color("10"),
	Miss:       lipgloss.Color("11"),
	Fallback:   lipgloss.Color("13"),
	Error:      lipgloss.Color("9"),
	Async:      lipgloss.Color("14"),
	Banner:     lipgloss.Color("9"),
	BannerText: lipgloss.Color("0"),
	Selected:   lipgloss.Color("14"),
	Cursor:     lipgloss.Color("14"),
	Bold:       true,
}

// Palettes lists the themes in the order a user cycles through them.
var Palettes = []Palette{Default, HighContrast}

// Styles is every style the dashboard draws with, built once per palette
// and renderer: over SSH every session has its own renderer (its client's
// colour profile and background), so no style is ever shared between
// sessions or kept at package level.
type Styles struct {
	Palette Palette
	// Renderer is what every style here renders with.
	Renderer *lipgloss.Renderer

	Plain lipgloss.Style // no colour: for layout (width, wrapping)

	Text, Muted, Accent, Bold lipgloss.Style
	Header, HeaderDim         lipgloss.Style
	Border, BorderSelected    lipgloss.Style
	Name                      lipgloss.Style // a component's name

	// States: UP, DEGRADED, OPEN, DOWN.
	Up, Degraded, Open, Down lipgloss.Style
	// Packet outcomes.
	Hit, Miss, Fallback, Error, Async lipgloss.Style

	Banner, BannerBody lipgloss.Style
	PanelTitle         lipgloss.Style
	Highlight          lipgloss.Style // the current hop in the card's list
	Bar                lipgloss.Style // waterfall bars

	Help help.Styles
}

// New builds the styles of a palette for renderer r: the session's own
// over SSH, lipgloss.DefaultRenderer() for the local terminal (nil means
// that one).
func New(p Palette, r *lipgloss.Renderer) Styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	p = p.resolved(r)
	s := func() lipgloss.Style { return r.NewStyle().Bold(p.Bold) }
	fg := func(c lipgloss.TerminalColor) lipgloss.Style { return s().Foreground(c) }
	h := help.Styles{
		Ellipsis:       fg(p.Muted),
		ShortKey:       r.NewStyle().Bold(true).Foreground(p.Accent),
		ShortDesc:      fg(p.Muted),
		ShortSeparator: fg(p.Muted),
		FullDesc:       fg(p.Text),
		FullSeparator:  fg(p.Muted),
	}
	h.FullKey = h.ShortKey
	return Styles{
		Palette:        p,
		Renderer:       r,
		Plain:          r.NewStyle(),
		Text:           fg(p.Text),
		Muted:          fg(p.Muted),
		Accent:         fg(p.Accent),
		Bold:           fg(p.Text).Bold(true),
		Header:         fg(p.Accent).Bold(true),
		HeaderDim:      fg(p.Muted),
		Border:         fg(p.Border),
		BorderSelected: fg(p.Selected).Bold(true),
		Name:           fg(p.Text).Bold(true),
		Up:             fg(p.Up),
		Degraded:       fg(p.Degraded).Bold(true),
		Open:           fg(p.Open).Bold(true),
		Down:           fg(p.Down).Bold(true),
		Hit:            fg(p.Hit).Bold(true),
		Miss:           fg(p.Miss).Bold(true),
		Fallback:       fg(p.Fallback).Bold(true),
		Error:          fg(p.Error).Bold(true),
		Async:          fg(p.Async).Bold(true),
		Banner:         r.NewStyle().Bold(true).Foreground(p.BannerText).Background(p.Banner),
		BannerBody:     fg(p.Text),
		PanelTitle:     fg(p.Accent).Bold(true),
		Highlight:      r.NewStyle().Bold(true).Reverse(true),
		Bar:            fg(p.Accent),
		Help:           h,
	}
}

// resolved is p with every colour as renderer r draws it: adaptive colours
// picked for its background, hex colours already matched to its colour
// profile. lipgloss matches a hex colour to a 256-colour terminal on every
// Render (a search through the palette in a perceptual colour space), which
// is most of a frame's cost; matched once here, a Render only writes the
// number.
func (p Palette) resolved(r *lipgloss.Renderer) Palette {
	for _, c := range []*lipgloss.TerminalColor{&p.Text, &p.Muted, &p.Accent, &p.Border, &p.Panel,
		&p.Up, &p.Degraded, &p.Open, &p.Down, &p.Hit, &p.Miss, &p.Fallback, &p.Error, &p.Async,
		&p.Banner, &p.BannerText, &p.Selected, &p.Cursor} {
		*c = Resolve(r, *c)
	}
	return p
}

// Resolve is colour c as renderer r draws it (see Palette.resolved).
func Resolve(r *lipgloss.Renderer, c lipgloss.TerminalColor) lipgloss.TerminalColor {
	switch v := c.(type) {
	case lipgloss.AdaptiveColor:
		if r.HasDarkBackground() {
			return Resolve(r, lipgloss.Color(v.Dark))
		}
		return Resolve(r, lipgloss.Color(v.Light))
	case lipgloss.Color:
		switch tc := r.ColorProfile().Color(string(v)).(type) {
		case termenv.ANSIColor:
			return lipgloss.Color(strconv.Itoa(int(tc)))
		case termenv.ANSI256Color:
			return lipgloss.Color(strconv.Itoa(int(tc)))
		case termenv.RGBColor:
			return lipgloss.Color(string(tc))
		default:
			return lipgloss.NoColor{}
		}
	}
	return c
}

// Ink is a style rendered once into the escape codes around a piece of
// text, so that hot loops (a canvas drawn every frame) can paint without
// calling lipgloss per cell.
type Ink struct{ Pre, Post string }

// InkOf renders st once around a marker and keeps what comes before and
// after it.
func InkOf(st lipgloss.Style) Ink {
	const marker = "\x00"
	out := st.Render(marker)
	pre, post, ok := strings.Cut(out, marker)
	if !ok {
		return Ink{}
	}
	return Ink{Pre: pre, Post: post}
}
