package classroom

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/archex/archex/quiz"
)

// Result is one student's answer in one vote of one poll.
type Result struct {
	Nick     string
	Question string // the question's id
	Poll     int    // the poll's number in the class
	Vote     int    // 1, or 2 for the vote after discussion
	Answer   string // the letter shown: A, B ...
	// Correct is "true" or "false" once the poll is revealed, "" before
	// (or when its experiment never ran).
	Correct string
	At      time.Time // when the answer was last changed
}

// Results lists every answer given, poll by poll, vote by vote, in the
// order the students first answered.
func (c *Class) Results() []Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Result
	for _, p := range c.polls {
		for vi, r := range p.votes {
			for _, nick := range r.order {
				a := r.answers[nick]
				res := Result{Nick: nick, Question: p.item.Question.ID, Poll: p.seq, Vote: vi + 1,
					Answer: quiz.Letter(a.option), At: a.at}
				if p.state == Revealed && p.correct >= 0 {
					res.Correct = strconv.FormatBool(a.option == p.correct)
				}
				out = append(out, res)
			}
		}
	}
	return out
}

// CSVHeader is the first line of the results file.
var CSVHeader = []string{"nickname", "question", "answer", "correct", "time", "vote"}

// WriteCSV writes results as CSV, with CSVHeader: one line per answer, the
// time in RFC 3339 (UTC).
func WriteCSV(w io.Writer, results []Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, r := range results {
		rec := []string{r.Nick, r.Question, r.Answer, r.Correct, r.At.UTC().Format(time.RFC3339), strconv.Itoa(r.Vote)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Summary is the class at a glance, for the presenter at the end.
type Summary struct {
	// Students is how many different nicknames joined as students.
	Students int
	Polls    []PollSummary
}

// PollSummary is one poll's outcome.
type PollSummary struct {
	Seq      int
	ID       string
	Prompt   string
	Revealed bool
	Correct  int // shown position, -1 when not revealed
	Votes    []VoteSummary
}

// VoteSummary is one vote of a poll.
type VoteSummary struct {
	Answered, Right int
	Counts          []int
}

// Summary sums the class up.
func (c *Class) Summary() Summary {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Summary{Students: len(c.seen)}
	for _, p := range c.polls {
		ps := PollSummary{Seq: p.seq, ID: p.item.Question.ID, Prompt: p.item.Prompt(), Revealed: p.state == Revealed, Correct: -1}
		if ps.Revealed {
			ps.Correct = p.correct
		}
		for _, r := range p.votes {
			vs := VoteSummary{Answered: len(r.answers), Counts: make([]int, p.item.Len())}
			for _, a := range r.answers {
				vs.Counts[a.option]++
				if a.option == ps.Correct {
					vs.Right++
				}
			}
			ps.Votes = append(ps.Votes, vs)
		}
		s.Polls = append(s.Polls, ps)
	}
	return s
}

// Lines is the summary as plain text, a line per poll: what the presenter
// sees at the end and what `archex serve` prints when it stops.
func (s Summary) Lines() []string {
	out := []string{fmt.Sprintf("%s joined, %s asked.", plural(s.Students, "student"), plural(len(s.Polls), "poll"))}
	for _, p := range s.Polls {
		var votes []string
		for vi, v := range p.Votes {
			label := "vote"
			if len(p.Votes) > 1 {
				label = fmt.Sprintf("vote %d", vi+1)
			}
			text := fmt.Sprintf("%s: %d answered", label, v.Answered)
			if p.Revealed && v.Answered > 0 {
				text += fmt.Sprintf(", %d%% right", v.Right*100/v.Answered)
			}
			votes = append(votes, text)
		}
		result := "not revealed"
		if p.Revealed {
			result = "answer " + quiz.Letter(p.Correct)
		}
		out = append(out, fmt.Sprintf("%d. %s (%s) — %s — %s", p.Seq, short(p.Prompt, 60), p.ID, result, strings.Join(votes, "; ")))
	}
	if hard, ok := s.hardest(); ok {
		out = append(out, fmt.Sprintf("Worth going over again: poll %d (%s), %d%% right.", hard.Seq, hard.ID, hard.lastRight()))
	}
	return out
}

// hardest is the revealed poll the class got least right in its last vote,
// when it is under two thirds.
func (s Summary) hardest() (PollSummary, bool) {
	var revealed []PollSummary
	for _, p := range s.Polls {
		if p.Revealed && p.Votes[len(p.Votes)-1].Answered > 0 {
			revealed = append(revealed, p)
		}
	}
	if len(revealed) == 0 {
		return PollSummary{}, false
	}
	h := slices.MinFunc(revealed, func(a, b PollSummary) int { return a.lastRight() - b.lastRight() })
	return h, h.lastRight() < 67
}

func (p PollSummary) lastRight() int {
	v := p.Votes[len(p.Votes)-1]
	if v.Answered == 0 {
		return 0
	}
	return v.Right * 100 / v.Answered
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// short cuts s to n characters, on one line.
func short(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
