package quiz

import (
	"fmt"
	"time"
)

// The learner's standing in words: the lines a front end shows at the start
// and the end of a session.

// StandingTerms defines the words of a Summary, for a line under it.
const StandingTerms = "mastered: right 3 times in a row, days apart; learning: answered, reviewed again later; due: to review now; new: not answered yet"

// String is the short form for a header: "24/59 mastered, 3 due".
func (s Summary) String() string {
	return fmt.Sprintf("%d/%d mastered, %d due", s.Mastered, s.Total, s.Due)
}

// Standing is the whole account, which adds up:
// "2 mastered + 10 learning + 3 due + 44 new = 59 questions".
func (s Summary) Standing() string {
	return fmt.Sprintf("%d mastered + %d learning + %d due + %d new = %d questions", s.Mastered, s.Learning, s.Due, s.New, s.Total)
}

// Next says when the next review is: "now (3 questions due)",
// "Tue 11 Mar 09:00 (in 23 h 59 min)", or "none scheduled".
func (s Summary) Next() string {
	switch {
	case s.Due > 0:
		return fmt.Sprintf("now (%s due)", plural(s.Due, "question"))
	case s.NextDue.IsZero():
		return "none scheduled"
	}
	return When(s.NextDue, s.Now)
}

// When writes a moment after now for a learner: "Tue 11 Mar 09:00 (in 23 h
// 59 min)", in now's location.
func When(t, now time.Time) string {
	return t.In(now.Location()).Format("Mon 2 Jan 15:04") + " (in " + Until(t.Sub(now)) + ")"
}

// Until writes a wait roughly, to the minute: "3 days 2 h", "5 h 20 min",
// "12 min", "less than a minute".
func Until(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case d < time.Minute:
		return "less than a minute"
	case days > 0 && hours > 0:
		return fmt.Sprintf("%s %d h", plural(days, "day"), hours)
	case days > 0:
		return plural(days, "day")
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%d h %d min", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%d h", hours)
	}
	return fmt.Sprintf("%d min", mins)
}

// SetLine says what a session is about to ask, given the standing it was
// drawn at: how many questions are due and new, that nothing is due (and
// when the next review is), or, for an empty practice set, that there is
// nothing to practise until then; and which of the card's questions it
// leaves out, having no answer marked.
func SetLine(s *Session, sum Summary) string {
	line := setLine(s, sum)
	if left := leftOutLine(s.leftOut); left != "" {
		line += " " + left
	}
	return line
}

func setLine(s *Session, sum Summary) string {
	var due, fresh, ahead int
	for _, it := range s.Items() {
		switch {
		case it.Status == StatusNew:
			fresh++
		case it.Ahead():
			ahead++
		default:
			due++
		}
	}
	switch {
	case s.Len() == 0:
		return fmt.Sprintf("Nothing is due and no question is new: the next review is %s. "+
			"For extra practice, --set all asks every question (a right answer before its review counts, but does not move it up).", sum.Next())
	case due == 0 && ahead == 0 && s.Set() == SetPractice && sum.NextDue.IsZero():
		return fmt.Sprintf("This set: %s.", plural(fresh, "new question"))
	case due == 0 && ahead == 0 && s.Set() == SetPractice:
		return fmt.Sprintf("Nothing is due: the next review is %s. This set has %s.", sum.Next(), plural(fresh, "new question"))
	}
	out := fmt.Sprintf("This set: %d to review, %d new", due, fresh)
	if ahead > 0 {
		out += fmt.Sprintf(", %d not due yet (a right answer to those does not move them up)", ahead)
	}
	return out + "."
}
