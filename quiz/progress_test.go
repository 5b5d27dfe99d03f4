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

func TestSummary(t *testing.T) {
	p := NewProgress()
	for range 3 { // box 4: mastered
		p.Record("m", true, t0)
	}
	p.Record("missed", false, t0)
	p.Record("later", true, t0)
	p.Record("gone", false, t0) // no longer in the bank: not counted
	ids := []string{"m", "missed", "later", "new1", "new2"}
	s := p.Summary(ids, t0.Add(time.Hour))
	want := Summary{Total: 5, Mastered: 1, Due: 1, New: 2}
	if s != want {
		t.Errorf("summary = %+v, want %+v", s, want)
	}
	if got := s.String(); got != "1/5 mastered, 1 due, 2 new" {
		t.Errorf("String = %q", got)
	}
	// Two days later the right answer in box 2 is due too, and the mastered
	// one is not.
	if got := p.Summary(ids[:3], t0.Add(48*time.Hour)).String(); got != "1/3 mastered, 2 due" {
		t.Errorf("two days later: %q", got)
	}
}
