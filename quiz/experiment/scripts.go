package experiment

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/archex/archex/engine"
	"github.com/archex/archex/quiz"
)

// script is the Go half of an experiment: what it needs, what it does, how
// it asks for a prediction and how it grades. The question is the data
// half, in experiments.yaml.
type script struct {
	acts  string // what it does to the system, for Preview
	needs []string
	// outcomes are every outcome the grader can decide; the question has
	// one option for each.
	outcomes []string
	// setup changes the settings the experiment starts from, beyond a
	// healthy system (see healthy); nil for none.
	setup func(*engine.Settings)
	// baseline waits for a steady state and measures what the learner
	// predicts from; act does the experiment and measures what it made of
	// it. Each puts back what it changed, or leaves an undo step.
	baseline, act func(r *run, m *Measurement) error
	grade         func(m Measurement) (outcome, evidence string)
	predict       prediction
}

// prediction is the number an experiment asks the learner to predict.
type prediction struct {
	unit string
	// tolerance is the relative error accepted, abs the absolute one,
	// whichever is larger (see quiz.Problem).
	tolerance, abs float64
	// ask writes the question from the baseline.
	ask func(m Measurement) string
	// answer is the measured number.
	answer func(m Measurement) float64
	// expect is what the textbook reasoning predicts from the baseline (nil
	// when none gives a number: the answer is a range), which the
	// explanation compares the measurement with.
	expect func(m Measurement) float64
	// why explains the measured number from the measured numbers, one
	// sentence a line.
	why func(m Measurement) []string
}

// The scripts, by question id.
var scripts = map[string]script{
	"exp-cache-kill": withActs(cacheKillScript, "kills the cache for about 3 s, then revives it (it comes back empty)", "cache", "database"),
	"exp-worker-kill": withActs(workerKillScript, fmt.Sprintf("kills the worker for %d s, then revives it", workerDown),
		"worker", "queue"),
	"exp-replica-kill": withActs(replicaKillScript, "kills replica 2 of the service for about 3 s, then revives it",
		"loadbalancer", "service-2"),
	"exp-least-connections": withActs(leastConnScript, fmt.Sprintf("slows replica 1 of the service by %s under round-robin, then switches the load balancer to least-connections for 3 s; then it heals the replica and switches back", msd(slowBy)),
		"loadbalancer", "service-1"),
	"exp-breaker-off": withActs(breakerOffScript, fmt.Sprintf("kills the cache, then, once you have predicted, switches the circuit breaker off and on every second for %d s; then it revives the cache (it comes back empty)", breakerSeconds),
		"cache", "database"),
	"exp-database-kill": withActs(databaseKillScript, "kills the database for about 3 s, then revives it",
		"database", "cache"),
	"exp-overload": withActs(overloadScript, fmt.Sprintf("sends %s requests/s, kills the cache for %d s, then switches load shedding on for %d s; then it switches shedding off, revives the cache and sets the rate back",
		num(overloadRate), overloadFor, overloadFor), "cache", "database"),
	"exp-stampede": withActs(stampedeScript, fmt.Sprintf("twice updates a rarely read product and sends %d reads of it at once: first with singleflight off, then, once you have predicted, on", stampede),
		"cache", "database"),
	"exp-queue-kill": withActs(queueKillScript, fmt.Sprintf("kills the queue for %d s, then revives it", queueDown), "queue"),
}

func withActs(s script, acts string, needs ...string) script {
	s.acts, s.needs = acts, needs
	return s
}

// ask is the prediction's question, from the baseline: its answer is not
// known yet.
func (e *Experiment) ask(m Measurement) quiz.Problem {
	p := e.predict
	return quiz.Problem{Prompt: p.ask(m), Answer: math.NaN(), Unit: p.unit, Tolerance: p.tolerance, Abs: p.abs, Measured: true}
}

// Expect is what the textbook reasoning predicts from the baseline in m;
// NaN when the experiment asks for a range that no arithmetic gives.
func (e *Experiment) Expect(m Measurement) float64 {
	if e.predict.expect == nil {
		return math.NaN()
	}
	return e.predict.expect(m)
}

// explain is the prediction's question with the measured answer and why it
// came out so: the gap from the measured numbers, then what happened in
// the words of the option it bears out, then the bank's questions on the
// same idea.
func (e *Experiment) explain(m Measurement, outcome string) quiz.Problem {
	p := e.ask(m)
	p.Answer = shown(e.predict.answer(m))
	p.Method = e.predict.why(m)
	if i := slices.Index(e.Outcomes, outcome); i >= 0 {
		o := e.Question.Options[i]
		p.Method = append(p.Method, "What happened: "+o.Text+". "+o.Explanation)
	}
	p.Method = append(p.Method, e.RelatedLines()...)
	return p
}

// shown rounds a measured number as it is shown and graded: whole from
// 100, one decimal from 1, two below (1,264 events, 33.8 ms, 0.17 %).
func shown(x float64) float64 {
	switch a := math.Abs(x); {
	case a >= 100:
		return math.Round(x)
	case a >= 1:
		return math.Round(10*x) / 10
	}
	return math.Round(100*x) / 100
}

// RelatedLines are the bank's questions on the same idea, for the
// explanation: a heading, then one line a question, with its id.
func (e *Experiment) RelatedLines() []string {
	if len(e.Related) == 0 {
		return nil
	}
	prompts := bankPrompts()
	lines := []string{"The same idea in the question bank (practice asks them):"}
	for _, id := range e.Related {
		lines = append(lines, "· "+prompts[id]+" ("+id+")")
	}
	return lines
}

// bankPrompts are the default bank's prompts by id, read once.
var bankPrompts = sync.OnceValue(func() map[string]string {
	out := map[string]string{}
	for _, q := range quiz.DefaultBank().Questions {
		out[q.ID] = strings.Join(strings.Fields(q.Prompt), " ")
	}
	return out
})
