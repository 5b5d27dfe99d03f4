package tui

import (
	"fmt"
	"strings"

	"github.com/archex/archex/classroom"
	"github.com/archex/archex/tui/narrate"
)

// classBar is the class under the header: for a presenter what students
// type to join, the class code and who is here; for a student the class
// and who drives.
func (m *Model) classBar() string {
	c, st := m.cls, &m.styles
	v := c.view
	drives := "the presenter drives"
	if v.Driver != "" {
		drives = v.Driver + " drives"
	}
	count := plural(v.Students, "student")
	if v.Me.Role != classroom.Presenter {
		line := st.Accent.Render("class") + st.Muted.Render(fmt.Sprintf(" · %s · %s · you are ", count, drives)) + st.Bold.Render(v.Me.Nick)
		if v.Driver == v.Me.Nick && v.CanDrive {
			line = st.Accent.Render("you drive the system") + st.Muted.Render(fmt.Sprintf(" · %s in class · the presenter can take the controls back", count))
		}
		return truncate(line, m.width)
	}
	join := st.Accent.Render("join: ") + st.Bold.Render(c.JoinHint())
	right := st.Muted.Render(fmt.Sprintf("%s · %s", count, drives))
	line1 := join + "  " + right
	names := st.Muted.Render("waiting for students to join…")
	if len(v.Names) > 0 {
		names = m.nameList(v.Names, m.width)
	}
	return truncate(line1, m.width) + "\n" + names
}

// nameList fits nicknames into w cells, "… and 12 more" at the end.
func (m *Model) nameList(names []string, w int) string {
	st := &m.styles
	var b strings.Builder
	used := 0
	for i, n := range names {
		more := ""
		if i < len(names)-1 {
			more = fmt.Sprintf(" … and %d more", len(names)-i-1)
		}
		need := len([]rune(n)) + 1
		if used+need+len([]rune(more)) > w && i < len(names)-1 {
			b.WriteString(st.Muted.Render(fmt.Sprintf("… and %d more", len(names)-i)))
			return b.String()
		}
		b.WriteString(st.Text.Render(n) + " ")
		used += need
	}
	return strings.TrimRight(b.String(), " ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// chooserView is the roster while a presenter picks who gets the controls.
func (m *Model) chooserView(w, h int) string {
	st := &m.styles
	lines := []string{st.PanelTitle.Render("hand the controls to"), st.Muted.Render("↑/↓ choose · enter hands over · esc cancels"), ""}
	names := m.cls.view.Names
	first := max(0, m.cls.chooser-(h-4))
	for i := first; i < len(names); i++ {
		if i == m.cls.chooser {
			lines = append(lines, st.Highlight.Render("▸ "+names[i]))
		} else {
			lines = append(lines, st.Text.Render("  "+names[i]))
		}
	}
	return fitLines(lines, w, h)
}

// summaryView is the class summary over the whole screen.
func (m *Model) summaryView() string {
	st := &m.styles
	var b strings.Builder
	b.WriteString(st.Header.Render("archex · class summary") + "\n\n")
	for _, l := range m.cls.SummaryLines() {
		for _, w := range narrate.Wrap(l, m.width) {
			b.WriteString(st.Text.Render(w) + "\n")
		}
	}
	b.WriteString("\n")
	if m.cls.ending {
		b.WriteString(st.Bold.Render("q again ends the class and closes every session") + st.Muted.Render(" · any other key goes back"))
	} else {
		b.WriteString(st.Muted.Render("any key goes back"))
	}
	return b.String()
}
