package quiz

import "time"

// Leitner boxes, scheduled honestly. A question starts outside the boxes
// (new). An answer given when the question is due (or new) moves it: right
// up one box (straight to box 2 the first time: it was known from the
// start), wrong back to box 1. Each box has an interval after which its
// questions are due again. A right answer given before the question is due
// (reviewing ahead, as --set all allows) is counted but does not move it:
// otherwise a few runs in one evening would "master" what was never recalled
// days apart. A wrong answer always sends it back to box 1, due at once, so
// the session asks it again and the next practice set too.
const (
	Boxes = 5
	// MasteredBox is the lowest box whose questions count as mastered: the
	// learner got them right three times in a row, each time when due, so
	// at least a day and then three days apart.
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

// Change is what an answer did to a question's schedule.
type Change struct {
	From, To int // boxes; From is 0 for a new question
	// Early is set for a right answer given before the question was due:
	// counted, not promoted.
	Early bool
	Due   time.Time // when it is due next
}

// Record notes an answer to question id at now and schedules the question
// (see Boxes): a right answer to a due or new question moves it up one box,
// a right answer before it is due changes nothing but the counts, a wrong
// answer sends it to box 1, due at once.
func (p *Progress) Record(id string, right bool, now time.Time) Change {
	r, ok := p.Questions[id]
	if !ok {
		r = &Record{Box: 1}
		p.Questions[id] = r
	}
	ch := Change{To: r.Box}
	if ok {
		ch.From = r.Box
	}
	r.Seen++
	r.Last = now
	switch {
	case right && ok && now.Before(r.Due):
		r.Right++
		ch.Early = true
	case right:
		r.Right++
		r.Streak++
		r.Missed = false
		r.Box = min(r.Box+1, Boxes)
		r.Due = now.Add(Intervals[r.Box-1])
	default:
		r.Streak = 0
		r.Missed = true
		r.Box = 1
		r.Due = now.Add(Intervals[0])
	}
	ch.To, ch.Due = r.Box, r.Due
	return ch
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

// Status is where a question stands at a moment, one of four.
type Status int

// The statuses. Each question is in exactly one, so the counts of a Summary
// add up to its total.
const (
	// StatusNew is a question never answered.
	StatusNew Status = iota
	// StatusDue is a question answered before whose review time has come
	// (a miss is due at once).
	StatusDue
	// StatusLearning is a question answered before, not due yet, below the
	// mastered box.
	StatusLearning
	// StatusMastered is a question in a mastered box, not due yet.
	StatusMastered
)

func (s Status) String() string {
	switch s {
	case StatusDue:
		return "due"
	case StatusLearning:
		return "learning"
	case StatusMastered:
		return "mastered"
	}
	return "new"
}

// Status returns where question id stands at now.
func (p *Progress) Status(id string, now time.Time) Status {
	r, ok := p.Questions[id]
	switch {
	case !ok:
		return StatusNew
	case !now.Before(r.Due):
		return StatusDue
	case r.Box >= MasteredBox:
		return StatusMastered
	}
	return StatusLearning
}

// Summary counts, over the given question ids, how many are mastered,
// learning, due and new at now, and finds the next review after now.
// Records of questions not in ids (a question since removed from the bank)
// are kept in the progress but not counted.
func (p *Progress) Summary(ids []string, now time.Time) Summary {
	s := Summary{Total: len(ids), Now: now}
	for _, id := range ids {
		switch p.Status(id, now) {
		case StatusNew:
			s.New++
		case StatusDue:
			s.Due++
		case StatusLearning:
			s.Learning++
		case StatusMastered:
			s.Mastered++
		}
		if r, ok := p.Questions[id]; ok && now.Before(r.Due) && (s.NextDue.IsZero() || r.Due.Before(s.NextDue)) {
			s.NextDue = r.Due
		}
	}
	return s
}

// Summary is the learner's standing over a set of questions at a moment:
// Mastered + Learning + Due + New = Total (see Status for the terms).
type Summary struct {
	Total, Mastered, Learning, Due, New int
	// NextDue is the earliest review after Now of a question not due yet;
	// zero when there is none.
	NextDue time.Time
	Now     time.Time
}
