// Package eventlog is the dashboard's event log: faults, recoveries and
// the requests step mode told, one entry each in time order, newest at the
// bottom, stamped with the system's elapsed time as the header shows it. A
// told request is one entry (an entry of a group already logged replaces
// it), so that narration never crowds out what the system did. It
// follows the tail until the user scrolls up, and keeps a bounded number of
// entries.
//
// Each entry is wrapped and styled once, when it is added (or when the size
// changes); View only picks the visible lines.
package eventlog

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/engine"
	"github.com/archex/archex/tui/narrate"
	"github.com/archex/archex/tui/scroll"
	"github.com/archex/archex/tui/theme"
)

// Entry is one line of the log.
type Entry struct {
	At        time.Time
	Component string // who it is about; may be empty
	Text      string
	Level     engine.Level
	// Group, when set, makes the entry the one of its group: a later
	// entry of the same group replaces it where it stands (a narrated
	// request, hop after hop).
	Group string
}

// FromNotice is the entry for an engine notice.
func FromNotice(n engine.Notice) Entry {
	return Entry{At: n.At, Component: n.Component, Text: n.Text, Level: n.Level}
}

// DefaultMax is how many entries a log keeps unless told otherwise.
const DefaultMax = 500

// maxLinesPerEntry bounds how tall one long entry grows when wrapped.
const maxLinesPerEntry = 6

// KeyMap scrolls the pane.
type KeyMap = scroll.KeyMap

// DefaultKeyMap scrolls with the arrows, page keys, home and end.
func DefaultKeyMap() KeyMap { return scroll.DefaultKeyMap() }

// Model is the event log.
type Model struct {
	KeyMap KeyMap

	st   *theme.Styles
	w, h int
	max  int
	// start is the system's start: entries are stamped with the time
	// since (zero: the first entry's time).
	start time.Time

	entries []Entry
	lines   []string // every entry's lines, oldest first
	counts  []int    // how many lines each entry has
	follow  bool     // show the tail
	top     int      // first line shown when not following
}

// New returns an empty log that keeps up to max entries (0: DefaultMax),
// drawn with st.
func New(st *theme.Styles, max int) Model {
	if max <= 0 {
		max = DefaultMax
	}
	return Model{KeyMap: DefaultKeyMap(), st: st, max: max, follow: true}
}

// SetStart sets the moment stamps count from: the system's start, so that
// the log's times are the header's.
func (m *Model) SetStart(t time.Time) {
	if !t.Equal(m.start) {
		m.start = t
		m.redraw()
	}
}

// SetStyles changes the theme.
func (m *Model) SetStyles(st *theme.Styles) { m.st = st; m.redraw() }

// SetSize sets the log's size in cells. Entries are wrapped again for a new
// width.
func (m *Model) SetSize(w, h int) {
	if w == m.w && h == m.h {
		return
	}
	rewrap := w != m.w
	m.w, m.h = w, h
	if rewrap {
		// Keep the entry at the top of a scrolled log at the top.
		first, line := 0, 0
		for first < len(m.counts) && line+m.counts[first] <= m.top {
			line += m.counts[first]
			first++
		}
		m.redraw()
		m.top = 0
		for _, n := range m.counts[:first] {
			m.top += n
		}
	}
	m.clamp()
}

// Entries are the entries kept, oldest first.
func (m Model) Entries() []Entry { return append([]Entry(nil), m.entries...) }

// Add puts entries in their place in time (an entry older than the last
// goes before it), an entry of a group already logged in place of that
// one, and drops the oldest beyond the log's bound. A user who scrolled up
// keeps looking at the same lines.
func (m *Model) Add(entries ...Entry) {
	for _, e := range entries {
		if e.Group != "" {
			if i := m.group(e.Group); i >= 0 {
				e.At = m.entries[i].At // the request's place in time
				m.splice(i, 1, e)
				continue
			}
		}
		i := len(m.entries)
		for i > 0 && m.entries[i-1].At.After(e.At) {
			i--
		}
		m.splice(i, 0, e)
	}
	if over := len(m.entries) - m.max; over > 0 {
		dropped := 0
		for _, n := range m.counts[:over] {
			dropped += n
		}
		m.entries, m.counts, m.lines = m.entries[over:], m.counts[over:], m.lines[dropped:]
		m.top -= dropped
	}
	m.clamp()
}

// groupSearch is how far back Add looks for an entry's group.
const groupSearch = 64

// group is the index of the latest entry of group g, or -1.
func (m *Model) group(g string) int {
	for i := len(m.entries) - 1; i >= 0 && i >= len(m.entries)-groupSearch; i-- {
		if m.entries[i].Group == g {
			return i
		}
	}
	return -1
}

// splice replaces n entries from i with e, and their lines with e's.
func (m *Model) splice(i, n int, e Entry) {
	at := 0
	for _, c := range m.counts[:i] {
		at += c
	}
	old := 0
	for _, c := range m.counts[i : i+n] {
		old += c
	}
	lines := m.render(e)
	m.entries = append(m.entries[:i], append([]Entry{e}, m.entries[i+n:]...)...)
	m.counts = append(m.counts[:i], append([]int{len(lines)}, m.counts[i+n:]...)...)
	m.lines = append(m.lines[:at], append(lines, m.lines[at+old:]...)...)
	if !m.follow && at < m.top {
		m.top += len(lines) - old
	}
}

// Len is how many entries the log holds.
func (m Model) Len() int { return len(m.entries) }

// Following reports whether the log shows its newest lines.
func (m Model) Following() bool { return m.follow }

