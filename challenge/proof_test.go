package challenge

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/engine"
)

// The short form scales every challenge's times by shortScale (the rates
// stay): the default test run proves each shipped challenge in a few
// seconds. ARCHEX_CHALLENGES_FULL=1 runs the windows as written.
const shortScale = 0.2

// attempt runs a challenge headless with the levers given and returns the
// verdict.
func attempt(t *testing.T, c *Challenge, levers []engine.Fault, opts Options) Verdict {
	t.Helper()
	s, err := New(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, l := range levers {
		if err := s.Turn(l); err != nil {
			t.Fatalf("lever %q: %v", l.Text, err)
		}
	}
	if s.Spent() > c.Budget {
		t.Fatalf("spent %d of a budget of %d", s.Spent(), c.Budget)
	}
	s.Go()
	ctx, cancel := context.WithTimeout(context.Background(), c.Goal.Total()+30*time.Second)
	defer cancel()
	v, err := s.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func readings(v Verdict) string {
	var parts []string
	for _, r := range v.Readings {
		mark := "✗"
		if r.Met {
			mark = "✓"
		}
		parts = append(parts, mark+" "+r.Condition.Text+": "+r.String())
	}
	return strings.Join(parts, "; ")
}

// Every shipped challenge is solvable within its budget (its reference
// solution passes) and fails when nothing is done.
func TestEveryShippedChallengeIsProven(t *testing.T) {
	if testing.Short() || raceDetector {
		t.Skip("runs the system under load for every challenge")
	}
	scale, form := shortScale, "short"
	if os.Getenv("ARCHEX_CHALLENGES_FULL") != "" {
		scale, form = 1, "full"
	}
	only := os.Getenv("ARCHEX_CHALLENGE") // one challenge by id, for calibrating
	repeat, _ := strconv.Atoi(os.Getenv("ARCHEX_CHALLENGE_REPEAT"))
	for _, c := range Shipped().Challenges {
		if only != "" && c.ID != only {
			continue
		}
		t.Run(c.ID, func(t *testing.T) {
			for range max(repeat, 1) {
				start := time.Now()
				ref := attempt(t, c, c.Solution, Options{Scale: scale})
				t.Logf("%s form, reference %v: %s (%v)", form, texts(c.Solution), readings(ref), time.Since(start).Round(100*time.Millisecond))
				if !ref.Passed {
					t.Errorf("the reference solution %v failed: %s", texts(c.Solution), readings(ref))
				}
				start = time.Now()
				empty := attempt(t, c, nil, Options{Scale: scale, StopEarly: true})
				t.Logf("%s form, nothing done: %s (%v)", form, readings(empty), time.Since(start).Round(100*time.Millisecond))
				if empty.Passed {
					t.Errorf("doing nothing passed: %s", readings(empty))
				}
			}
		})
	}
}

func texts(fs []engine.Fault) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Text)
	}
	return out
}
