package screenshot

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// frame is a small screen in colour: a red bold word, a box, a wide
// grapheme, a line on a background.
func frame() string {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	red := r.NewStyle().Foreground(lipgloss.Color("#ff6b6b")).Bold(true)
	banner := r.NewStyle().Background(lipgloss.Color("#8b1e24")).Foreground(lipgloss.Color("#ffffff"))
	box := r.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(lipgloss.Color("#5fd787")).Render("Cache ✖ DOWN")
	return strings.Join([]string{
		"archex · " + red.Render("DOWN") + " & <escaped>",
		box,
		"wide: 日本 ok",
		banner.Render(" ✖ CACHE DOWN "),
	}, "\n")
}

// plain is what a screen of frame shows as text: h rows, without trailing
// spaces.
func plain(frame string, h int) string {
	lines := strings.Split(ansi.Strip(frame), "\n")
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestTextIsTheScreen(t *testing.T) {
	f := frame()
	g := FromFrame(f, 40, 8)
	if g.W != 40 || g.H != 8 {
		t.Fatalf("grid %dx%d", g.W, g.H)
	}
	if got, want := g.Text(), plain(f, 8); got != want {
		t.Errorf("text\n%s\nwant\n%s", got, want)
	}
	// The wide grapheme takes two cells, the second empty.
	row := g.Cells[4]
	if row[6].Text != "日" || row[6].Width != 2 || row[7].Width != 0 {
		t.Errorf("the wide grapheme's cells: %+v %+v", row[6], row[7])
	}
	if c := g.Cells[0][9]; c.Text != "D" || !c.Bold || hex(c.Fg, "") != "#ff6b6b" {
		t.Errorf("the red word's first cell: %+v", c)
	}
}

func TestSVGHasTheColoursAndParses(t *testing.T) {
	svg := FromFrame(frame(), 40, 8).SVG()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	texts := 0
	var all strings.Builder
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "text" {
				texts++
			}
		case xml.CharData:
			all.Write(tok)
		}
	}
	if texts < 5 {
		t.Errorf("%d text elements", texts)
	}
	for _, want := range []string{`fill="#ff6b6b" font-weight="bold">DOWN</text>`, `fill="#8b1e24"`, `fill="#5fd787">╭`, `fill="#ffffff"`} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("the SVG lacks %s", want)
		}
	}
	if !strings.Contains(all.String(), "& <escaped>") || !strings.Contains(all.String(), "日本") {
		t.Errorf("the SVG's text lost characters: %q", all.String())
	}
}

func TestSaveNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "archex-001.txt")
	if err := os.WriteFile(keep, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 2 {
		txt, svg, err := Save(dir, "archex", frame(), 40, 8)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, filepath.Base(txt), filepath.Base(svg))
	}
	if want := "archex-002.txt archex-002.svg archex-003.txt archex-003.svg"; strings.Join(got, " ") != want {
		t.Errorf("saved %v, want %s", got, want)
	}
	if b, _ := os.ReadFile(keep); string(b) != "keep me" {
		t.Errorf("the existing file was overwritten: %q", b)
	}
	if _, _, err := Save(filepath.Join(dir, "missing"), "archex", frame(), 40, 8); err == nil {
		t.Error("saved into a folder that does not exist")
	}
}
