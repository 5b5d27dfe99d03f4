package screenshot

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"
)

// The SVG's geometry and default colours: a dark terminal, as most
// projector setups are.
const (
	cellW    = 8.4  // px: a 14 px monospace font's advance
	cellH    = 16.4 // a full block (█) fills it: charts have no seams
	fontSize = 14.0
	padding  = 12.0
	defaultF = "#d7d7d7"
	defaultB = "#1b1b22"
	fonts    = `ui-monospace, 'DejaVu Sans Mono', 'Cascadia Mono', Menlo, Consolas, monospace`
)

// style is what a run of cells shares.
type style struct {
	fg, bg                                 string
	bold, faint, italic, underline, strike bool
}

func (c Cell) style() style {
	fg, bg := hex(c.Fg, defaultF), hex(c.Bg, "")
	if c.Reverse {
		fg, bg = orDefault(bg, defaultB), fg
	}
	return style{fg: fg, bg: bg, bold: c.Bold, faint: c.Faint, italic: c.Italic, underline: c.Underline, strike: c.Strike}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// hex is a colour as #rrggbb, or def for the terminal's default (nil).
func hex(c color.Color, def string) string {
	if c == nil {
		return def
	}
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8)
}

// SVG draws the grid: a background, then each row as runs of cells of one
// style, every character placed on its cell so that box drawing lines up
// whatever the font.
func (g *Grid) SVG() []byte {
	var b bytes.Buffer
	w, h := padding*2+cellW*float64(g.W), padding*2+cellH*float64(g.H)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s">`+"\n", num(w), num(h), num(w), num(h))
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="%s"/>`+"\n", defaultB)
	fmt.Fprintf(&b, `<g font-family="%s" font-size="%s" xml:space="preserve">`+"\n", fonts, num(fontSize))
	for y, row := range g.Cells {
		g.row(&b, y, row)
	}
	b.WriteString("</g>\n</svg>\n")
	return b.Bytes()
}

// row writes one row: the backgrounds first, then the text over them.
func (g *Grid) row(b *bytes.Buffer, y int, row []Cell) {
	top := padding + cellH*float64(y)
	base := top + cellH*0.78
	type run struct {
		st    style
		x0    int
		xs    []int
		chars []string
		end   int
	}
	var runs []run
	for x := 0; x < len(row); x++ {
		c := row[x]
		if c.Width == 0 {
			continue
		}
		st := c.style()
		if n := len(runs); n == 0 || runs[n-1].st != st || runs[n-1].end != x {
			runs = append(runs, run{st: st, x0: x})
		}
		r := &runs[len(runs)-1]
		r.xs, r.chars = append(r.xs, x), append(r.chars, c.Text)
		r.end = x + max(c.Width, 1)
	}
	for _, r := range runs {
		if r.st.bg != "" {
			fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`+"\n",
				num(padding+cellW*float64(r.x0)), num(top), num(cellW*float64(r.end-r.x0)), num(cellH), r.st.bg)
		}
	}
	for _, r := range runs {
		if !r.st.underline && !r.st.strike {
			// Spaces at the end of a run draw nothing.
			for len(r.chars) > 0 && r.chars[len(r.chars)-1] == " " {
				r.chars, r.xs = r.chars[:len(r.chars)-1], r.xs[:len(r.xs)-1]
			}
		}
		if len(r.chars) == 0 {
			continue
		}
		xs := make([]string, len(r.xs))
		for i, x := range r.xs {
			xs[i] = num(padding + cellW*float64(x))
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" fill="%s"%s>`, strings.Join(xs, " "), num(base), r.st.fg, r.st.attrs())
		_ = xml.EscapeText(b, []byte(strings.Join(r.chars, "")))
		b.WriteString("</text>\n")
	}
}

func (s style) attrs() string {
	var a strings.Builder
	if s.bold {
		a.WriteString(` font-weight="bold"`)
	}
	if s.italic {
		a.WriteString(` font-style="italic"`)
	}
	if s.faint {
		a.WriteString(` opacity="0.6"`)
	}
	switch {
	case s.underline && s.strike:
		a.WriteString(` text-decoration="underline line-through"`)
	case s.underline:
		a.WriteString(` text-decoration="underline"`)
	case s.strike:
		a.WriteString(` text-decoration="line-through"`)
	}
	return a.String()
}

// num writes a length with at most two decimals.
func num(f float64) string { return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64) }
