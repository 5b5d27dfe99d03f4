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
	"github.com/archex/archex/tui/eventlog"
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
	// flash is shown above the footer until flashUntil.
	flash      string
	flashUntil time.Time
}

// demoMsg reports what a cue, a reset or a screenshot did: its text goes
// on the status line; a cue's or a reset's ends the wait for it (done);
// a screenshot's also shows for flashFor above the footer, whatever the
// status line is busy with, and goes to the event log.
type demoMsg struct {
	text  string
	done  bool
	flash bool
}

// flashFor is how long a screenshot's name stays above the footer.
const flashFor = 5 * time.Second

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
	if now.Before(d.flashUntil) {
		return true
	}
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
				cmds = append(cmds, m.reset(fmt.Sprintf("lesson, pass %d: reset to the start", d.player.State(m.now).Pass)))
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
		return demoMsg{text: text, done: true}
	}
}

func (m *Model) onDemoMsg(msg demoMsg) tea.Cmd {
	m.status = msg.text
	if msg.flash {
		m.demo.flash, m.demo.flashUntil = msg.text, m.now.Add(flashFor)
		m.addLog(eventlog.Entry{At: m.now, Text: msg.text})
	}
	if !msg.done {
		return nil
	}
	m.demo.busy = false
	return m.nextCue()
}

// reset puts the system back to its start, off the Update loop, and says
// what changed; done is the message when nothing went wrong. Step mode
// starts again from its first product too, so that a lesson's steps read
// the same products on every pass.
func (m *Model) reset(done string) tea.Cmd {
	m.stepSent = 0
	sys := m.sys
	return func() tea.Msg {
		before := sys.Settings()
		if err := sys.Reset(); err != nil {
			return demoMsg{text: "reset: " + err.Error(), done: true}
		}
		changed := before.Changes(sys.Settings())
		if len(changed) == 0 {
			changed = []string{"nothing had changed"}
		}
		return demoMsg{text: done + ": " + strings.Join(changed, ", "), done: true}
	}
}

// onDemoKey handles r (reset), n (the lesson goes on) and S (save the
// screen).
func (m *Model) onDemoKey(msg tea.KeyMsg) tea.Cmd {
	d := &m.demo
	switch {
	case key.Matches(msg, m.keys.Reset):
		text := "reset to the start"
		if d.script {
			d.player.Restart(m.now)
			d.queue = nil
			text = "reset to the start, the lesson from the top"
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
	return func() tea.Msg {
		txt, svg, err := screenshot.Save(dir, shotPrefix, frame, w, h)
		if err != nil {
			return demoMsg{text: "save the screen: " + err.Error(), flash: true}
		}
		return demoMsg{text: fmt.Sprintf("screen saved: %s and %s", txt, svg), flash: true}
	}
}

// demoLines are the lines above the footer: a lesson's caption (wrapped,
// at most two lines) with the lesson's clock on the right, or its title
// when it shows no caption; and a screenshot's name for a few seconds.
// Empty without either.
func (m *Model) demoLines() string {
	d := &m.demo
	flash := ""
	if m.now.Before(d.flashUntil) && (m.stepping != nil || m.status != d.flash) {
		// The status line says it already, unless a narration has it.
		flash = m.styles.Accent.Render(truncateText("✔ "+d.flash, m.width))
	}
	if !d.script {
		return flash
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
	if flash != "" {
		b.WriteString("\n" + flash)
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
