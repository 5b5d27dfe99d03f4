// Package experiment is the quiz's "predict, then observe" questions, asked
// as quantitative predictions: an experiment measures the live system's
// steady baseline ("23 database reads/s at 87 % cache hits"), the learner
// predicts a number from it ("how many after the kill?"), the experiment
// acts on the real engine (kill the cache, kill the worker for 6 s, slow a
// replica, ...), measures, grades the prediction against the measurement
// with a stated tolerance, and explains the gap from the measured numbers
// ("152, below 23 / 0.13 = 177, because singleflight merged misses"). A
// class poll asks the same experiment with letters: each experiment also
// decides which of its question's options its measurements bear out.
//
// An experiment is a question (card.Question, no option marked correct; the
// text is data, in experiments.yaml, with the ids of the bank's questions
// on the same idea) and a script: start from a healthy system with traffic,
// wait for a steady state and measure it, then act, measure and undo what it
// did. Measurements are medians of whole seconds from the engine's
// per-second history, so that one noisy second on a busy machine does not
// decide anything; thresholds sit far from the values the architecture
// produces.
//
// The script drives a Lab, the part of *engine.Engine it needs, so that the
// dashboard runs an experiment on the engine it shows (the learner watches it
// happen) and `archex quiz` runs it on a fresh engine of its own. A Trial is
// an experiment between its baseline and its measurement, which is where the
// learner predicts (quiz.Trial); Run does both at once, for a class poll.
// Nothing here draws.
package experiment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/components/traffic"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/quiz"
)

// Lab is the running system an experiment acts on and measures: the subset
// of *engine.Engine it needs. Run one experiment at a time on a lab.
type Lab interface {
	Snapshot() *engine.Snapshot
	TracesSince(cursor uint64, max int) ([]engine.Trace, uint64)
	Kill(target string) error
	Revive(target string) error
	Slow(target string, d time.Duration) error
	Heal(target string) error
	SetBreaker(on bool)
	SetSingleflight(on bool)
	SetShedding(on bool)
	SetAlgorithm(a loadbalancer.Algorithm) error
	SetRate(rps float64)
	SetPaused(paused bool)
	SetPattern(p traffic.Pattern)
	Send(ctx context.Context, req engine.Request, waitAsync bool) (engine.Trace, error)
	// Settings and Restore let an experiment put back everything it
	// changed, however the lab was set when it started.
	Settings() engine.Settings
	Restore(s engine.Settings) error
}

var _ Lab = (*engine.Engine)(nil)

// Experiment is one "predict, then observe" question and the script that
// answers it.
type Experiment struct {
	// Question is what a class is asked, with an option for each outcome.
	// No option is marked correct: the measurements decide (see Grade).
	Question card.Question
	// Outcomes[i] names what option i of Question.Options stands for, as
	// the grader decides it ("rise", "same", ...).
	Outcomes []string
	// Related are the ids of the bank's questions on the same idea, shown
	// with the explanation.
	Related []string
	// Needs are the components the experiment acts on, as chaos names them.
	Needs []string
	// Acts says what the experiment does to the system, in a few words
	// ("kills the cache for about 4 s, then revives it"): Preview shows it
	// before it runs.
	Acts string

	script
}

// ID is the question's id.
func (e *Experiment) ID() string { return e.Question.ID }

// Grade decides from measurements which option was right: always exactly
// one. outcome is the option's name in Outcomes; the verdict's Evidence says
// what was measured.
func (e *Experiment) Grade(m Measurement) (outcome string, v quiz.Verdict) {
	outcome, evidence := e.grade(m)
	for i, o := range e.Outcomes {
		if o == outcome {
			return outcome, quiz.Verdict{Correct: i, Evidence: evidence}
		}
	}
	// The tests check every grader against its options; this is a bug.
	panic(fmt.Sprintf("experiment %s: grader decided %q, which no option stands for", e.ID(), outcome))
}

// Result is a finished experiment.
type Result struct {
	ID          string
	Outcome     string       // the option the measurements bear out, by name
	Verdict     quiz.Verdict // the same option, by index, and the evidence
	Measurement Measurement
	// Problem is the prediction's question with the measured answer and
	// why it came out so.
	Problem quiz.Problem
	Took    time.Duration
}

