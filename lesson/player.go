package lesson

import "time"

// Player plays a lesson on its own clock, with the time passed in: Due
// returns the cues whose time has come, in order. A pause stops the clock
// (for its duration, or until Resume); the end stops it for good or, with
// loop, starts the lesson again. It is not safe for concurrent use.
type Player struct {
	l    *Lesson
	loop bool

	next    int           // the next cue
	clock   time.Duration // the lesson's clock at since
	since   time.Time     // when the clock last ran from clock
	held    bool          // stopped by a pause
	until   time.Time     // when a timed pause ends; zero: at Resume
	caption string
	pass    int
	done    bool
}

// NewPlayer starts l at now. With loop, the end starts it again.
func NewPlayer(l *Lesson, loop bool, now time.Time) *Player {
	return &Player{l: l, loop: loop, since: now, pass: 1}
}

// Lesson is the lesson played.
func (p *Player) Lesson() *Lesson { return p.l }

// clockAt is the lesson's clock at now.
func (p *Player) clockAt(now time.Time) time.Duration {
	if p.held || p.done {
		return p.clock
	}
	return p.clock + max(now.Sub(p.since), 0)
}

// Due returns the cues whose time has come by now, in order, and moves
// past them. It stops after a pause (the cues after it come when the pause
// ends) and after the end (with loop, the next call starts the lesson
// again from its first cue: the caller resets the system in between).
func (p *Player) Due(now time.Time) []Cue {
	var out []Cue
	for !p.done {
		if p.held {
			if p.until.IsZero() || now.Before(p.until) {
				break
			}
			p.held, p.since, p.until = false, p.until, time.Time{}
		}
		if p.next >= len(p.l.Cues) {
			p.done, p.clock = true, p.l.Length()
			break
		}
		c := p.l.Cues[p.next]
		if p.clockAt(now) < c.At {
			break
		}
		// When the cue was due, in wall time: a frame may come late, and
		// a timed pause then still lasts exactly its time.
		dueAt := p.since.Add(c.At - p.clock)
		p.next++
		out = append(out, c)
		switch c.Kind {
		case Caption:
			p.caption = c.Text
		case Pause:
			p.clock, p.since, p.held = c.At, dueAt, true
			if c.For > 0 {
				p.until = dueAt.Add(c.For)
			}
			return out
		case End:
			p.caption = ""
			if p.loop {
				p.next, p.clock, p.since = 0, 0, dueAt
				p.pass++
			} else {
				p.done, p.clock = true, c.At
			}
			return out
		}
	}
	return out
}

// Resume ends a pause that waits for the presenter; it reports whether
// there was one.
func (p *Player) Resume(now time.Time) bool {
	if !p.held || !p.until.IsZero() {
		return false
	}
	p.held, p.since = false, now
	return true
}

// Restart plays the lesson again from its start, at now.
func (p *Player) Restart(now time.Time) {
	pass := p.pass
	*p = *NewPlayer(p.l, p.loop, now)
	p.pass = pass
}

// State is what the screen shows of a lesson.
type State struct {
	Title         string
	Caption       string        // "" for none
	Clock, Length time.Duration // on the lesson's clock
	// Waiting is a pause that waits for the presenter; Left what remains
	// of a timed pause.
	Waiting bool
	Left    time.Duration
	Loop    bool
	Pass    int // 1 the first time through
	Done    bool
}

// State is the lesson at now.
func (p *Player) State(now time.Time) State {
	s := State{Title: p.l.Title, Caption: p.caption, Clock: p.clockAt(now), Length: p.l.Length(),
		Loop: p.loop, Pass: p.pass, Done: p.done}
	if p.held {
		if p.until.IsZero() {
			s.Waiting = true
		} else {
			s.Left = max(p.until.Sub(now), 0)
		}
	}
	return s
}
