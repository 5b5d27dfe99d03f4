package tui

import (
	"context"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/tui/cardpane"
	"github.com/archex/archex/tui/diagram"
	"github.com/archex/archex/tui/eventlog"
	"github.com/archex/archex/tui/glyph"
	"github.com/archex/archex/tui/narrate"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Step mode tells one request at a time, in the order of narrate.Steps:
// the synchronous path up to the user's answer, then the branch that runs
// in the background. It plays on its own (each hop stays long enough to
// read its sentence) until space pauses it; the arrow keys go hop by hop,
// forwards and back, and esc ends it. Told to the end, the last sentence
// stays in the narration area and the diagram goes back to the traffic.

// stepper is the request being told.
type stepper struct {
	trace engine.Trace
	steps []narrate.Step
	flow  []int // per hop of the trace, the card's flow hop (-1: none)
	kind  kind  // how the request went, for its packet's glyph
	i     int   // the step shown
	start time.Time
	auto  bool // plays on its own; otherwise waits for the next-hop key
	done  bool // told to the end
}

func newStepper(t engine.Trace, c *card.Card, now time.Time) *stepper {
	s := &stepper{start: now, auto: true}
	s.setTrace(t, c)
	return s
}

func (s *stepper) setTrace(t engine.Trace, c *card.Card) {
	s.trace, s.steps, s.flow, s.kind = t, narrate.Steps(t, c), cardpane.Steps(c, t.Hops), kindOf(t)
	s.i = min(s.i, len(s.steps)-1)
}

// step is the step shown.
func (s *stepper) step() narrate.Step { return s.steps[s.i] }

// hop is the trace's hop of the step shown; false for a step that is none.
func (s *stepper) hop() (trace.Hop, bool) {
	if st := s.step(); st.Hop >= 0 {
		return s.trace.Hops[st.Hop], true
	}
	return trace.Hop{}, false
}

// move is how long the packet takes along the step's hop on screen.
func (s *stepper) move(speed float64) time.Duration {
	h, ok := s.hop()
	if !ok {
		return 0
	}
	return time.Duration(float64(hopOnScreen(h.Duration, true)) / speed)
}

// dwell is how long a playing step stays: its move, and long enough to
// read its sentence (1.2 s and 20 ms a character, at most 5 s: a cold read
// of the production card is told in about 47 s at speed 1).
func (s *stepper) dwell(speed float64) time.Duration {
	read := min(1200*time.Millisecond+time.Duration(len(s.step().Text))*20*time.Millisecond, 5*time.Second)
	return max(s.move(speed), time.Duration(float64(read)/speed))
}

// advance plays the narration on to now; it reports whether the step
// changed.
func (s *stepper) advance(now time.Time, speed float64) bool {
	changed := false
	for s.auto && !s.done {
		d := s.dwell(speed)
		if now.Sub(s.start) < d {
			break
		}
		if s.i == len(s.steps)-1 {
			s.done = true
			break
		}
		s.start = s.start.Add(d)
		s.i++
		changed = true
	}
	return changed
}

// next shows the next step, hop by hop from now on; past the last the
// narration is done.
func (s *stepper) next(now time.Time) {
	s.auto = false
	if s.i == len(s.steps)-1 {
		s.done = true
		return
	}
	s.i, s.start, s.done = s.i+1, now, false
}

// back shows the step before, hop by hop from now on; told to the end, it
// shows the last step again.
func (s *stepper) back(now time.Time) {
	switch {
	case s.done:
		s.done = false
	case s.i > 0:
		s.i--
	}
	s.auto, s.start = false, now
}

// toggle pauses a playing narration or plays a paused one from its step.
func (s *stepper) toggle(now time.Time) {
	s.auto = !s.auto
	s.start = now
}

// progress is how far along its hop the packet is, 0..1.
func (s *stepper) progress(now time.Time, speed float64) float64 {
	d := s.move(speed)
	if d <= 0 {
		return 1
	}
	return min(max(float64(now.Sub(s.start))/float64(d), 0), 1)
}

// animating reports whether the narration changes without a key.
func (s *stepper) animating(now time.Time, speed float64) bool {
	return !s.done && (s.auto || now.Sub(s.start) < s.move(speed))
}

// narrating reports whether a request is being told (not yet to its end).
func (m *Model) narrating() bool { return m.stepping != nil && !m.stepping.done }

// sendStep sends one request to narrate, off the Update loop. A request
// already being told gives way to it; one on its way is not sent twice.
func (m *Model) sendStep() tea.Cmd {
	if m.stepPending {
		return nil
	}
	m.stepPending = true
	m.endStep()
	m.stepSent++
	product := stepProducts[(m.stepSent-1)%len(stepProducts)]
	sys := m.sys
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		t, err := sys.Send(ctx, engine.Request{Product: product}, true)
		return stepMsg{trace: t, err: err}
	}
}

