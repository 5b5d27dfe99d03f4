package experiment

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/archex/archex/engine"
	"github.com/archex/archex/quiz"
)

// Trial is an experiment between its baseline and its measurement: the
// system made healthy and steady, the baseline measured, the question asked
// (Problem), waiting for the learner's prediction. It is a quiz.Trial. Its
// methods are safe to call from several goroutines; Measure and Close wait
// for each other.
type Trial struct {
	e     *Experiment
	lab   Lab
	found engine.Settings // the lab's, before the experiment
	// asked are the settings the baseline was measured under: what
	// Measure starts from, whatever happened to the lab in between.
	asked   engine.Settings
	problem quiz.Problem
	began   time.Time

	mu       sync.Mutex
	r        *run
	m        Measurement
	result   *Result
	finished bool
	closeLab func() error // a fresh lab's, closed at the end
}

var _ quiz.Trial = (*Trial)(nil)

// Start begins the experiment on lab: it makes the system healthy (what is
// down is revived, what is slowed or failing healed, the breaker and
// singleflight switched on, load shedding off, the traffic resumed and made
// steady at MinRate or more, and what the experiment needs besides; Preview
// says which of these it will do), waits for a steady state, measures the
// baseline and asks its question. progress is told what is happening, a few
// words at a time; it may be nil, and it is not called after Start returns.
// Close the trial when done: Measure or Close puts the lab's settings back
// as Start found them (engine.Settings), even after a cancel. A start that
// fails has put them back already and returns a *RunError.
func (e *Experiment) Start(ctx context.Context, lab Lab, progress func(string)) (*Trial, error) {
	t := &Trial{e: e, lab: lab, began: time.Now(), r: &run{ctx: ctx, lab: lab, say: orNothing(progress)}}
	t.found = lab.Settings()
	fail := func(err error) (*Trial, error) {
		t.finish()
		return nil, &RunError{ID: e.ID(), Err: err}
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if err := t.r.prepare(e); err != nil {
		return fail(err)
	}
	if err := e.baseline(t.r, &t.m); err != nil {
		return fail(err)
	}
	t.problem = e.ask(t.m)
	t.asked = lab.Settings()
	t.r.say = orNothing(nil) // the caller's progress ends with Start
	return t, nil
}

// StartFresh starts the experiment on a fresh system of its own (NewLab),
// which the trial closes when it ends.
func StartFresh(ctx context.Context, e *Experiment, progress func(string)) (*Trial, error) {
	progress = orNothing(progress)
	if err := ctx.Err(); err != nil {
		return nil, &RunError{ID: e.ID(), Err: err}
	}
	progress(fmt.Sprintf("starting a fresh system (load balancer, gateway, 3 service replicas, cache, database, queue, worker) with %d requests/s...", DefaultRate))
	lab, err := NewLab(uint64(time.Now().UnixNano()))
	if err != nil {
		return nil, &RunError{ID: e.ID(), Err: fmt.Errorf("the system did not start: %w", err)}
	}
	t, err := e.Start(ctx, lab, progress)
	if err != nil {
		lab.Close()
		return nil, err
	}
	t.closeLab = lab.Close
	return t, nil
}

// RunFresh runs the experiment on a fresh system of its own from its
// baseline to its end, and closes the system.
func RunFresh(ctx context.Context, e *Experiment, progress func(string)) (Result, error) {
	t, err := StartFresh(ctx, e, progress)
	return t.complete(ctx, progress, err)
}

// complete measures a trial that started (err nil) and closes it.
func (t *Trial) complete(ctx context.Context, progress func(string), err error) (Result, error) {
	if err != nil {
		return Result{}, err
	}
	defer t.Close()
	if _, _, err := t.Measure(ctx, progress); err != nil {
		return Result{}, err
	}
	return t.Result(), nil
}

// Problem is the question to ask: the baseline, and what to predict, with
// the tolerance; its Answer is NaN until Measure.
func (t *Trial) Problem() quiz.Problem { return t.problem }

// Baseline is what the baseline measured.
func (t *Trial) Baseline() Measurement {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m
}

// Measure acts and measures, puts the lab's settings back as Start found
// them, and grades: it returns the question with the measured answer and
// why it came out so, and the evidence. The lab may have been changed since
// the baseline (a learner on the dashboard killing something while
// thinking): it is set back to the baseline's settings first, and that is
// said.
func (t *Trial) Measure(ctx context.Context, progress func(string)) (quiz.Problem, string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.finished {
		return quiz.Problem{}, "", &RunError{ID: t.e.ID(), Err: errors.New("the experiment has ended already")}
	}
	t.r.ctx, t.r.say = ctx, orNothing(progress)
	defer t.finish()
	fail := func(err error) (quiz.Problem, string, error) {
		return quiz.Problem{}, "", &RunError{ID: t.e.ID(), Err: err}
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if changes := t.lab.Settings().Changes(t.asked); len(changes) > 0 {
		t.r.say("the system changed since the baseline; setting it back: " + strings.Join(changes, ", "))
		if err := t.lab.Restore(t.asked); err != nil {
			return fail(fmt.Errorf("could not set the system back to its baseline: %w", err))
		}
	}
	if err := t.e.act(t.r, &t.m); err != nil {
		return fail(err)
	}
	outcome, v := t.e.Grade(t.m)
	p := t.e.explain(t.m, outcome)
	t.result = &Result{ID: t.e.ID(), Outcome: outcome, Verdict: v, Measurement: t.m, Problem: p, Took: time.Since(t.began)}
	return p, v.Evidence, nil
}

// Result is the graded experiment, once measured; zero before.
func (t *Trial) Result() Result {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.result == nil {
		return Result{}
	}
	return *t.result
}

// Close ends the trial: what the experiment changed is put back, if Measure
// has not, and a fresh system is closed. It is safe to call more than once.
func (t *Trial) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.r.say = orNothing(nil)
	t.finish()
}

// finish puts back what the experiment changed, then the settings it found,
// and closes a fresh lab; once. t.mu is held, or t is not shared yet.
func (t *Trial) finish() {
	if t.finished {
		return
	}
	t.finished = true
	err := t.r.undoAll()
	if changes := t.lab.Settings().Changes(t.found); len(changes) > 0 {
		t.r.say("putting back what it found: " + strings.Join(changes, ", "))
		err = errors.Join(err, t.lab.Restore(t.found))
	}
	if err != nil {
		t.r.say(fmt.Sprintf("could not put everything back: %v", err))
	}
	if t.closeLab != nil {
		t.closeLab()
	}
}

func orNothing(f func(string)) func(string) {
	if f == nil {
		return func(string) {}
	}
	return f
}
