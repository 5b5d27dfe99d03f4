package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/archex/archex/lesson"
	"github.com/archex/archex/screenshot"
	"github.com/archex/archex/tui/narrate"
)

// demo is the dashboard's scripted side: a lesson (--script) or the
// timeline of --fault faults, played on the frame ticks, its cues carried
// out one at a time in their order (a reset finishes before the kill that
// follows it); and where the screen is saved to.
type demo struct {
	player *lesson.Player // nil: nothing scripted
	// script is a lesson (captions; r starts it again), not the --fault
	// timeline (which runs on the system's clock, and r leaves alone).
	script bool
	queue  []lesson.Cue // due, not yet carried out
	busy   bool         // a cue's change is running
	// resetNext is a reset asked for while a change was running: it
	// comes next, saying this.
	resetNext string
	shots     string // the folder screenshots go to
}

// cueDoneMsg reports that a cue's change has been made.
type cueDoneMsg struct{ text string }

// shotPrefix names the screenshots: archex-001.txt, archex-001.svg ...
const shotPrefix = "archex"

func (m *Model) newDemo(opts Options) {
	d := &m.demo
	d.shots = opts.Shots
	switch {
	case opts.Lesson != nil:
		d.player, d.script = lesson.NewPlayer(opts.Lesson, opts.Loop, m.now), true
	case len(opts.Faults) > 0:
		d.player = lesson.NewPlayer(lesson.FromFaults(opts.Faults), false, m.now)
	}
	m.keys.Next.SetEnabled(d.script && opts.Lesson.WaitsForKey() != nil)
}

// playing reports whether the script needs frames: it has cues to come
// that no key waits for.
func (d *demo) playing(now time.Time) bool {
	if d.player == nil {
		return false
	}
	s := d.player.State(now)
	return len(d.queue) > 0 || d.busy || (!s.Done && !s.Waiting)
}

// playCues takes the cues that have come due and starts on them.
func (m *Model) playCues() tea.Cmd {
	d := &m.demo
	if d.player == nil {
		return nil
	}
	d.queue = append(d.queue, d.player.Due(m.now)...)
	return m.nextCue()
}

// nextCue carries out the queued cues in order, up to the first that
// changes the system: the next waits for its cueDoneMsg.
func (m *Model) nextCue() tea.Cmd {
	d := &m.demo
	var cmds []tea.Cmd
	if !d.busy && d.resetNext != "" {
		d.busy = true
		cmds = append(cmds, m.reset(d.resetNext))
		d.resetNext = ""
	}
	for !d.busy && len(d.queue) > 0 {
		c := d.queue[0]
		d.queue = d.queue[1:]
		switch c.Kind {
		case lesson.Caption:
			// The player holds it; the caption line shows it.
		case lesson.Step:
			cmds = append(cmds, m.sendStep())
		case lesson.Pause:
			m.status = "lesson paused: n goes on"
			if c.For > 0 {
				m.status = fmt.Sprintf("lesson paused for %v", c.For)
			}
		case lesson.Fault:
			d.busy = true
			cmds = append(cmds, m.applyCue(c))
		case lesson.End:
			if d.player.State(m.now).Loop {
				d.busy = true
				cmds = append(cmds, m.reset("lesson: again from the top, on a system reset to its start"))
			} else {
				m.status = "lesson over; the system runs on (r resets it and starts the lesson again)"
			}
		}
	}
	return tea.Batch(cmds...)
}

// applyCue makes a cue's fault, off the Update loop.
func (m *Model) applyCue(c lesson.Cue) tea.Cmd {
	who := "lesson"
	if !m.demo.script {
		who = "--fault"
	}
	sys := m.sys
	return func() tea.Msg {
		text := fmt.Sprintf("%s %s: %s", who, clock(c.At), c.Fault.Text)
		if err := sys.Apply(c.Fault); err != nil {
			text += ": " + err.Error()
		}
		return cueDoneMsg{text: text}
	}
}

