package quiz

import (
	"fmt"
	"time"
)

// Leitner boxes. A question starts outside the boxes (new). A right answer
// moves it up one box, a wrong one sends it back to box 1; each box has an
// interval after which its questions are due again. A miss is due at once, so
// the next practice set asks it again; a question in the top box comes back
// only every two weeks.
const (
	Boxes = 5
	// MasteredBox is the lowest box whose questions count as mastered: the
	// learner got them right at least three times in a row, days apart.
	MasteredBox = 4
)

// Intervals is how long a question waits, after an answer that put it in
// box b, before it is due again: Intervals[b-1].
var Intervals = [Boxes]time.Duration{
	0,
	24 * time.Hour,
	3 * 24 * time.Hour,
	7 * 24 * time.Hour,
	14 * 24 * time.Hour,
}

// Record is what the learner did with one question.
type Record struct {
	Box    int       `json:"box"` // 1 to Boxes
	Due    time.Time `json:"due"`
	Seen   int       `json:"seen"`  // answers given
	Right  int       `json:"right"` // of which right
	Last   time.Time `json:"last"`  // when last answered
	Streak int       `json:"streak"`
	Missed bool      `json:"missed"` // the last answer was wrong
}

// Progress is the learner's record per question id. The zero value is not
// usable; call NewProgress.
type Progress struct {
	Version   int                `json:"version"`
	Questions map[string]*Record `json:"questions"`
}

// progressVersion is the file format's version.
const progressVersion = 1

// NewProgress returns empty progress.
func NewProgress() *Progress {
	return &Progress{Version: progressVersion, Questions: map[string]*Record{}}
}

// Clone returns a deep copy.
func (p *Progress) Clone() *Progress {
	c := NewProgress()
	for id, r := range p.Questions {
		rc := *r
		c.Questions[id] = &rc
	}
	return c
}

// Get returns the record for id, and whether the question was ever answered.
func (p *Progress) Get(id string) (Record, bool) {
	r, ok := p.Questions[id]
	if !ok {
		return Record{}, false
	}
	return *r, true
}

// Record notes an answer to question id at now and schedules the question:
// right moves it up one box (to box 2 the first time: it was known from the
// start), wrong sends it to box 1, due at once.
func (p *Progress) Record(id string, right bool, now time.Time) {
	r, ok := p.Questions[id]
	if !ok {
		r = &Record{Box: 1}
		p.Questions[id] = r
	}
	r.Seen++
	r.Last = now
	if right {
		r.Right++
		r.Streak++
		r.Missed = false
		r.Box = min(r.Box+1, Boxes)
	} else {
		r.Streak = 0
		r.Missed = true
		r.Box = 1
	}
	r.Due = now.Add(Intervals[r.Box-1])
}

// Due reports whether question id has been answered before and is due again
// at now.
func (p *Progress) Due(id string, now time.Time) bool {
	r, ok := p.Questions[id]
	return ok && !now.Before(r.Due)
}

// Mastered reports whether question id is in a mastered box.
func (p *Progress) Mastered(id string) bool {
	r, ok := p.Questions[id]
	return ok && r.Box >= MasteredBox
}

// Summary counts, over the given question ids, how many are mastered, due
// and new at now. Records of questions not in ids (a question since removed
// from the bank) are kept in the progress but not counted.
func (p *Progress) Summary(ids []string, now time.Time) Summary {
	s := Summary{Total: len(ids)}
	for _, id := range ids {
		switch {
		case p.Questions[id] == nil:
			s.New++
		case p.Due(id, now):
			s.Due++
		}
		if p.Mastered(id) {
			s.Mastered++
		}
	}
	return s
}

// Summary is the learner's standing over a set of questions.
type Summary struct {
	Total, Mastered, Due, New int
}

// String is the line shown when a quiz starts: "24/39 mastered, 3 due, 12 new".
func (s Summary) String() string {
	out := fmt.Sprintf("%d/%d mastered, %d due", s.Mastered, s.Total, s.Due)
	if s.New > 0 {
		out += fmt.Sprintf(", %d new", s.New)
	}
	return out
}
