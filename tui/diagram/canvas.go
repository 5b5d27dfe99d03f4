package diagram

import (
	"strings"
	"unicode/utf8"

	"github.com/archex/archex/tui/theme"
)

// Ink picks one of the caller's inks for a cell; 0 is plain text.
type Ink uint8

// Canvas is a grid of characters, each with an ink.
type Canvas struct {
	W, H  int
	runes []rune
	inks  []Ink
}

// NewCanvas returns a blank canvas.
func NewCanvas(w, h int) *Canvas {
	c := &Canvas{W: w, H: h, runes: make([]rune, w*h), inks: make([]Ink, w*h)}
	for i := range c.runes {
		c.runes[i] = ' '
	}
	return c
}

// Set puts one character; outside the canvas it does nothing.
func (c *Canvas) Set(x, y int, r rune, ink Ink) {
	if x < 0 || y < 0 || x >= c.W || y >= c.H {
		return
	}
	c.runes[y*c.W+x] = r
	c.inks[y*c.W+x] = ink
}

// At returns the character at a cell.
func (c *Canvas) At(x, y int) rune {
	if x < 0 || y < 0 || x >= c.W || y >= c.H {
		return 0
	}
	return c.runes[y*c.W+x]
}

// Text writes s from (x, y), cut to at most w cells (with an ellipsis when
// cut). It returns the cells written.
func (c *Canvas) Text(x, y int, s string, ink Ink, w int) int {
	n := utf8.RuneCountInString(s)
	if n > w {
		if w <= 0 {
			return 0
		}
		rs := []rune(s)
		s = string(rs[:w-1]) + "…"
	}
	i := 0
	for _, r := range s {
		c.Set(x+i, y, r, ink)
		i++
	}
	return i
}

// BlankRow reports whether row y holds nothing but spaces.
func (c *Canvas) BlankRow(y int) bool {
	if y < 0 || y >= c.H {
		return false
	}
	for _, r := range c.runes[y*c.W : (y+1)*c.W] {
		if r != ' ' {
			return false
		}
	}
	return true
}

// CopyFrom makes c a copy of src, which must have c's size.
func (c *Canvas) CopyFrom(src *Canvas) {
	copy(c.runes, src.runes)
	copy(c.inks, src.inks)
}

// Render turns the canvas into lines, painting runs of one ink with its
// escape codes.
func (c *Canvas) Render(inks []theme.Ink) string {
	var b strings.Builder
	b.Grow(c.W * c.H * 2)
	for y := 0; y < c.H; y++ {
		if y > 0 {
			b.WriteByte('\n')
		}
		row := c.runes[y*c.W : (y+1)*c.W]
		rowInks := c.inks[y*c.W : (y+1)*c.W]
		// Trailing blanks carry no paint.
		end := len(row)
		for end > 0 && row[end-1] == ' ' {
			end--
		}
		for x := 0; x < end; {
			ink := rowInks[x]
			j := x
			for j < end && rowInks[j] == ink {
				j++
			}
			var in theme.Ink
			if int(ink) < len(inks) {
				in = inks[ink]
			}
			b.WriteString(in.Pre)
			for _, r := range row[x:j] {
				b.WriteRune(r)
			}
			b.WriteString(in.Post)
			x = j
		}
		for pad := end; pad < c.W; pad++ {
			b.WriteByte(' ')
		}
	}
	return b.String()
}
