package theme

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Styles render with the renderer they were built for: two sessions with
// different terminals get their own colours, and neither is the process's.
func TestStylesFollowTheirRenderer(t *testing.T) {
	colour := lipgloss.NewRenderer(io.Discard)
	colour.SetColorProfile(termenv.ANSI256)
	colour.SetHasDarkBackground(true)
	plain := lipgloss.NewRenderer(io.Discard)
	plain.SetColorProfile(termenv.Ascii)

	if out := New(Default, colour).Down.Render("DOWN"); !strings.Contains(out, "\x1b[") {
		t.Errorf("a 256-colour session's DOWN has no colour: %q", out)
	}
	if out := New(Default, plain).Down.Render("DOWN"); strings.Contains(out, "\x1b[3") {
		t.Errorf("a no-colour session's DOWN has a colour: %q", out)
	}

	light := lipgloss.NewRenderer(io.Discard)
	light.SetColorProfile(termenv.ANSI256)
	light.SetHasDarkBackground(false)
	if d, l := New(Default, colour).Text.Render("x"), New(Default, light).Text.Render("x"); d == l {
		t.Errorf("dark and light backgrounds draw text alike: %q", d)
	}
	if s := New(Default, colour); s.Renderer != colour || s.Help.ShortKey.GetForeground() == nil {
		t.Errorf("styles do not carry their renderer or the help's colours")
	}
}

// A palette resolved for a renderer draws exactly as the palette itself.
func TestResolvedColoursDrawTheSame(t *testing.T) {
	for _, profile := range []termenv.Profile{termenv.TrueColor, termenv.ANSI256, termenv.ANSI, termenv.Ascii} {
		for _, dark := range []bool{true, false} {
			r := lipgloss.NewRenderer(io.Discard)
			r.SetColorProfile(profile)
			r.SetHasDarkBackground(dark)
			for _, p := range Palettes {
				q := p.resolved(r)
				for _, c := range [][2]lipgloss.TerminalColor{{p.Text, q.Text}, {p.Down, q.Down}, {p.Banner, q.Banner}, {p.Border, q.Border}} {
					want := r.NewStyle().Foreground(c[0]).Background(c[0]).Render("x")
					if got := r.NewStyle().Foreground(c[1]).Background(c[1]).Render("x"); got != want {
						t.Errorf("%v dark %v %s: %q, want %q", profile, dark, p.Name, got, want)
					}
				}
			}
		}
	}
}
