package quiz

import (
	"context"
	"errors"
	"fmt"
)

// An experiment question (Item.Judged) is answered with a number predicted
// from the live system: the learner sees the system's steady baseline
// ("23 database reads/s at 87 % cache hits"), predicts what an action will
// make of it ("how many after the kill?"), and the experiment measures it.
// The prediction is graded like a numeric question, against the measured
// number with the stated tolerance, and the feedback explains the gap from
// the measured numbers. quiz/experiment runs the experiments; here they are
// a Trial in two steps, so that a front end can ask the learner in between.

// Trial is an experiment under way: the system made healthy, warmed up and
// steady, its baseline measured, waiting for the learner's prediction.
type Trial interface {
	// Problem is the question to ask: its Prompt states the baseline, its
	// Unit and tolerance say how a prediction is graded; its Answer is not
	// known yet (NaN) and it has no Method.
	Problem() Problem
	// Measure acts on the system and measures: it returns the problem with
	// its Answer (the measured number) and its Method (why it came out so,
	// from the measured numbers), and the evidence, what was measured in a
	// sentence. It puts back what it changed before it returns, reporting
	// to progress. It stops when ctx ends.
	Measure(ctx context.Context, progress func(string)) (Problem, string, error)
	// Close ends the trial: it puts back what the experiment changed, if
	// Measure has not, and frees its system. It is safe to call more than
	// once and after Measure; call it when done, measured or not.
	Close()
}

// Experimenter starts the trial behind an experiment's question, reporting
// what it does to progress a few words at a time. An error means the
// experiment could not start, and nothing is graded. quiz/experiment
// provides experimenters (a fresh system each time, or the dashboard's).
type Experimenter func(ctx context.Context, it Item, progress func(string)) (Trial, error)

// AnswerMeasured answers the current question, an experiment, with the
// prediction v, graded against p, the problem its trial measured (see
// Trial.Measure), and moves on. The answer's item carries p, so it is shown
// and reviewed like a numeric question's.
func (s *Session) AnswerMeasured(v float64, p Problem, evidence string) (Answer, error) {
	it, ok := s.Current()
	if !ok {
		return Answer{}, errors.New("the session is over: no question to answer")
	}
	if !it.Judged() {
		return Answer{}, fmt.Errorf("question %q is not an experiment: nothing measures its answer", it.Question.ID)
	}
	p.Measured = true
	it.Problem = &p
	return s.record(Answer{Item: it, Chosen: -1, Correct: -1, Value: v, Evidence: evidence}), nil
}
