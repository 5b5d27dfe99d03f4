package cardpane

import (
	"os"
	"strconv"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
	"github.com/archex/archex/tui/theme"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

var styles = theme.New(theme.Default, nil)

func pane(c *card.Card, w, h, current int) Model {
	m := New(&styles)
	m.SetSize(w, h)
	m.SetCard(c)
	m.SetCurrent(current)
	return m
}

func TestViewFits(t *testing.T) {
	c := cards.Default()
	for w := 30; w <= 100; w += 7 {
		for h := 1; h <= 40; h += 3 {
			for cur := -1; cur < len(c.Flow); cur++ {
				out := pane(c, w, h, cur).View()
				lines := strings.Split(out, "\n")
				if len(lines) > h {
					t.Fatalf("%dx%d current %d: %d lines", w, h, cur, len(lines))
				}
				for i, l := range lines {
					if lw := lipgloss.Width(l); lw > w {
						t.Fatalf("%dx%d: line %d is %d wide: %q", w, h, i, lw, l)
					}
				}
			}
		}
	}
}

// Step mode walks the flow: the current hop is always on screen, wholly.
func TestCurrentHopStaysInView(t *testing.T) {
	c := cards.Default()
	for _, size := range [][2]int{{34, 15}, {34, 6}, {30, 4}, {90, 12}} {
		m := pane(c, size[0], size[1], -1)
		for i := range c.Flow {
			m.SetCurrent(i)
			out := ansi.Strip(m.View())
			if n := strings.Count(out, "▶"); n != 1 {
				t.Fatalf("%v hop %d: %d markers:\n%s", size, i+1, n, out)
			}
			want := strings.Fields(c.Flow[i].From)[0]
			line := out[strings.Index(out, "▶"):]
			if !strings.Contains(line, strconv.Itoa(i+1)+".") || !strings.Contains(line, want) {
				t.Fatalf("%v hop %d: marked line %q", size, i+1, strings.SplitN(line, "\n", 2)[0])
			}
		}
		m.SetCurrent(-1)
		if strings.Contains(m.View(), "▶") {
			t.Errorf("%v: marker left after SetCurrent(-1)", size)
		}
	}
}

func TestContent(t *testing.T) {
	out := ansi.Strip(pane(cards.Default(), 100, 60, -1).View())
	for _, want := range []string{
		"Why advanced concepts handle production systems",
		"Request flow",
		"   1. User → Load Balancer",
		"  10. ↳ Message Queue → Background Worker (async)",
		"  14. Load Balancer → User",
		"If the Cache fails",
		"Impact: Cache misses increase",
		"Mitigation: System continues working",
		"Design principle",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

func TestScroll(t *testing.T) {
	m := pane(cards.Default(), 34, 10, -1)
	if !strings.Contains(m.View(), "more") {
		t.Fatalf("no hint:\n%s", m.View())
	}
	top := m.View()
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyPgDown})
	if m.View() == top || !strings.Contains(m.View(), "above") {
		t.Errorf("page down did not scroll:\n%s", m.View())
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyEnd})
	if !strings.Contains(ansi.Strip(m.View()), "environments.") {
		t.Errorf("end does not show the principle's end:\n%s", m.View())
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyHome})
	if m.View() != top {
		t.Errorf("home:\n%s", m.View())
	}
	m.ScrollUp(3)
	if m.View() != top {
		t.Error("scrolled above the top")
	}
}

func TestGolden(t *testing.T) {
	url, err := cards.Load("url-shortener.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		c       *card.Card
		w, h    int
		current int
	}{
		{"production_34x15", cards.Default(), 34, 15, -1},
		{"production_34x15_hop10", cards.Default(), 34, 15, 9},
		{"production_90x40", cards.Default(), 90, 40, 3},
		{"url_shortener_60x30", url, 60, 30, -1},
		{"no_card", nil, 34, 5, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			teatest.RequireEqualOutput(t, []byte(pane(tt.c, tt.w, tt.h, tt.current).View()))
		})
	}
}

func BenchmarkView(b *testing.B) {
	m := pane(cards.Default(), 40, 30, 5)
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkStep is one step of step mode: the highlight moves on.
func BenchmarkStep(b *testing.B) {
	m := pane(cards.Default(), 40, 30, 0)
	n := len(cards.Default().Flow)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i = (i + 1) % n
		m.SetCurrent(i)
	}
}
