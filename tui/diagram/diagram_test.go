package diagram

import (
	"fmt"
	"strings"
	"testing"

	"github.com/archex/archex/cards"
)

func plainContent(b Box) Content {
	return Content{Title: b.Name, Lines: [][]Span{{{Text: "● UP 200/s"}}, {{Text: "p99 3.1 ms"}}}}
}

func TestShowLayouts(t *testing.T) {
	for _, name := range cards.Names() {
		c, err := cards.Load(name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		p := Place(c)
		for _, size := range [][2]int{{48, 20}, {64, 33}, {70, 44}} {
			l, ok := NewLayout(p, size[0], size[1])
			if !ok {
				t.Logf("%s at %dx%d: does not fit", name, size[0], size[1])
				continue
			}
			out := Draw(l, plainContent, EdgeInks{}, nil).Render(nil)
			t.Logf("%s at %dx%d (style %d):\n%s", name, size[0], size[1], l.Style, out)
		}
	}
	_ = fmt.Sprint
	_ = strings.Join
}
