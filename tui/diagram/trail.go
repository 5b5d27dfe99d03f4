package diagram

// Trail draws the edge e again in heavy lines, in ink, from its from end
// up to progress (0..1) of its length, reversed when the hop runs against
// the edge's direction: the way the narrated request has come along its
// hop, visible without colour (NO_COLOR) as much as with it.
func Trail(c *Canvas, e Edge, reverse bool, progress float64, ink Ink) {
	p := e.Path
	n := len(p)
	if n == 0 {
		return
	}
	upto := int(min(max(progress, 0), 1)*float64(n-1) + 0.5)
	for k := 0; k <= upto; k++ {
		i := k
		if reverse {
			i = n - 1 - k
		}
		r := heavy(c.At(p[i].X, p[i].Y))
		c.Set(p[i].X, p[i].Y, r, ink)
	}
}

// heavy is the heavy form of a light box-drawing line; arrowheads and
// anything else stay as they are.
func heavy(r rune) rune {
	switch r {
	case '─':
		return '━'
	case '│':
		return '┃'
	case '┌':
		return '┏'
	case '┐':
		return '┓'
	case '└':
		return '┗'
	case '┘':
		return '┛'
	case '┼':
		return '╋'
	}
	return r
}

// InkAt returns the ink of a cell; outside the canvas, 0.
func (c *Canvas) InkAt(x, y int) Ink {
	if x < 0 || y < 0 || x >= c.W || y >= c.H {
		return 0
	}
	return c.inks[y*c.W+x]
}
