package classroom

import (
	"errors"
	"fmt"
	"time"

	"github.com/archex/archex/quiz"
)

// PollState is where a poll is, in the order of peer instruction: the class
// answers alone (Open), the presenter stops the answers (Locked), and the
// reveal shows the distribution and the right answer (Revealed); an
// experiment runs on the live system before its reveal (Measuring).
type PollState int

// The states of a poll.
const (
	Open PollState = iota
	Locked
	Measuring
	Revealed
)

func (s PollState) String() string {
	return [...]string{"open", "locked", "measuring", "revealed"}[s]
}

// MaxVotes is how many times the class votes on one question: alone, then
// again after discussing with a neighbour.
const MaxVotes = 2

// poll is one question put to the class.
type poll struct {
	seq   int // 1, 2 ... in the class
	item  quiz.Item
	state PollState
	votes []round
	// correct is the shown position of the right option, -1 until the
	// reveal; evidence is what an experiment measured.
	correct            int
	evidence, progress string
	failure            string // why the experiment could not run
}

// round is one vote: each student's answer, by nickname (a student who
// reconnects keeps theirs), and the order they first answered in.
type round struct {
	answers map[string]answer
	order   []string
}

type answer struct {
	option int // shown position
	at     time.Time
}

func newRound() round { return round{answers: map[string]answer{}} }

// current is the poll on screen; c.mu is held.
func (c *Class) current() *poll {
	if len(c.polls) == 0 {
		return nil
	}
	return c.polls[len(c.polls)-1]
}

// open is the current poll when it is in state; c.mu is held.
func (c *Class) currentIn(states ...PollState) (*poll, error) {
	p := c.current()
	if p == nil {
		return nil, ErrNoPoll
	}
	for _, s := range states {
		if p.state == s {
			return p, nil
		}
	}
	switch p.state {
	case Measuring:
		return nil, errors.New("the experiment is running: wait for its verdict")
	case Revealed:
		return nil, errors.New("this poll is revealed: P opens the next one")
	case Locked:
		return nil, errors.New("the answers are locked")
	}
	return nil, fmt.Errorf("the poll is %s", p.state)
}

// OpenNext opens a poll on the next question; the poll on screen, if any,
// ends (its answers are kept).
func (c *Class) OpenNext(by ID) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.presenter(by); err != nil {
		return err
	}
	if p := c.current(); p != nil && p.state == Measuring {
		return errors.New("the experiment is running: wait for its verdict")
	}
	if c.next >= len(c.questions) {
		return fmt.Errorf("no questions left: %d polls asked (E shows the summary)", len(c.polls))
	}
	c.polls = append(c.polls, &poll{seq: len(c.polls) + 1, item: c.questions[c.next], votes: []round{newRound()}, correct: -1})
	c.next++
	c.changed()
	return nil
}

// Vote records student id's answer (a shown position, A is 0) in the
// current vote; a student may change it until the poll is locked.
func (c *Class) Vote(id ID, option int, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.member(id)
	if !ok {
		return ErrNotInClass
	}
	if m.Role != Student {
		return errors.New("the presenter does not vote")
	}
	p, err := c.currentIn(Open)
	if err != nil {
		return err
	}
	if option < 0 || option >= p.item.Len() {
		return fmt.Errorf("this question has options A to %s", quiz.Letter(p.item.Len()-1))
	}
	r := &p.votes[len(p.votes)-1]
	if prev, ok := r.answers[m.Nick]; ok && prev.option == option {
		return nil
	} else if !ok {
		r.order = append(r.order, m.Nick)
	}
	r.answers[m.Nick] = answer{option: option, at: now}
	c.changed()
	return nil
}

// asking runs a presenter's action on the poll being asked (open or
// locked), under the class's lock; the class has changed when it succeeds.
func (c *Class) asking(by ID, act func(p *poll) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.presenter(by); err != nil {
		return err
	}
	p, err := c.currentIn(Open, Locked)
	if err != nil {
		return err
	}
	if err := act(p); err != nil {
		return err
	}
	c.changed()
	return nil
}

// Lock stops the answers of the current vote, or lets them change again.
func (c *Class) Lock(by ID) error {
	return c.asking(by, func(p *poll) error {
		if p.state == Open {
			p.state = Locked
		} else {
			p.state = Open
		}
		return nil
	})
}

