package experiment

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/quiz"
	"github.com/archex/archex/quiz/internal/giveaway"
)

// runs are measurements of live runs (go test -run TestExperimentsOnALiveSystem
// -v logs them), from which the predictions are asked and explained.
var runs = map[string]Measurement{
	"exp-cache-kill": {Before: reads(600, 0, 27).with(func(p *Phase) { p.HitRatio = 0.84 }), During: reads(540, 0, 142).with(func(p *Phase) { p.HitRatio = 0 })},
	"exp-worker-kill": {Before: phase(600, 0).with(func(p *Phase) { p.Jobs, p.Depth = 197, 2 }), During: phase(1064, 0),
		Sent: 1264, Peak: 1264, DrainedIn: 800 * time.Millisecond, Down: 6 * time.Second},
	"exp-replica-kill": {Before: p50(560, 0, 5).with(func(p *Phase) { p.Rate = 187 }), During: p50(598, 1, 4.7), After: p50(380, 0, 4.8), Healthy: 2, Replicas: 3},
	"exp-least-connections": {Before: phase(619, 0).with(func(p *Phase) { p.P99 = 73 }), During: phase(633, 0).with(func(p *Phase) { p.P99 = 58 }),
		SpreadBefore: Spread{Total: 619, Served: []int{206, 207, 206}, Mean: []float64{56, 6.1, 6.3}, Over: 205},
		SpreadDuring: Spread{Total: 633, Served: []int{70, 282, 281}, Mean: []float64{56, 6.3, 6.2}, Over: 70}},
	"exp-breaker-off": {Before: p50(400, 0, 13), During: p50(300, 0, 33.8), After: p50(300, 0, 15), Paired: 19, CacheTimeout: 10},
	"exp-database-kill": {Before: phase(600, 0).with(func(p *Phase) { p.HitRatio, p.Depth = 0.85, 2 }), Writes: 0.1, ReadHits: 0.92,
		During: phase(583, 97).with(func(p *Phase) { p.HitRatio, p.P99, p.MaxDepth = 0.84, 9.6, 498 })},
	"exp-overload": {Before: phase(2400, 0).with(func(p *Phase) { p.Rate, p.P99, p.DBQPS = 806, 45, 280 }), Writes: 0.1,
		Capacity: Capacity{Pool: 3, Statement: 8 * time.Millisecond},
		During:   phase(2454, 408).with(func(p *Phase) { p.P99, p.P50, p.DBQPS = 504, 129, 340 }),
		After:    phase(2200, 790).with(func(p *Phase) { p.P99, p.P50, p.Shed = 87, 30, 790 })},
	"exp-stampede": {Stampede: 100, MissesOff: 96, QueriesOff: 94, QueriesOn: 2, SlowestOff: 466 * time.Millisecond, Before: phase(400, 0)},
	"exp-queue-kill": {Before: p50(580, 0, 5.2).with(func(p *Phase) { p.Rate = 193 }), During: p50(670, 0, 3.7), After: p50(400, 0, 4.4), Down: 4100 * time.Millisecond,
		Events: EventBooks{Created: 873, Waiting: 868, Spool: 780, Outbox: 88, PublishedIn: 300 * time.Millisecond,
			Since: Books{Created: 1354, Processed: 1342, Queued: 12}}},
}

