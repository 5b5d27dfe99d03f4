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
