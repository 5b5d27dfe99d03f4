package quiz

import (
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

func TestLeitnerSchedule(t *testing.T) {
	const day = 24 * time.Hour
	p := NewProgress()
	steps := []struct {
		at       time.Duration // since t0
		right    bool
		box      int
		due      time.Duration // since the answer
		mastered bool
	}{
		{0, true, 2, day, false},          // known at once: box 2, back tomorrow
		{day, true, 3, 3 * day, false},    // right again: three days
		{4 * day, true, 4, 7 * day, true}, // three in a row: mastered, a week
		{11 * day, true, 5, 14 * day, true},
		{25 * day, true, 5, 14 * day, true}, // the top box is the last
		{39 * day, false, 1, 0, false},      // a miss: back to box 1, due now
		{39*day + time.Minute, true, 2, day, false},
	}
	for i, s := range steps {
		now := t0.Add(s.at)
		p.Record("q", s.right, now)
		r, ok := p.Get("q")
		if !ok {
			t.Fatalf("step %d: no record", i)
		}
		if r.Box != s.box || !r.Due.Equal(now.Add(s.due)) {
			t.Errorf("step %d: box %d due %v, want box %d due %v", i, r.Box, r.Due.Sub(now), s.box, s.due)
		}
		if got := p.Mastered("q"); got != s.mastered {
			t.Errorf("step %d: mastered = %v, want %v", i, got, s.mastered)
		}
		if s.due > 0 && (p.Due("q", now.Add(s.due-time.Second)) || !p.Due("q", now.Add(s.due))) {
			t.Errorf("step %d: not due exactly %v after the answer", i, s.due)
		}
		if s.due == 0 && !p.Due("q", now) {
			t.Errorf("step %d: a miss is not due at once", i)
		}
	}
	r, _ := p.Get("q")
	if r.Seen != 7 || r.Right != 6 || r.Streak != 1 || r.Missed {
		t.Errorf("record = %+v, want 7 seen, 6 right, streak 1, not missed", r)
	}
	if p.Due("never-seen", t0) || p.Mastered("never-seen") {
		t.Error("an unseen question counts as due or mastered")
	}
}

func TestEarlyRightAnswersAreNotPromoted(t *testing.T) {
	const day = 24 * time.Hour
	p := NewProgress()
	if ch := p.Record("q", true, t0); ch.From != 0 || ch.To != 2 || ch.Early {
		t.Errorf("first right answer: %+v, want new -> box 2", ch)
	}
	// The same evening, again and again: counted, not moved.
	for i := 1; i <= 5; i++ {
		ch := p.Record("q", true, t0.Add(time.Duration(i)*time.Hour))
		if !ch.Early || ch.To != 2 || !ch.Due.Equal(t0.Add(day)) {
			t.Errorf("early answer %d: %+v, want box 2 still due at %v", i, ch, t0.Add(day))
		}
	}
	r, _ := p.Get("q")
	if r.Box != 2 || r.Seen != 6 || r.Right != 6 || r.Streak != 1 {
		t.Errorf("after a cram: %+v, want box 2, 6 seen, 6 right, a streak of 1", r)
	}
	// When due, it moves.
	if ch := p.Record("q", true, t0.Add(day)); ch.Early || ch.To != 3 {
		t.Errorf("answer when due: %+v, want box 3", ch)
	}
	// An early miss counts: what is forgotten is forgotten.
	if ch := p.Record("q", false, t0.Add(day+time.Hour)); ch.To != 1 || !ch.Due.Equal(t0.Add(day+time.Hour)) {
		t.Errorf("early miss: %+v, want box 1, due at once", ch)
	}
}

func TestSummaryAddsUp(t *testing.T) {
	const day = 24 * time.Hour
	p := NewProgress()
	// "m" is mastered: right when due three times (day 0, day 1, day 4).
	for _, at := range []time.Duration{0, day, 4 * day} {
		p.Record("m", true, t0.Add(at))
	}
	now := t0.Add(4*day + time.Hour)
	p.Record("missed", false, now.Add(-time.Minute))
	p.Record("later", true, now.Add(-time.Hour))   // box 2, due in 23 h
	p.Record("soon", true, now.Add(-23*time.Hour)) // box 2, due in 1 h
	p.Record("gone", false, t0)                    // no longer in the bank: not counted
	ids := []string{"m", "missed", "later", "soon", "new1", "new2"}
	s := p.Summary(ids, now)
	want := Summary{Total: 6, Mastered: 1, Learning: 2, Due: 1, New: 2, NextDue: now.Add(time.Hour), Now: now}
	if s != want {
		t.Errorf("summary = %+v, want %+v", s, want)
	}
	if s.Mastered+s.Learning+s.Due+s.New != s.Total {
		t.Errorf("%s does not add up", s.Standing())
	}
	if got := s.Standing(); got != "1 mastered + 2 learning + 1 due + 2 new = 6 questions" {
		t.Errorf("Standing = %q", got)
	}
	if got := s.String(); got != "1/6 mastered, 1 due" {
		t.Errorf("String = %q", got)
	}
	if got := s.Next(); got != "now (1 question due)" {
		t.Errorf("Next = %q", got)
	}
	// Without the miss, the next review is "soon", in an hour.
	s = p.Summary([]string{"m", "later", "soon"}, now)
	if got := s.Next(); got != "Fri 14 Mar 11:00 (in 1 h)" {
		t.Errorf("Next = %q", got)
	}
	// A mastered question that falls due counts as due, not mastered.
	if s := p.Summary([]string{"m"}, now.Add(7*day)); s.Due != 1 || s.Mastered != 0 {
		t.Errorf("a week later: %+v", s)
	}
	if got := (Summary{Total: 3, New: 3, Now: now}).Next(); got != "none scheduled" {
		t.Errorf("Next with nothing answered = %q", got)
	}
}

func TestUntil(t *testing.T) {
	for d, want := range map[time.Duration]string{
		20 * time.Second:             "less than a minute",
		12 * time.Minute:             "12 min",
		5*time.Hour + 20*time.Minute: "5 h 20 min",
		2 * time.Hour:                "2 h",
		24 * time.Hour:               "1 day",
		3*24*time.Hour + 2*time.Hour + 50*time.Second: "3 days 2 h",
	} {
		if got := Until(d); got != want {
			t.Errorf("Until(%v) = %q, want %q", d, got, want)
		}
	}
}
