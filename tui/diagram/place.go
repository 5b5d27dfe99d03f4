// Package diagram lays a design card out as boxes on a grid and routes the
// edges of its request flow between them, then draws boxes, edges and
// moving packets onto a character canvas. Layout and routing are pure
// functions of the card and the size, computed once per resize; drawing a
// frame only overlays packets on the cached picture.
package diagram

import "github.com/archex/archex/card"

// Node is one component's place on the grid.
type Node struct {
	Name     string
	Kind     card.Kind
	Row, Col int
}

// Link is an edge of the flow between two components. Both is true when the
// flow goes both ways along it (a call and its reply).
type Link struct {
	From, To string
	Both     bool
}

// Placement is where every component sits, in grid cells.
type Placement struct {
	Nodes      []Node
	Links      []Link
	Rows, Cols int
}

// Place arranges a card like its diagram: the components in a column in the
// order the flow first reaches them, top to bottom, except the ones the
// service calls and that answer it (caches, and any other kind that is not
// a database, a queue or a worker), which sit beside it in its row.
func Place(c *card.Card) Placement {
	var p Placement
	kinds := map[string]card.Kind{}
	for _, comp := range c.Components {
		kinds[comp.Name] = comp.Kind
	}
	order := []string{}
	seen := map[string]bool{}
	visit := func(n string) {
		if !seen[n] {
			seen[n] = true
			order = append(order, n)
		}
	}
	for _, h := range c.Flow {
		visit(h.From)
		visit(h.To)
	}
	for _, comp := range c.Components { // anything the flow never reaches
		visit(comp.Name)
	}
	// A side component is one the service calls first, that is not a
	// store further down the card's column.
	side := map[string]string{} // side component -> the service it sits by
	for _, h := range c.Flow {
		if kinds[h.From] != card.KindService || h.Async {
			continue
		}
		switch kinds[h.To] {
		case card.KindDatabase, card.KindQueue, card.KindWorker, card.KindClient, card.KindLoadBalancer, card.KindAPIGateway, card.KindService:
			continue
		}
		if _, ok := side[h.To]; !ok {
			side[h.To] = h.From
		}
	}
	rowOf := map[string]int{}
	row := 0
	for _, n := range order {
		if _, ok := side[n]; ok {
			continue
		}
		rowOf[n] = row
		p.Nodes = append(p.Nodes, Node{Name: n, Kind: kinds[n], Row: row})
		row++
	}
	p.Rows, p.Cols = row, 1
	// Side components stack down the next column from their service's row
	// while it is free, then take the column after.
	taken := map[[2]int]bool{}
	for _, n := range p.Nodes {
		taken[[2]int{n.Row, n.Col}] = true
	}
	for _, n := range order {
		svc, ok := side[n]
		if !ok {
			continue
		}
		r, col := rowOf[svc], 1
		for taken[[2]int{r, col}] {
			if r+1 < p.Rows && !taken[[2]int{r + 1, col}] && r+1-rowOf[svc] < 3 {
				r++
				continue
			}
			col++
			r = rowOf[svc]
		}
		taken[[2]int{r, col}] = true
		p.Nodes = append(p.Nodes, Node{Name: n, Kind: kinds[n], Row: r, Col: col})
		p.Cols = max(p.Cols, col+1)
	}
	// Links: one per pair of components the flow connects.
	index := map[[2]string]int{}
	for _, h := range c.Flow {
		if i, ok := index[[2]string{h.To, h.From}]; ok {
			p.Links[i].Both = true
			continue
		}
		if _, ok := index[[2]string{h.From, h.To}]; ok {
			continue
		}
		index[[2]string{h.From, h.To}] = len(p.Links)
		p.Links = append(p.Links, Link{From: h.From, To: h.To})
	}
	return p
}

// Node returns a node by name.
func (p Placement) Node(name string) (Node, bool) {
	for _, n := range p.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return Node{}, false
}
