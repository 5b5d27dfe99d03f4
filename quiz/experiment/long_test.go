package experiment

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Each experiment as `archex quiz` runs it: on a fresh system of its own at
// DefaultRate, one after another, ARCHEX_EXPERIMENTS times each (the
// medians are what the README reports):
//
//	ARCHEX_EXPERIMENTS=3 go test ./quiz/experiment -run TestEachExperimentFresh -v
//
// It asserts what the live test does (the outcome, the tolerance against
// the misconception); it is behind the variable because it takes about 15 s
// an experiment a run.
func TestEachExperimentFresh(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("ARCHEX_EXPERIMENTS"))
	if err != nil || n < 1 {
		t.Skip("set ARCHEX_EXPERIMENTS=N to run each experiment N times on a fresh system")
	}
	var table []string
	for _, e := range All() {
		var answers, expects, took []float64
		outcomes := map[string]int{}
		var last Result
		for range n {
			res, err := RunFresh(context.Background(), e, logger(t))
			if err != nil {
				t.Errorf("%s: %v", e.ID(), err)
				continue
			}
			last = res
			outcomes[res.Outcome]++
			answers = append(answers, res.Problem.Answer)
			expects = append(expects, e.Expect(res.Measurement))
			took = append(took, res.Took.Seconds())
			if res.Outcome != expected[e.ID()] {
				t.Errorf("%s decided %q, want %q: %s", e.ID(), res.Outcome, expected[e.ID()], res.Verdict.Evidence)
			}
			if wrong := misconceptions[e.ID()](res.Measurement); res.Problem.Accepts(wrong) {
				t.Errorf("%s: the misconception %v is accepted (%s measured)", e.ID(), wrong, res.Problem.Shown())
			}
		}
		if len(answers) == 0 {
			continue
		}
		expect := "-"
		if x := median(expects); !math.IsNaN(x) {
			expect = num(x)
		}
		table = append(table, fmt.Sprintf("| %s | %s | %s (%s–%s) | %s | %v | %.0f s |", e.ID(), within(last.Problem.Within()),
			num(median(answers)), num(minOf(answers)), num(maxOf(answers)), expect, outcomes, median(took)))
		t.Logf("%s, last run: %s\n  %s", e.ID(), last.Problem.Prompt, strings.Join(last.Problem.Method, "\n  "))
	}
	t.Logf("%d runs each, medians (range):\n| experiment | tolerance | measured | textbook | outcomes | took |\n|---|---|---|---|---|---|\n%s",
		n, strings.Join(table, "\n"))
}

// within shortens "a prediction within 25 % of the measured one counts" to
// "25 %".
func within(s string) string {
	s = strings.TrimPrefix(s, "a prediction within ")
	s, _, _ = strings.Cut(s, " of the measured one counts")
	return s
}

func minOf(xs []float64) float64 {
	m := math.Inf(1)
	for _, x := range xs {
		m = math.Min(m, x)
	}
	return m
}

func maxOf(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = math.Max(m, x)
	}
	return m
}