// Revote starts the second vote on the current question, after the class
// has discussed it: the first vote's answers are kept apart, and the reveal
// shows both.
func (c *Class) Revote(by ID) error {
	return c.asking(by, func(p *poll) error {
		if len(p.votes) >= MaxVotes {
			return fmt.Errorf("this question has had its %d votes: R reveals it", MaxVotes)
		}
		p.votes = append(p.votes, newRound())
		p.state, p.failure = Open, ""
		return nil
	})
}

// Reveal locks the answers and reveals the distribution, the right answer
// and its explanation. For a question an experiment decides, the poll
// measures first: Reveal returns the question to run (the caller runs it on
// the live system and reports with Progress and Measured) and the reveal
// comes with the verdict.
func (c *Class) Reveal(by ID) (experiment *quiz.Item, seq int, err error) {
	err = c.asking(by, func(p *poll) error {
		seq, p.failure = p.seq, ""
		if p.item.Judged() {
			p.state, p.progress = Measuring, "starting the experiment..."
			it := p.item
			experiment = &it
			return nil
		}
		p.state, p.correct = Revealed, p.item.Correct()
		return nil
	})
	return experiment, seq, err
}

// Progress is what the experiment of poll seq is doing now.
func (c *Class) Progress(seq int, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.poll(seq); p != nil && p.state == Measuring {
		p.progress = text
		c.changed()
	}
}

// Measured ends the experiment of poll seq: its verdict reveals the poll;
// an error puts it back to locked, with the reason on screen, to try again.
func (c *Class) Measured(seq int, v quiz.Verdict, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.poll(seq)
	if p == nil || p.state != Measuring {
		return
	}
	p.progress = ""
	if err != nil {
		p.state, p.failure = Locked, err.Error()
	} else {
		p.state, p.correct, p.evidence = Revealed, p.item.Shown(v.Correct), v.Evidence
	}
	c.changed()
}

func (c *Class) poll(seq int) *poll {
	if seq < 1 || seq > len(c.polls) {
		return nil
	}
	return c.polls[seq-1]
}

// PollView is a poll as one member sees it. A student's view carries no
// counts before the reveal, so no screen can show the class's answers early
// (herding); a presenter's always does, to show on a key.
type PollView struct {
	Seq      int // 1, 2 ... in the class
	ID       string
	Topic    string
	Prompt   string
	Options  []string // in the order shown: A, B ...
	Judged   bool     // an experiment on the live system decides
	State    PollState
	Vote     int // the vote under way or last: 1, or 2 after discussion
	Answered int // answers in that vote
	Of       int // students connected, and any who answered and left
	// Mine is the member's answer in each vote so far (-1: none).
	Mine []int
	// Counts is, per vote, the answers per option.
	Counts [][]int
	// Correct is the right option's position once revealed, else -1.
	Correct int
	// Explanations, once revealed, say why each option is right or not.
	Explanations []string
	Evidence     string // what the experiment measured
	Progress     string // what the experiment is doing
	Failure      string // why the experiment could not run
}

// Revealed reports whether the reveal has happened.
func (v *PollView) Revealed() bool { return v.State == Revealed }

// pollView is p as member me sees it; c.mu is held.
func (c *Class) pollView(p *poll, me Member) PollView {
	it := p.item
	v := PollView{Seq: p.seq, ID: it.Question.ID, Topic: it.Topic(), Prompt: it.Prompt(), Judged: it.Judged(),
		State: p.state, Vote: len(p.votes), Correct: -1, Progress: p.progress, Failure: p.failure}
	for _, o := range it.Options() {
		v.Options = append(v.Options, o.Text)
	}
	last := p.votes[len(p.votes)-1]
	v.Answered = len(last.answers)
	v.Of = v.Answered
	for _, m := range c.students() {
		if _, ok := last.answers[m.Nick]; !ok {
			v.Of++
		}
	}
	for _, r := range p.votes {
		mine := -1
		if a, ok := r.answers[me.Nick]; ok && me.Role == Student {
			mine = a.option
		}
		v.Mine = append(v.Mine, mine)
	}
	if p.state == Revealed || me.Role == Presenter {
		for _, r := range p.votes {
			counts := make([]int, it.Len())
			for _, a := range r.answers {
				counts[a.option]++
			}
			v.Counts = append(v.Counts, counts)
		}
	}
	if p.state == Revealed {
		v.Correct, v.Evidence = p.correct, p.evidence
		for _, o := range it.Options() {
			v.Explanations = append(v.Explanations, o.Explanation)
		}
	}
	return v
}
