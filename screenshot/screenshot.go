// Package screenshot keeps a screen: it writes a rendered frame (text with
// ANSI styles, as a Bubble Tea view is) into a virtual terminal of the
// screen's size, reads back the grid of cells, and saves it as plain text
// and as SVG with its colours, under numbered names that never overwrite a
// file.
package screenshot

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/vt"
)

// Cell is one cell of the screen.
type Cell struct {
	Text  string // one grapheme; "" for the second half of a wide one
	Width int    // columns it takes: 1, 2 for a wide grapheme, 0 after one
	// Fg and Bg are nil for the terminal's default colours.
	Fg, Bg                                          color.Color
	Bold, Faint, Italic, Underline, Reverse, Strike bool
}

// Grid is a screen's cells, H rows of W.
type Grid struct {
	W, H  int
	Cells [][]Cell
}

// FromFrame draws frame on a virtual terminal of w×h cells, as a terminal
// would show it, and returns the cells. A newline in the frame starts the
// next row at its first column.
func FromFrame(frame string, w, h int) *Grid {
	em := vt.NewEmulator(w, h)
	stop := Drain(em)
	_, _ = em.WriteString(strings.ReplaceAll(frame, "\n", "\r\n"))
	g := FromEmulator(em)
	stop()
	return g
}

// Drain reads what a virtual terminal answers on its input (to queries a
// frame may hold), so that writing to it never blocks; stop ends it. (It
// ends the input pipe rather than calling Close, which races with Read in
// vt v0.1.0.)
func Drain(em *vt.Emulator) (stop func()) {
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, em)
		close(done)
	}()
	return func() {
		if c, ok := em.InputPipe().(io.Closer); ok {
			c.Close()
		}
		<-done
	}
}

// FromEmulator reads the cells of a virtual terminal's screen.
func FromEmulator(em *vt.Emulator) *Grid {
	g := &Grid{W: em.Width(), H: em.Height()}
	for y := 0; y < g.H; y++ {
		row := make([]Cell, g.W)
		for x := 0; x < g.W; x++ {
			row[x] = cellOf(em.CellAt(x, y))
		}
		g.Cells = append(g.Cells, row)
	}
	return g
}

func cellOf(c *uv.Cell) Cell {
	if c == nil {
		return Cell{Text: " ", Width: 1}
	}
	out := Cell{Text: c.Content, Width: c.Width, Fg: c.Style.Fg, Bg: c.Style.Bg}
	if out.Text == "" && out.Width > 0 {
		out.Text = " "
	}
	a := c.Style.Attrs
	out.Bold, out.Faint, out.Italic = a&uv.AttrBold != 0, a&uv.AttrFaint != 0, a&uv.AttrItalic != 0
	out.Reverse, out.Strike = a&uv.AttrReverse != 0, a&uv.AttrStrikethrough != 0
	out.Underline = c.Style.Underline != uv.UnderlineNone
	return out
}

// Text is the screen as plain text: its rows, each without the spaces at
// its end, one a line.
func (g *Grid) Text() string {
	var b strings.Builder
	for _, row := range g.Cells {
		var line strings.Builder
		for _, c := range row {
			if c.Width > 0 {
				line.WriteString(c.Text)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// Save writes the screen of frame (w×h cells) to dir as NAME.txt and
// NAME.svg, NAME the first of prefix-001, prefix-002 ... for which neither
// file exists: it never overwrites one. It returns the two paths.
func Save(dir, prefix, frame string, w, h int) (txt, svg string, err error) {
	g := FromFrame(frame, w, h)
	return g.Save(dir, prefix)
}

// Save writes the grid to dir (see the function Save).
func (g *Grid) Save(dir, prefix string) (txt, svg string, err error) {
	if dir == "" {
		dir = "."
	}
	for n := 1; n < 10000; n++ {
		base := filepath.Join(dir, fmt.Sprintf("%s-%03d", prefix, n))
		if _, err := os.Lstat(base + ".svg"); err == nil {
			continue
		}
		err := writeNew(base+".txt", []byte(g.Text()))
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", "", err
		}
		if err := writeNew(base+".svg", g.SVG()); err != nil {
			os.Remove(base + ".txt")
			if errors.Is(err, fs.ErrExist) {
				continue
			}
			return "", "", err
		}
		return base + ".txt", base + ".svg", nil
	}
	return "", "", fmt.Errorf("%s: 9,999 screenshots named %s-NNN already: choose another folder", dir, prefix)
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}