// From a measured run, each experiment asks a question that states its
// baseline and how it is graded, before the answer is known; then it gives
// the measured answer and explains it: the gap from the arithmetic, what
// happened in the words of the option the measurements bear out, and the
// bank's questions on the same idea. Its tolerance accepts the textbook
// prediction and rejects the misconception.
func TestPredictions(t *testing.T) {
	for _, e := range All() {
		m, ok := runs[e.ID()]
		if !ok {
			t.Errorf("%s: no measured run", e.ID())
			continue
		}
		asked := e.ask(m)
		if !math.IsNaN(asked.Answer) || !asked.Measured || asked.Method != nil || !strings.HasSuffix(asked.Prompt, "?") {
			t.Errorf("%s asks %+v", e.ID(), asked)
		}
		outcome, v := e.Grade(m)
		if outcome != expected[e.ID()] {
			t.Errorf("%s: the run decides %q, want %q", e.ID(), outcome, expected[e.ID()])
		}
		p := e.explain(m, outcome)
		if p.Prompt != asked.Prompt || math.IsNaN(p.Answer) || len(p.Method) < 4 {
			t.Errorf("%s explains %+v", e.ID(), p)
		}
		option := e.Question.Options[slices.Index(e.Outcomes, outcome)]
		method := strings.Join(p.Method, "\n")
		if !strings.Contains(method, "What happened: "+option.Text+". "+option.Explanation) || !strings.Contains(method, strings.Join(e.RelatedLines(), "\n")) {
			t.Errorf("%s: the explanation lacks what happened or the related questions:\n%s", e.ID(), method)
		}
		for _, text := range append([]string{p.Prompt, p.Within(), p.Range(), v.Evidence}, p.Method...) {
			if strings.Contains(text, "NaN") || strings.Contains(text, "%!") || strings.Contains(text, "n/a") || strings.Contains(text, "Inf") {
				t.Errorf("%s: %q", e.ID(), text)
			}
		}
		if want := e.Expect(m); !math.IsNaN(want) && !p.Accepts(want) {
			t.Errorf("%s: the textbook prediction %v is not accepted (%s measured, accepted %s)", e.ID(), want, p.Shown(), p.Range())
		}
		if wrong := misconceptions[e.ID()](m); p.Accepts(wrong) {
			t.Errorf("%s: the misconception %v is accepted (%s measured, accepted %s)", e.ID(), wrong, p.Shown(), p.Range())
		}
	}
}

// The example, word for word where it matters.
func TestPredictionOfTheCacheKill(t *testing.T) {
	e, _ := Lookup("exp-cache-kill")
	m := runs["exp-cache-kill"]
	p := e.explain(m, "rise")
	if want := "Now 27 reads/s reach the database, at 84 % cache hits (medians of the last 3 s). If you kill the cache, how many reads per second will reach the database?"; p.Prompt != want {
		t.Errorf("prompt\n got %q\nwant %q", p.Prompt, want)
	}
	if p.Within() != "a prediction within 40 % of the measured one counts" || p.Shown() != "142 reads/s" || p.Range() != "85.2 to 198.8 reads/s" {
		t.Errorf("graded as %q, %q, %q", p.Within(), p.Shown(), p.Range())
	}
	for _, want := range []string{
		"27 reads/s at 84 % hits means the service read 27 / (1 - 0.84) = 169 products a second.",
		"Measured 142, 16 % below: singleflight merged misses.",
	} {
		if !strings.Contains(strings.Join(p.Method, "\n"), want) {
			t.Errorf("the explanation lacks %q:\n%s", want, strings.Join(p.Method, "\n"))
		}
	}
}

// An experiment's options are a class poll's: they must not give the
// answer away either, with the option this architecture's measurements bear
// out marked right (package giveaway).
func TestNoGiveawaysInTheExperiments(t *testing.T) {
	var qs []card.Question
	for _, e := range All() {
		q := e.Question
		q.Options = slices.Clone(q.Options)
		q.Options[slices.Index(e.Outcomes, expected[e.ID()])].Correct = true
		qs = append(qs, q)
	}
	g := giveaway.Measure(qs)
	t.Logf("the experiments: %s", g)
	if g.Questions != len(qs) {
		t.Errorf("%d of %d questions measured", g.Questions, len(qs))
	}
	for _, p := range g.Problems() {
		t.Errorf("the experiments: %s", p)
	}
}

// A prediction is answered like a numeric question: the quiz grades it
// against the measured problem, and a miss is not asked again.
func TestAPredictionInASession(t *testing.T) {
	e, _ := Lookup("exp-worker-kill")
	m := runs["exp-worker-kill"]
	s, err := quiz.NewSession(quiz.Config{Set: quiz.SetExperiments, Experiments: []card.Question{e.Question}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.AnswerMeasured(1200, e.explain(m, "drain"), "queue depth rose from 2 to 1,264")
	if err != nil || !a.Right() || !s.Done() || quiz.MissLine(a) != "You predicted 1200; measured 1264 events" {
		t.Errorf("answer %+v, %v; done %v", a, err, s.Done())
	}
}
