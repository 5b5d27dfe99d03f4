package diagram

import (
	"container/heap"
	"sort"
)

// Point is a cell of the canvas.
type Point struct{ X, Y int }

// Rect is a box's cells.
type Rect struct{ X, Y, W, H int }

func (r Rect) contains(p Point) bool {
	return p.X >= r.X && p.X < r.X+r.W && p.Y >= r.Y && p.Y < r.Y+r.H
}

// Style is how much a box shows.
type Style int

// Box styles, smallest first.
const (
	Compact Style = iota // one line, no border
	Double               // two lines, no border
	Slim                 // a border around one line
	Full                 // a border around two lines
	Large                // a border around three lines
)

// Box is a component's rectangle.
type Box struct {
	Node
	Rect
}

// Edge is a link routed on the canvas: Path runs from the cell next to the
// From box to the cell next to the To box, outside every box.
type Edge struct {
	Link
	Path []Point
	// In is the direction the path enters the To box; Out the direction it
	// leaves the From box.
	In, Out int
}

// Layout is a placement fitted to a size.
type Layout struct {
	W, H  int
	Style Style
	Boxes []Box
	Edges []Edge
}

// Box returns a box by component name.
func (l *Layout) Box(name string) (Box, bool) {
	for _, b := range l.Boxes {
		if b.Name == name {
			return b, true
		}
	}
	return Box{}, false
}

// Edge returns the edge between two components, and whether the hop runs
// against the edge's direction.
func (l *Layout) Edge(from, to string) (e Edge, reverse, ok bool) {
	for _, e := range l.Edges {
		switch {
		case e.From == from && e.To == to:
			return e, false, true
		case e.From == to && e.To == from:
			return e, true, true
		}
	}
	return Edge{}, false, false
}

// Sizes of the layout. Boxes grow with the room, up to maxBoxW wide and
// Large tall, and so does the room between them: on a projector the
// diagram fills the screen rather than a corner of it.
const (
	margin    = 2  // columns left and right of the boxes, for routes around
	colGap    = 6  // the fewest columns between two columns of boxes
	maxColGap = 12 // the most
	minBoxW   = 18 // narrower and names no longer fit
	maxBoxW   = 46
)

var heights = map[Style]int{Compact: 1, Double: 2, Slim: 3, Full: 4, Large: 5}

// NewLayout fits a placement into at most w x h cells, choosing the largest
// box style and the widest gaps that fit. ok is false when even compact
// boxes do not fit.
func NewLayout(p Placement, w, h int) (*Layout, bool) {
	cols := max(p.Cols, 1)
	boxW := (w - 2*margin - (cols-1)*colGap) / cols
	if boxW < minBoxW || p.Rows == 0 {
		return nil, false
	}
	boxW = min(boxW, maxBoxW)
	gapW := colGap
	if cols > 1 {
		gapW = min(max((w-2*margin-cols*boxW)/(cols-1), colGap), maxColGap)
	}
	type fit struct {
		style  Style
		gap    int
		margin int // rows above and below the boxes, for routes around
	}
	fits := []fit{{Large, 3, 1}, {Large, 2, 1}, {Large, 1, 1}, {Full, 2, 1}, {Full, 1, 1}, {Slim, 1, 1}, {Double, 1, 1}, {Double, 1, 0}, {Compact, 1, 1}, {Compact, 1, 0}}
	for _, f := range fits {
		bh := heights[f.style]
		need := p.Rows*bh + (p.Rows-1)*f.gap + 2*f.margin
		if need > h {
			continue
		}
		l := &Layout{Style: f.style, W: 2*margin + cols*boxW + (cols-1)*gapW, H: need}
		for _, n := range p.Nodes {
			l.Boxes = append(l.Boxes, Box{Node: n, Rect: Rect{
				X: margin + n.Col*(boxW+gapW), Y: f.margin + n.Row*(bh+f.gap), W: boxW, H: bh,
			}})
		}
		l.route(p.Links)
		return l, true
	}
	return nil, false
}