// stepProducts are the items step mode reads in turn: a cold read first,
// then the same item again (a hit), then others.
var stepProducts = []int{42, 42, 7, 7, 512}

func (m *Model) onStep(msg stepMsg) {
	m.stepPending = false
	if msg.err != nil {
		m.status = "send failed: " + msg.err.Error()
		return
	}
	t := msg.trace
	m.lastStep = m.now
	m.inspectTrace(t)
	m.stepping = newStepper(t, m.card, m.now)
	m.narratingKeys(true)
	m.addLog(stepEntry(t, m.card, m.now))
	m.showStep()
}

// stepEntry is the event log's one line for a narrated request: its
// summary, not a line per hop, so the system's own events stay in view.
func stepEntry(t engine.Trace, c *card.Card, now time.Time) eventlog.Entry {
	level := engine.LevelInfo
	if t.Done && !t.OK() {
		level = engine.LevelError
	}
	return eventlog.Entry{At: now, Text: "narrated: " + narrate.Summary(t, c), Level: level}
}

// onStepKey handles the keys of a narration: space pauses and plays, the
// arrows go hop by hop, esc ends it. handled is false for any other key.
func (m *Model) onStepKey(msg tea.KeyMsg) (handled bool) {
	s, k := m.stepping, m.keys
	if s == nil {
		return false
	}
	switch {
	case key.Matches(msg, k.Step) && !s.done:
		s.toggle(m.now)
	case key.Matches(msg, k.StepNext) && !s.done:
		s.next(m.now)
	case key.Matches(msg, k.StepBack):
		s.back(m.now)
	case key.Matches(msg, k.StepEnd):
		m.endStep()
		return true
	default:
		return false
	}
	m.showStep()
	return true
}

// advanceStep plays the narration on, and takes the trace again while its
// background branch may still be coming in.
func (m *Model) advanceStep(now time.Time) {
	s := m.stepping
	if s == nil || s.done {
		return
	}
	if s.step().Async || s.i == len(s.steps)-1 {
		if t, ok := m.sys.Trace(s.trace.ID); ok && len(t.Hops) > len(s.trace.Hops) {
			s.setTrace(t, m.card)
			m.inspectTrace(t)
		}
	}
	if s.advance(now, m.speed) || s.done {
		m.showStep()
	}
}

// showStep points the card's list and the inspector at the step shown.
func (m *Model) showStep() {
	s := m.stepping
	m.narratingKeys(!s.done)
	st := s.step()
	if st.Hop < 0 {
		m.pn.card.SetCurrent(-1)
		m.pn.waterfall.SetCurrent(-1)
		return
	}
	m.pn.card.SetCurrent(s.flow[st.Hop])
	m.pn.waterfall.SetCurrent(st.Hop)
}

// narratingKeys shows the step keys in the footer (stepHelp), or the usual
// ones.
func (m *Model) narratingKeys(on bool) {
	if m.stepKeys != on {
		m.stepKeys = on
		m.keysGen++ // the footer's keys are drawn again
	}
}

// endStep closes the narration.
func (m *Model) endStep() {
	if m.stepping == nil {
		return
	}
	m.stepping = nil
	m.narratingKeys(false)
	m.pn.card.SetCurrent(-1)
	m.pn.waterfall.SetCurrent(-1)
}

// drawStep draws the told request on the diagram: the hop it is on in heavy
// lines as far as it has come, and its packet in the highlight, unlike any
// other packet's.
func (m *Model) drawStep(l *diagram.Layout) {
	s := m.stepping
	if s == nil || s.done {
		return
	}
	h, ok := s.hop()
	if !ok {
		return
	}
	e, reverse, ok := l.Edge(h.From, h.To)
	if !ok || len(e.Path) == 0 {
		return
	}
	p := s.progress(m.now, m.speed)
	if h.Outcome == trace.Skipped || h.Outcome == trace.Shed {
		p = 0 // a call not made: the request stays where it is
	} else {
		diagram.Trail(m.frame, e, reverse, p, inkStep)
	}
	n := len(e.Path)
	i := int(p*float64(n-1) + 0.5)
	if reverse {
		i = n - 1 - i
	}
	g := []rune(glyph.Request(narrate.Kind(s.kind)))[0]
	if s.step().Async {
		g = []rune(glyph.Async)[0]
	}
	m.frame.Set(e.Path[i].X, e.Path[i].Y, g, inkStep)
}
