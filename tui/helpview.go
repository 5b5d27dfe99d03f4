package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/tui/narrate"
)

// helpGap is the room between two columns of the help.
const helpGap = 3

// helpEntry is one key of the help, wrapped to its column.
type helpEntry struct {
	lines []string
	first bool // the first of its group: a blank line above it, unless at a column's top
}

// helpView is every key that works now, in columns that fit the screen:
// as many as the widest key and its words allow, two at least (longer
// words wrap under themselves), filled column after column. What still
// does not fit pages with pgup and pgdn.
func (m *Model) helpView() string {
	groups := m.helpKeys().FullHelp()
	keyW, descW := 0, 0
	for _, g := range groups {
		for _, b := range g {
			if b.Enabled() {
				keyW, descW = max(keyW, ansi.StringWidth(b.Help().Key)), max(descW, ansi.StringWidth(b.Help().Desc))
			}
		}
	}
	colW := keyW + 1 + descW
	cols := max((m.width+helpGap)/(colW+helpGap), 1)
	if cols < 2 {
		cols, colW = 2, (m.width-helpGap)/2
	}
	entries, total := m.helpEntries(groups, keyW, colW-keyW-1)
	head := 2
	note := ""
	if c := m.cls; c != nil && !c.view.CanDrive {
		note = m.styles.Muted.Render("The keys that kill, slow, heal, switch or send traffic are the presenter's: " +
			"the presenter drives the system, and can hand you the controls.")
		note = m.styles.Plain.Width(m.width).Render(note)
		head += strings.Count(note, "\n") + 2
	}
	// Groups whole when the columns still fit the screen, else evenly.
	columns := flowColumns(entries, cols, total, true)
	if tallest(columns) > m.height-head {
		columns = flowColumns(entries, cols, total, false)
	}
	lines := joinColumns(columns, colW)
	back := "   (any key to go back)"
	if len(lines) > m.height-head {
		back = "   (pgup/pgdn: scroll · any other key: back)"
	}
	title := m.styles.Header.Render("archex · keys") + m.styles.Muted.Render(back)
	body := m.pn.help.page(lines, m.height-head, &m.styles)
	out := title + "\n\n" + strings.Join(body, "\n")
	if note != "" {
		out += "\n\n" + note
	}
	return out
}

// helpEntries are the enabled keys of groups, each wrapped to its column:
// the key in keyW cells, its words in descW. total is their lines, with
// the blank lines between groups.
func (m *Model) helpEntries(groups [][]key.Binding, keyW, descW int) (out []helpEntry, total int) {
	for _, g := range groups {
		first := true
		for _, b := range g {
			if !b.Enabled() {
				continue
			}
			k := b.Help().Key
			pad := strings.Repeat(" ", keyW-ansi.StringWidth(k)+1)
			e := helpEntry{first: first && len(out) > 0}
			for i, d := range narrate.Wrap(b.Help().Desc, max(descW, 8)) {
				if i == 0 {
					e.lines = append(e.lines, m.styles.Help.FullKey.Render(k)+pad+m.styles.Help.FullDesc.Render(d))
				} else {
					e.lines = append(e.lines, strings.Repeat(" ", keyW+1)+m.styles.Help.FullDesc.Render(d))
				}
			}
			out = append(out, e)
			total += len(e.lines)
			if e.first {
				total++
			}
			first = false
		}
	}
	return out, total
}

// flowColumns fills cols columns with the entries in order, each column
// about total/cols lines, an entry never split; with whole, a group of keys
// that would not fit the rest of a column starts the next one.
func flowColumns(entries []helpEntry, cols, total int, whole bool) [][]string {
	per := (total + cols - 1) / cols
	out := make([][]string, 1, cols)
	for i, e := range entries {
		c := &out[len(out)-1]
		need := len(e.lines)
		if e.first && whole {
			need = groupLines(entries[i:])
		}
		if e.first && len(*c) > 0 {
			need++
		}
		if len(*c) > 0 && len(*c)+need > per && len(out) < cols && (e.first || !whole) {
			out = append(out, nil)
			c = &out[len(out)-1]
		}
		if e.first && len(*c) > 0 {
			*c = append(*c, "")
		}
		*c = append(*c, e.lines...)
	}
	return out
}

// groupLines is the lines of the group entries starts with.
func groupLines(entries []helpEntry) int {
	n := 0
	for i, e := range entries {
		if i > 0 && e.first {
			break
		}
		n += len(e.lines)
	}
	return n
}

func tallest(columns [][]string) int {
	n := 0
	for _, c := range columns {
		n = max(n, len(c))
	}
	return n
}

// joinColumns lays columns colW wide side by side, helpGap apart.
func joinColumns(columns [][]string, colW int) []string {
	lines := make([]string, tallest(columns))
	for i := range lines {
		var b strings.Builder
		for j, c := range columns {
			cell := ""
			if i < len(c) {
				cell = c[i]
			}
			b.WriteString(cell)
			if j < len(columns)-1 {
				b.WriteString(strings.Repeat(" ", max(colW-ansi.StringWidth(cell), 0)+helpGap))
			}
		}
		lines[i] = strings.TrimRight(b.String(), " ")
	}
	return lines
}