// route finds a path for every link, the adjacent ones first so that they
// get the straight lines.
func (l *Layout) route(links []Link) {
	type job struct {
		link Link
		dist int
	}
	var jobs []job
	for _, lk := range links {
		a, _ := l.Box(lk.From)
		b, _ := l.Box(lk.To)
		d := abs(a.Row-b.Row) + abs(a.Col-b.Col)
		jobs = append(jobs, job{lk, d})
	}
	sort.SliceStable(jobs, func(i, j int) bool { return jobs[i].dist < jobs[j].dist })
	used := newOccupancy(l.W, l.H)
	routed := map[Link]Edge{}
	for _, j := range jobs {
		a, _ := l.Box(j.link.From)
		b, _ := l.Box(j.link.To)
		e := l.shortest(a.Rect, b.Rect, used)
		e.Link = j.link
		used.add(e.Path)
		routed[j.link] = e
	}
	for _, lk := range links { // keep the flow's order
		l.Edges = append(l.Edges, routed[lk])
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Directions.
const (
	up = iota
	right
	down
	left
)

var steps = [4]Point{{0, -1}, {1, 0}, {0, 1}, {-1, 0}}

// occupancy remembers which cells earlier routes took, and how.
type occupancy struct {
	w, h       int
	horizontal []bool
	vertical   []bool
}

func newOccupancy(w, h int) *occupancy {
	return &occupancy{w: w, h: h, horizontal: make([]bool, w*h), vertical: make([]bool, w*h)}
}

func (o *occupancy) add(path []Point) {
	for i, p := range path {
		var prev, next Point
		if i > 0 {
			prev = path[i-1]
		} else {
			prev = p
		}
		if i < len(path)-1 {
			next = path[i+1]
		} else {
			next = p
		}
		if prev.Y != p.Y || next.Y != p.Y {
			o.vertical[p.Y*o.w+p.X] = true
		}
		if prev.X != p.X || next.X != p.X {
			o.horizontal[p.Y*o.w+p.X] = true
		}
	}
}

// Costs of a route.
const (
	costStep     = 2
	costBend     = 6
	costCross    = 10
	costParallel = 400
	costTouch    = 3 // running right along a box
)

// port is a cell next to a box side, and the direction pointing out of it.
type port struct {
	at  Point
	dir int
	off int // distance from the side's middle
}

func ports(r Rect) []port {
	var out []port
	midX, midY := r.X+r.W/2, r.Y+r.H/2
	for x := r.X + 1; x < r.X+r.W-1; x++ {
		out = append(out, port{Point{x, r.Y - 1}, up, abs(x - midX)}, port{Point{x, r.Y + r.H}, down, abs(x - midX)})
	}
	if r.W <= 2 {
		out = append(out, port{Point{midX, r.Y - 1}, up, 0}, port{Point{midX, r.Y + r.H}, down, 0})
	}
	top, bottom := r.Y+1, r.Y+r.H-2 // not beside a corner
	if r.H < 3 {                    // no border, no corners
		top, bottom = r.Y, r.Y+r.H-1
	}
	for y := top; y <= bottom; y++ {
		out = append(out, port{Point{r.X - 1, y}, left, abs(y - midY)}, port{Point{r.X + r.W, y}, right, abs(y - midY)})
	}
	return out
}

type state struct {
	p   Point
	dir int
}

type item struct {
	s    state
	cost int
	idx  int
}

type queue []*item

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].cost < q[j].cost }
func (q queue) Swap(i, j int)      { q[i], q[j] = q[j], q[i]; q[i].idx = i; q[j].idx = j }
func (q *queue) Push(x any)        { it := x.(*item); it.idx = len(*q); *q = append(*q, it) }
func (q *queue) Pop() any          { old := *q; it := old[len(old)-1]; *q = old[:len(old)-1]; return it }

// shortest finds the cheapest orthogonal route from a port of a to a port of
// b that does not run through any box, preferring few bends, the middle of a
// side, and not running along another route.
func (l *Layout) shortest(a, b Rect, used *occupancy) Edge {
	inBox := func(p Point) bool {
		for _, bx := range l.Boxes {
			if bx.Rect.contains(p) {
				return true
			}
		}
		return false
	}
	inside := func(p Point) bool { return p.X >= 0 && p.Y >= 0 && p.X < l.W && p.Y < l.H }
	taken := func(p Point) bool { i := p.Y*l.W + p.X; return used.vertical[i] || used.horizontal[i] }
	goals := map[state]bool{}
	for _, pt := range ports(b) {
		if inside(pt.at) && !inBox(pt.at) && !taken(pt.at) {
			goals[state{pt.at, (pt.dir + 2) % 4}] = true // arriving into b
		}
	}
	near := func(p Point) bool {
		for _, d := range steps {
			q := Point{p.X + d.X, p.Y + d.Y}
			if inBox(q) && !a.contains(q) && !b.contains(q) {
				return true
			}
		}
		return false
	}
	dist := map[state]int{}
	prev := map[state]state{}
	q := &queue{}
	for _, pt := range ports(a) {
		if !inside(pt.at) || inBox(pt.at) || taken(pt.at) {
			continue
		}
		s := state{pt.at, pt.dir}
		c := pt.off * 2
		if old, ok := dist[s]; !ok || c < old {
			dist[s] = c
			heap.Push(q, &item{s: s, cost: c})
		}
	}
	for q.Len() > 0 {
		it := heap.Pop(q).(*item)
		if it.cost != dist[it.s] {
			continue
		}
		if goals[it.s] {
			path, first := backtrack(it.s, prev)
			return Edge{Path: path, In: it.s.dir, Out: first.dir}
		}
		for d := range 4 {
			if d == (it.s.dir+2)%4 {
				continue // no U-turns
			}
			np := Point{it.s.p.X + steps[d].X, it.s.p.Y + steps[d].Y}
			if !inside(np) || inBox(np) {
				continue
			}
			c := it.cost + costStep
			if d != it.s.dir {
				c += costBend
			}
			i := np.Y*l.W + np.X
			vertical := d == up || d == down
			switch {
			case vertical && used.vertical[i], !vertical && used.horizontal[i]:
				c += costParallel
			case used.vertical[i] || used.horizontal[i]:
				c += costCross
			}
			if near(np) {
				c += costTouch
			}
			ns := state{np, d}
			if old, ok := dist[ns]; !ok || c < old {
				dist[ns] = c
				prev[ns] = it.s
				heap.Push(q, &item{s: ns, cost: c})
			}
		}
	}
	return Edge{}
}

// backtrack walks a route back to its start; it returns the cells in order
// and the first state.
func backtrack(s state, prev map[state]state) ([]Point, state) {
	var rev []Point
	for {
		rev = append(rev, s.p)
		p, ok := prev[s]
		if !ok {
			break
		}
		s = p
	}
	out := make([]Point, len(rev))
	for i := range rev {
		out[i] = rev[len(rev)-1-i]
	}
	return out, s
}
