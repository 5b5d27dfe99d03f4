package quiz

import (
	"context"
	"strings"

	"github.com/archex/archex/card"
)

// Item is one question as a session asks it: its options in the order
// shown, or the numbers drawn for it.
type Item struct {
	Question card.Question
	// order[shown] is the index in Question.Options of the option shown
	// at position shown (A is 0).
	order []int
	// Problem is what a numeric question drew for this attempt; nil for a
	// question with options. Its Prompt is the question to show.
	Problem *Problem
	// Status is where the question stood when the session began: new, due,
	// or learning or mastered (asked before it is due, so a right answer
	// does not move it up).
	Status Status
	// Again marks a question asked a second time in the session, after a
	// miss.
	Again bool
}

// Numeric reports whether the item is answered by typing a number.
func (it Item) Numeric() bool { return it.Problem != nil }

// Prompt is the question to show.
func (it Item) Prompt() string {
	if it.Problem != nil {
		return it.Problem.Prompt
	}
	return it.Question.Prompt
}

// Ahead reports whether the question is asked before it is due: a right
// answer counts but does not move it up (see Progress.Record).
func (it Item) Ahead() bool { return it.Status == StatusLearning || it.Status == StatusMastered }

// Len is the number of options (0 for a numeric question).
func (it Item) Len() int { return len(it.order) }

// Option returns the option shown at position shown.
func (it Item) Option(shown int) card.Option { return it.Question.Options[it.order[shown]] }

// Options returns the options in the order shown.
func (it Item) Options() []card.Option {
	out := make([]card.Option, len(it.order))
	for i := range it.order {
		out[i] = it.Option(i)
	}
	return out
}

// Correct returns the shown position of the option marked correct, or -1
// when the question's answer is decided at run time.
func (it Item) Correct() int { return it.Shown(it.Question.Answer()) }

// Shown returns where the option at index i of Question.Options is shown,
// or -1.
func (it Item) Shown(i int) int {
	for s, o := range it.order {
		if o == i {
			return s
		}
	}
	return -1
}

// Judged reports whether the question is an experiment, whose answer is
// measured on the live system at run time (see Trial; a class poll takes
// its option from a Judge), rather than marked in its data.
func (it Item) Judged() bool { return it.Problem == nil && it.Correct() < 0 }

// Topic is the question's topic, "general" when it has none (a card's
// question may not say).
func (it Item) Topic() string {
	if t := strings.TrimSpace(it.Question.Topic); t != "" {
		return t
	}
	return "general"
}

// Verdict is the correct option of an experiment question, decided at run
// time from its measurements: a class poll (package classroom) is graded so,
// with letters. A quiz asks the same experiment for a number (see Trial).
type Verdict struct {
	// Correct is the index in Question.Options (data order, not shown
	// order) of the option the measurements bear out.
	Correct int
	// Evidence says what was measured, for the feedback ("DB queries/s
	// went from 21 to 187").
	Evidence string
}

// Judge runs the experiment behind a question graded at run time, from its
// baseline to the end, and decides which option its measurements bear out,
// for a class poll. It reports what it is doing to progress, a few words at
// a time; it stops when ctx ends. An error means the experiment could not
// run, and nothing is graded. quiz/experiment provides judges.
type Judge func(ctx context.Context, it Item, progress func(string)) (Verdict, error)

// Answer is the learner's answer to one item, graded.
type Answer struct {
	Item    Item
	Chosen  int // shown position of the option chosen; -1 for a number
	Correct int // shown position of the right option; -1 for a number
	// Value is the number typed, for a numeric question.
	Value float64
	// Evidence is what was measured, for an experiment.
	Evidence string
	// Seq is the answer's place in the session, from 0: a question asked
	// again has two answers.
	Seq int
}

// Right reports whether the answer was right: the right option, or a
// number within the problem's tolerance.
func (a Answer) Right() bool {
	if a.Item.Problem != nil {
		return a.Item.Problem.Accepts(a.Value)
	}
	return a.Chosen == a.Correct
}
