package diagram

// Span is a piece of a box's text in one ink.
type Span struct {
	Text string
	Ink  Ink
}

// Content is what one box shows. A compact box shows Title and then Lines[0]
// on one line; a double box Title above Lines[0]; a slim box Lines[0]
// inside its border with Title on the border; a full box Lines[0] and
// Lines[1], a large one Lines[0] to Lines[2].
type Content struct {
	Title     string
	TitleInk  Ink
	BorderInk Ink
	Border    Border
	Lines     [][]Span
}

// Border is how a box's border is drawn: its lines say what colour says
// too, so that they read without colour (NO_COLOR) and from the back of a
// room.
type Border int

// Borders.
const (
	BorderLight  Border = iota // ┌─┐ an ordinary box
	BorderDouble               // ╔═╗ the box selected
	BorderHeavy                // ┏━┓ a component that is down
)

// borderRunes are each border's top-left, top-right, bottom-left,
// bottom-right, horizontal and vertical runes.
var borderRunes = map[Border][6]rune{
	BorderLight:  {'┌', '┐', '└', '┘', '─', '│'},
	BorderDouble: {'╔', '╗', '╚', '╝', '═', '║'},
	BorderHeavy:  {'┏', '┓', '┗', '┛', '━', '┃'},
}

// Inks the drawing of edges uses: Line and Arrow for a link, Dead for a
// link to a component that is down (drawn dashed, its end at the dead box
// a ╳).
type EdgeInks struct {
	Line, Arrow, Dead Ink
}

// Draw paints the boxes and the edges of a layout; dead reports whether a
// component is down (nil: none is).
func Draw(l *Layout, content func(Box) Content, inks EdgeInks, dead func(name string) bool) *Canvas {
	c := NewCanvas(l.W, l.H)
	if dead == nil {
		dead = func(string) bool { return false }
	}
	for _, e := range l.Edges {
		drawEdge(c, e, inks, dead(e.From), dead(e.To))
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
	br := borderRunes[ct.Border]
	for x := r.X + 1; x < r.X+r.W-1; x++ {
		c.Set(x, r.Y, br[4], ct.BorderInk)
		c.Set(x, r.Y+r.H-1, br[4], ct.BorderInk)
	}
	for y := r.Y + 1; y < r.Y+r.H-1; y++ {
		c.Set(r.X, y, br[5], ct.BorderInk)
		c.Set(r.X+r.W-1, y, br[5], ct.BorderInk)
		for x := r.X + 1; x < r.X+r.W-1; x++ {
			c.Set(x, y, ' ', 0)
		}
	}
	c.Set(r.X, r.Y, br[0], ct.BorderInk)
	c.Set(r.X+r.W-1, r.Y, br[1], ct.BorderInk)
	c.Set(r.X, r.Y+r.H-1, br[2], ct.BorderInk)
	c.Set(r.X+r.W-1, r.Y+r.H-1, br[3], ct.BorderInk)
	// The name sits in the top border: ┌ Cache ─────┐
	c.Text(r.X+2, r.Y, " "+ct.Title+" ", ct.TitleInk, r.W-4)
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
// An edge with a dead end (fromDead, toDead) is dashed in the dead ink, and
// a ╳ marks the end at the dead box.
func drawEdge(c *Canvas, e Edge, inks EdgeInks, fromDead, toDead bool) {
	p := e.Path
	if len(p) == 0 {
		return
	}
	dead := fromDead || toDead
	line, arrow := inks.Line, inks.Arrow
	if dead {
		line, arrow = inks.Dead, inks.Dead
	}
	for i := range p {
		r := lineRune(p, i)
		old := c.At(p[i].X, p[i].Y)
		switch {
		case isVertical(old) && isHorizontal(r), isHorizontal(old) && isVertical(r):
			r = '┼'
		case dead && r == '─':
			r = '┄'
		case dead && r == '│':
			r = '┆'
		}
		c.Set(p[i].X, p[i].Y, r, line)
	}
	last := len(p) - 1
	head := func(i int, r rune, deadEnd bool) {
		if deadEnd {
			r = '╳'
		}
		c.Set(p[i].X, p[i].Y, r, arrow)
	}
	switch {
	case last == 0 && e.Both:
		head(0, twoWay[e.In%2], dead)
	default:
		head(last, arrows[e.In], toDead)
		if e.Both {
			head(0, arrows[(e.Out+2)%4], fromDead)
		}
	}
}

func isVertical(r rune) bool   { return r == '│' || r == '┆' }
func isHorizontal(r rune) bool { return r == '─' || r == '┄' }

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