func (m *Model) onCueDone(msg cueDoneMsg) tea.Cmd {
	m.status = msg.text
	m.demo.busy = false
	return m.nextCue()
}

// reset puts the system back to its start, off the Update loop, and says
// what changed; done is the message when nothing went wrong.
func (m *Model) reset(done string) tea.Cmd {
	sys := m.sys
	return func() tea.Msg {
		before := sys.Settings()
		if err := sys.Reset(); err != nil {
			return cueDoneMsg{text: "reset: " + err.Error()}
		}
		if changed := before.Changes(sys.Settings()); len(changed) > 0 {
			done += ": " + strings.Join(changed, ", ")
		}
		return cueDoneMsg{text: done}
	}
}

// onDemoKey handles r (reset), n (the lesson goes on) and S (save the
// screen).
func (m *Model) onDemoKey(msg tea.KeyMsg) tea.Cmd {
	d := &m.demo
	switch {
	case key.Matches(msg, m.keys.Reset):
		text := "reset: the system is back at its start"
		if d.script {
			d.player.Restart(m.now)
			d.queue = nil
			text = "reset: the system is back at its start and the lesson starts again"
		}
		// After a cue's change still running, if any, before the cues to
		// come.
		d.resetNext = text
		return m.nextCue()
	case key.Matches(msg, m.keys.Next):
		if d.player != nil && d.player.Resume(m.now) {
			m.status = "the lesson goes on"
			return m.playCues()
		}
		m.status = "the lesson is not waiting"
	case key.Matches(msg, m.keys.Shot):
		return m.saveScreen()
	}
	return nil
}

// saveScreen saves the screen as it is now, as text and SVG, off the
// Update loop.
func (m *Model) saveScreen() tea.Cmd {
	frame, w, h, dir := m.View(), m.width, m.height, m.demo.shots
	return m.act("save the screen", func() (string, error) {
		txt, svg, err := screenshot.Save(dir, shotPrefix, frame, w, h)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("screen saved: %s and %s", txt, svg), nil
	})
}

// lessonLines are the lesson's lines above the footer: its caption
// (wrapped, at most two lines) with the lesson's clock on the right, or
// its title when it shows no caption. Empty without a lesson.
func (m *Model) lessonLines() string {
	d := &m.demo
	if !d.script {
		return ""
	}
	s := d.player.State(m.now)
	right := fmt.Sprintf("lesson %s/%s", clock(s.Clock), clock(s.Length))
	switch {
	case s.Done:
		right = "lesson over · r: again"
	case s.Waiting:
		right += " · ⏸ n: go on"
	case s.Left > 0:
		right += fmt.Sprintf(" · ⏸ %ds", int(s.Left.Round(time.Second)/time.Second))
	}
	if s.Loop && s.Pass > 1 {
		right += fmt.Sprintf(" · pass %d", s.Pass)
	}
	right = m.styles.Accent.Render(right)
	room := max(m.width-lipgloss.Width(right)-3, 10)
	bar := m.styles.Accent.Render("▌ ")
	text := s.Caption
	style := m.styles.Bold
	if text == "" {
		text, style = s.Title, m.styles.Muted
	}
	lines := narrate.Wrap(text, room)
	if len(lines) > 2 {
		lines = lines[:2]
		lines[1] = truncateText(lines[1]+" …", room)
	}
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		line := bar + style.Render(l)
		if i == 0 {
			gap := max(m.width-lipgloss.Width(line)-lipgloss.Width(right), 1)
			line += strings.Repeat(" ", gap) + right
		}
		b.WriteString(truncate(line, m.width))
	}
	return b.String()
}

// rateLadder is ratePresets with start in its place.
func rateLadder(start float64) []float64 {
	ladder := slices.Clone(ratePresets)
	if i, found := slices.BinarySearch(ladder, start); !found && start > 0 {
		ladder = slices.Insert(ladder, i, start)
	}
	return ladder
}