// ScrollUp moves n lines towards the oldest entry and stops following.
func (m *Model) ScrollUp(n int) {
	if len(m.lines) <= m.h {
		return
	}
	if m.follow {
		m.follow, m.top = false, len(m.lines)-m.rows()
	}
	m.top -= n
	m.clamp()
}

// ScrollDown moves n lines towards the newest; reaching them follows again.
func (m *Model) ScrollDown(n int) {
	if m.follow {
		return
	}
	m.top += n
	m.clamp()
}

// GotoTop shows the oldest entries.
func (m *Model) GotoTop() {
	if len(m.lines) > m.h {
		m.follow, m.top = false, 0
	}
}

// GotoBottom shows the newest entries and follows them.
func (m *Model) GotoBottom() { m.follow = true }

// rows is how many log lines show when not following: one line goes to
// the hint that there is more below, when there are two lines or more.
func (m Model) rows() int {
	if m.h < 2 {
		return max(m.h, 1)
	}
	return m.h - 1
}

func (m *Model) clamp() {
	if m.follow {
		return
	}
	if m.top >= len(m.lines)-m.rows() {
		m.follow = true
		return
	}
	m.top = max(m.top, 0)
}

// Update scrolls on the keys of the KeyMap and ignores everything else.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	scroll.Handle(m.KeyMap, msg, &m, m.rows()-1)
	return m, nil
}

// View returns the log, at most w cells wide and h lines tall.
func (m Model) View() string {
	if m.st == nil || m.w <= 0 || m.h <= 0 {
		return ""
	}
	if len(m.lines) == 0 {
		return m.st.Muted.Render(ansi.Truncate("Nothing has happened yet.", m.w, "…"))
	}
	if m.follow {
		return strings.Join(m.lines[max(len(m.lines)-m.h, 0):], "\n")
	}
	end := min(m.top+m.rows(), len(m.lines))
	shown := strings.Join(m.lines[m.top:end], "\n")
	if m.h < 2 {
		return shown
	}
	hint := "↓ " + strconv.Itoa(len(m.lines)-end) + " more lines · end: follow"
	return shown + "\n" + m.st.Muted.Render(ansi.Truncate(hint, m.w, "…"))
}

// redraw renders every entry again (new width or theme).
func (m *Model) redraw() {
	m.lines, m.counts = m.lines[:0], m.counts[:0]
	for _, e := range m.entries {
		lines := m.render(e)
		m.lines = append(m.lines, lines...)
		m.counts = append(m.counts, len(lines))
	}
	m.clamp()
}

// render styles one entry into lines of at most w cells: the time since
// the start, a mark for warnings and errors (never colour alone), the
// component and the text, wrapped under the component.
//
//	00:42.3 Cache  killed
func (m *Model) render(e Entry) []string {
	if m.st == nil || m.w <= 0 {
		return []string{""}
	}
	stamp := m.stamp(e.At, m.w >= 50) + " "
	indent := ansi.StringWidth(stamp)
	if indent+10 > m.w {
		indent, stamp = 0, "" // too narrow for the time: the text matters more
	}

	mark, markStyle := "", m.st.Text
	switch e.Level {
	case engine.LevelWarn:
		mark, markStyle = "▲ ", m.st.Degraded
	case engine.LevelError:
		mark, markStyle = "✖ ", m.st.Error
	}
	comp := ""
	if e.Component != "" {
		comp = e.Component + "  "
	}
	head := ansi.StringWidth(mark) + ansi.StringWidth(comp)
	room := m.w - indent
	if head > room {
		comp = ansi.Truncate(comp, room-ansi.StringWidth(mark), "…")
		head = room
	}
	text := wrapAfter(e.Text, room-head, room)
	if len(text) > maxLinesPerEntry {
		text = text[:maxLinesPerEntry]
		last := text[maxLinesPerEntry-1]
		text[maxLinesPerEntry-1] = ansi.Truncate(last+" …", room, "…")
	}

	pad := strings.Repeat(" ", indent)
	lines := make([]string, 0, len(text))
	for i, t := range text {
		if i == 0 {
			first := m.st.Muted.Render(stamp)
			if mark != "" {
				first += markStyle.Render(mark)
			}
			if comp != "" {
				first += m.st.Name.Render(comp)
			}
			lines = append(lines, first+m.st.Text.Render(t))
			continue
		}
		lines = append(lines, pad+m.st.Text.Render(t))
	}
	return lines
}

// stamp is t as time since the start, mm:ss, with tenths when fine.
func (m *Model) stamp(t time.Time, fine bool) string {
	start := m.start
	switch {
	case !start.IsZero():
	case len(m.entries) > 0:
		start = m.entries[0].At
	default:
		start = t
	}
	d := max(t.Sub(start), 0)
	s := fmt.Sprintf("%02d:%02d", int(d.Minutes()), int(d.Seconds())%60)
	if fine {
		s += fmt.Sprintf(".%d", (d%time.Second)/(100*time.Millisecond))
	}
	return s
}

// wrapAfter wraps text whose first line has first cells left (after the
// component) and the others rest cells.
func wrapAfter(text string, first, rest int) []string {
	words := strings.Fields(text)
	var line strings.Builder
	used, i := 0, 0
	for ; i < len(words); i++ {
		w := ansi.StringWidth(words[i])
		if used > 0 {
			w++
		}
		if used+w > first {
			break
		}
		if used > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(words[i])
		used += w
	}
	out := []string{line.String()}
	if i < len(words) {
		out = append(out, narrate.Wrap(strings.Join(words[i:], " "), rest)...)
	}
	return out
}