// RunError is an experiment that could not run to the end, so nothing was
// graded: the system could not start, lacks a component the experiment
// needs, stopped counting seconds, or the run was cancelled.
type RunError struct {
	ID  string
	Err error
}

func (e *RunError) Error() string { return fmt.Sprintf("experiment %s could not run: %v", e.ID, e.Err) }
func (e *RunError) Unwrap() error { return e.Err }

// Run runs the experiment on lab from its baseline to its end (Start, then
// Measure) and grades it: a class poll's way, with no prediction asked in
// between. progress is told what is happening, a few words at a time; it
// may be nil. When it ends, even when ctx is cancelled, the lab's settings
// are as it found them (see Start). A run that fails returns a *RunError
// and no verdict.
func (e *Experiment) Run(ctx context.Context, lab Lab, progress func(string)) (Result, error) {
	t, err := e.Start(ctx, lab, progress)
	return t.complete(ctx, progress, err)
}

// All returns the experiments, in the order of experiments.yaml.
func All() []*Experiment { return append([]*Experiment(nil), experiments...) }

// Lookup finds an experiment by its question's id.
func Lookup(id string) (*Experiment, bool) {
	for _, e := range experiments {
		if e.ID() == id {
			return e, true
		}
	}
	return nil, false
}

// Questions returns the experiments' questions, for quiz.Config.Experiments.
func Questions() []card.Question {
	qs := make([]card.Question, len(experiments))
	for i, e := range experiments {
		qs[i] = e.Question
	}
	return qs
}

// DefaultRate is the traffic, in requests per second, an experiment runs
// under: a fresh lab's rate, and the rate set on a lab whose traffic is
// slower than MinRate (restored afterwards).
const (
	DefaultRate = 200
	MinRate     = 100
)

// NewLab starts a fresh system of the production card with traffic at
// DefaultRate. Close it when done.
func NewLab(seed uint64) (*engine.Engine, error) {
	e, err := engine.New(engine.Options{Seed: seed, Rate: DefaultRate})
	if err != nil {
		return nil, err
	}
	e.Start()
	return e, nil
}

// ErrNotAnExperiment is returned for a question no experiment answers.
var ErrNotAnExperiment = errors.New("no experiment answers this question")

func lookupItem(it quiz.Item) (*Experiment, error) {
	e, ok := Lookup(it.Question.ID)
	if !ok {
		return nil, fmt.Errorf("question %q: %w", it.Question.ID, ErrNotAnExperiment)
	}
	return e, nil
}

// Trials is the quiz.Experimenter `archex quiz` uses: each experiment on a
// fresh system of its own (StartFresh).
func Trials(ctx context.Context, it quiz.Item, progress func(string)) (quiz.Trial, error) {
	e, err := lookupItem(it)
	if err != nil {
		return nil, err
	}
	t, err := StartFresh(ctx, e, progress)
	if err != nil {
		return nil, err // not a nil *Trial in an interface
	}
	return t, nil
}

// TrialsOn returns a quiz.Experimenter that runs experiments on lab, such as
// the engine a dashboard shows.
func TrialsOn(lab Lab) quiz.Experimenter {
	return func(ctx context.Context, it quiz.Item, progress func(string)) (quiz.Trial, error) {
		e, err := lookupItem(it)
		if err != nil {
			return nil, err
		}
		t, err := e.Start(ctx, lab, progress)
		if err != nil {
			return nil, err
		}
		return t, nil
	}
}

// JudgeOn returns a quiz.Judge that runs experiments on lab from baseline
// to end (Run), for a class poll on the shared system.
func JudgeOn(lab Lab) quiz.Judge {
	return func(ctx context.Context, it quiz.Item, progress func(string)) (quiz.Verdict, error) {
		e, err := lookupItem(it)
		if err != nil {
			return quiz.Verdict{}, err
		}
		res, err := e.Run(ctx, lab, progress)
		return res.Verdict, err
	}
}
