package diagram

// Span is a piece of a box's text in one ink.
type Span struct {
	Text string
	Ink  Ink
}

// Content is what one box shows. A compact box shows Title and then Lines[0]
// on one line; a double box Title above Lines[0]; a slim box Lines[0]
// inside its border with Title on the border; a full box Lines[0] and
// Lines[1].
type Content struct {
	Title     string
	TitleInk  Ink
	BorderInk Ink
	Lines     [][]Span
}

// Inks the drawing of edges uses.
type EdgeInks struct {
	Line, Arrow Ink
}

// Draw paints the boxes and the edges of a layout.
func Draw(l *Layout, content func(Box) Content, inks EdgeInks) *Canvas {
	c := NewCanvas(l.W, l.H)
	for _, e := range l.Edges {
		drawEdge(c, e, inks)
	}
	for _, b := range l.Boxes {
		drawBox(c, l.Style, b, content(b))
	}
	return c
}

func drawBox(c *Canvas, st Style, b Box, ct Content) {
	switch st {
	case Compact:
		x := b.X
		x += c.Text(x, b.Y, ct.Title, ct.TitleInk, b.W)
		if len(ct.Lines) > 0 && x < b.X+b.W-1 {
			x++
			drawSpans(c, x, b.Y, ct.Lines[0], b.X+b.W-x)
		}
		return
	case Double:
		c.Text(b.X, b.Y, ct.Title, ct.TitleInk, b.W)
		if len(ct.Lines) > 0 {
			drawSpans(c, b.X+2, b.Y+1, ct.Lines[0], b.W-2)
		}
		return
	}
	r := b.Rect
	for x := r.X + 1; x < r.X+r.W-1; x++ {
		c.Set(x, r.Y, '─', ct.BorderInk)
		c.Set(x, r.Y+r.H-1, '─', ct.BorderInk)
	}
	for y := r.Y + 1; y < r.Y+r.H-1; y++ {
		c.Set(r.X, y, '│', ct.BorderInk)
		c.Set(r.X+r.W-1, y, '│', ct.BorderInk)
		for x := r.X + 1; x < r.X+r.W-1; x++ {
			c.Set(x, y, ' ', 0)
		}
	}
	c.Set(r.X, r.Y, '┌', ct.BorderInk)
	c.Set(r.X+r.W-1, r.Y, '┐', ct.BorderInk)
	c.Set(r.X, r.Y+r.H-1, '└', ct.BorderInk)
	c.Set(r.X+r.W-1, r.Y+r.H-1, '┘', ct.BorderInk)
	// The name sits in the top border: ┌ Cache ─────┐
	n := c.Text(r.X+2, r.Y, " "+ct.Title+" ", ct.TitleInk, r.W-4)
	_ = n
	for i, line := range ct.Lines {
		y := r.Y + 1 + i
		if y >= r.Y+r.H-1 {
			break
		}
		drawSpans(c, r.X+2, y, line, r.W-4)
	}
}

func drawSpans(c *Canvas, x, y int, spans []Span, w int) {
	end := x + w
	for _, s := range spans {
		if x >= end {
			return
		}
		x += c.Text(x, y, s.Text, s.Ink, end-x)
	}
}

// drawEdge paints the line of an edge with arrowheads where it enters a
// box: at its To end, and at its From end too when the flow goes both ways.
func drawEdge(c *Canvas, e Edge, inks EdgeInks) {
	p := e.Path
	if len(p) == 0 {
		return
	}
	for i := range p {
		r := lineRune(p, i)
		if old := c.At(p[i].X, p[i].Y); (old == '│' && r == '─') || (old == '─' && r == '│') {
			r = '┼'
		}
		c.Set(p[i].X, p[i].Y, r, inks.Line)
	}
	last := len(p) - 1
	switch {
	case last == 0 && e.Both:
		c.Set(p[0].X, p[0].Y, twoWay[e.In%2], inks.Arrow)
	default:
		c.Set(p[last].X, p[last].Y, arrows[e.In], inks.Arrow)
		if e.Both {
			c.Set(p[0].X, p[0].Y, arrows[(e.Out+2)%4], inks.Arrow)
		}
	}
}

// arrows point in each direction (up, right, down, left); twoWay are the
// one-cell edges used both ways (vertical, horizontal).
var (
	arrows = [4]rune{'▲', '▶', '▼', '◀'}
	twoWay = [2]rune{'↕', '↔'}
)

// lineRune is the box-drawing character for cell i of a path.
func lineRune(p []Point, i int) rune {
	var in, out Point
	if i > 0 {
		in = Point{p[i].X - p[i-1].X, p[i].Y - p[i-1].Y}
	}
	if i < len(p)-1 {
		out = Point{p[i+1].X - p[i].X, p[i+1].Y - p[i].Y}
	}
	if in == (Point{}) {
		in = out
	}
	if out == (Point{}) {
		out = in
	}
	switch {
	case in.X != 0 && out.X != 0:
		return '─'
	case in.Y != 0 && out.Y != 0:
		return '│'
	}
	// A corner: where the line comes from and where it goes.
	switch {
	case (in.X > 0 && out.Y > 0) || (in.Y < 0 && out.X < 0):
		return '┐'
	case (in.X < 0 && out.Y > 0) || (in.Y < 0 && out.X > 0):
		return '┌'
	case (in.X > 0 && out.Y < 0) || (in.Y > 0 && out.X < 0):
		return '┘'
	default:
		return '└'
	}
}
