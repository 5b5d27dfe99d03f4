// Package experiment is the quiz's "predict, then observe" questions: the
// learner predicts what an action on the live system will do (kill the cache,
// kill the worker for 6 s, kill one of three replicas, ...), then the
// experiment runs on a real engine, measures, and a grader decides from the
// measured numbers which option was right and says what was measured ("DB
// reads/s went from 31 to 152").
//
// An experiment is a question (card.Question, no option marked correct; the
// text is data, in experiments.yaml) and a script: make sure the system is
// healthy and has traffic, warm up, measure a baseline, act, measure, undo
// what it did. Measurements are medians of whole seconds from the engine's
// per-second history, so that one noisy second on a busy machine does not
// decide anything; thresholds sit far from the values the architecture
// produces.
//
// The script drives a Lab, the part of *engine.Engine it needs, so that the
// dashboard runs an experiment on the engine it shows (the learner watches it
// happen) and `archex quiz` runs it on a fresh engine of its own (RunFresh,
// Judge). Nothing here draws.
package experiment

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/traffic"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/quiz"
)

// Lab is the running system an experiment acts on and measures: the subset
// of *engine.Engine it needs. Run one experiment at a time on a lab.
type Lab interface {
	Snapshot() *engine.Snapshot
	Kill(target string) error
	Revive(target string) error
	Heal(target string) error
	SetBreaker(on bool)
	SetSingleflight(on bool)
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
	// Question is what the learner is asked. No option is marked correct:
	// the measurements decide (see Grade).
	Question card.Question
	// Outcomes[i] names what option i of Question.Options stands for, as
	// the grader decides it ("rise", "same", ...).
	Outcomes []string
	// Needs are the components the experiment acts on, as chaos names them.
	Needs []string
	// Acts says what the experiment does to the system, in a few words
	// ("kills the cache for 3 s, then revives it"): Preview shows it
	// before it runs.
	Acts string

	script func(r *run) (Measurement, error)
	grade  func(m Measurement) (outcome, evidence string)
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
	Took        time.Duration
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

// Run runs the experiment on lab and grades it. progress is told what is
// happening, a few words at a time ("killing the cache...", "measuring 3 s
// with the cache down..."); it may be nil. An experiment starts from a
// healthy system with steady traffic of MinRate or more: what is down is
// revived, what is slowed or failing healed, the breaker and singleflight
// switched on, the traffic resumed and made steady (Preview says which of
// these it will do). When it ends, even when ctx is cancelled, it puts the
// lab's settings back as it found them (engine.Settings): what it revived
// is killed again, the switches and the traffic are as they were. A run
// that fails returns a *RunError and no verdict.
func (e *Experiment) Run(ctx context.Context, lab Lab, progress func(string)) (res Result, err error) {
	if progress == nil {
		progress = func(string) {}
	}
	start := time.Now()
	r := &run{ctx: ctx, lab: lab, say: progress}
	found := lab.Settings()
	defer func() {
		uerr := r.undoAll()
		if changes := lab.Settings().Changes(found); len(changes) > 0 {
			progress("putting back what it found: " + strings.Join(changes, ", "))
			uerr = errors.Join(uerr, lab.Restore(found))
		}
		if uerr != nil {
			progress(fmt.Sprintf("could not put everything back: %v", uerr))
		}
	}()
	if err := ctx.Err(); err != nil {
		return Result{}, &RunError{ID: e.ID(), Err: err}
	}
	if err := r.prepare(e.Needs); err != nil {
		return Result{}, &RunError{ID: e.ID(), Err: err}
	}
	m, err := e.script(r)
	if err != nil {
		return Result{}, &RunError{ID: e.ID(), Err: err}
	}
	outcome, v := e.Grade(m)
	return Result{ID: e.ID(), Outcome: outcome, Verdict: v, Measurement: m, Took: time.Since(start)}, nil
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

// RunFresh runs the experiment on a fresh system of its own (NewLab), and
// closes it.
func RunFresh(ctx context.Context, e *Experiment, progress func(string)) (Result, error) {
	if progress == nil {
		progress = func(string) {}
	}
	if err := ctx.Err(); err != nil {
		return Result{}, &RunError{ID: e.ID(), Err: err}
	}
	progress(fmt.Sprintf("starting a fresh system (load balancer, gateway, 3 service replicas, cache, database, queue, worker) with %d requests/s...", DefaultRate))
	lab, err := NewLab(uint64(time.Now().UnixNano()))
	if err != nil {
		return Result{}, &RunError{ID: e.ID(), Err: fmt.Errorf("the system did not start: %w", err)}
	}
	defer lab.Close()
	return e.Run(ctx, lab, progress)
}

// ErrNotAnExperiment is returned by a Judge asked about a question no
// experiment answers.
var ErrNotAnExperiment = errors.New("no experiment answers this question")

// Judge grades an experiment question on a fresh system (RunFresh): it is
// the quiz.Judge `archex quiz` uses.
func Judge(ctx context.Context, it quiz.Item, progress func(string)) (quiz.Verdict, error) {
	e, ok := Lookup(it.Question.ID)
	if !ok {
		return quiz.Verdict{}, fmt.Errorf("question %q: %w", it.Question.ID, ErrNotAnExperiment)
	}
	res, err := RunFresh(ctx, e, progress)
	return res.Verdict, err
}

// JudgeOn returns a quiz.Judge that runs experiments on lab, such as the
// engine a dashboard shows.
func JudgeOn(lab Lab) quiz.Judge {
	return func(ctx context.Context, it quiz.Item, progress func(string)) (quiz.Verdict, error) {
		e, ok := Lookup(it.Question.ID)
		if !ok {
			return quiz.Verdict{}, fmt.Errorf("question %q: %w", it.Question.ID, ErrNotAnExperiment)
		}
		res, err := e.Run(ctx, lab, progress)
		return res.Verdict, err
	}
}
