package experiment

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
	"github.com/archex/archex/components/traffic"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/quiz"
)

// What this architecture does, as the experiments measure it.
var expected = map[string]string{
	"exp-cache-kill":    "rise",
	"exp-worker-kill":   "drain",
	"exp-replica-kill":  "unnoticed",
	"exp-breaker-off":   "slower",
	"exp-database-kill": "some",
	"exp-stampede":      "shared",
	"exp-queue-kill":    "kept",
}

func newLab(t *testing.T, opts engine.Options) *engine.Engine {
	t.Helper()
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	e, err := engine.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// logger passes an experiment's progress to the test log, timed.
func logger(t *testing.T) func(string) {
	start := time.Now()
	return func(s string) { t.Logf("%5.1fs  %s", time.Since(start).Seconds(), s) }
}

// checkPrediction answers the experiment's question in a session, once with
// the option the measurements bore out and once with another: the first is
// right, the second wrong, and both show the evidence.
func checkPrediction(t *testing.T, e *Experiment, v quiz.Verdict) {
	t.Helper()
	for _, right := range []bool{true, false} {
		s, err := quiz.NewSession(quiz.Config{Set: quiz.SetExperiments, Experiments: []card.Question{e.Question}, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		it, _ := s.Current()
		decided := it.Shown(v.Correct)
		chosen := decided
		if !right {
			chosen = (decided + 1) % it.Len()
		}
		a, err := s.AnswerJudged(chosen, v)
		if err != nil {
			t.Fatal(err)
		}
		if a.Right() != right || a.Correct != decided || a.Evidence != v.Evidence {
			t.Errorf("predicting %s (%s) when the measurements decided %s: right=%v, correct=%s",
				quiz.Letter(chosen), it.Option(chosen).Text, quiz.Letter(decided), a.Right(), quiz.Letter(a.Correct))
		}
	}
}

// freshSnapshot waits for a snapshot taken after the call: the engine takes
// one ten times a second.
func freshSnapshot(t *testing.T, lab *engine.Engine) *engine.Snapshot {
	t.Helper()
	start := time.Now()
	for {
		s := lab.Snapshot()
		if !s.At.Before(start) {
			return s
		}
		if time.Since(start) > 2*time.Second {
			t.Fatal("the engine stopped taking snapshots")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkAsFound fails unless the lab's settings are as the experiment found
// them.
func checkAsFound(t *testing.T, lab *engine.Engine, found engine.Settings) {
	t.Helper()
	if got := lab.Settings(); !reflect.DeepEqual(got, found) {
		t.Errorf("after the experiment the settings changed: %s\n got %+v\nwant %+v", strings.Join(got.Changes(found), ", "), got, found)
	}
}

// Every experiment, on live systems, decides what this architecture does,
// and grades a right and a wrong prediction by it. The experiments run one
// after another on two labs, side by side, as they would on the dashboard's
// engine: each starts from what the last left. Lab B starts unhealthy (the
// traffic paused and in waves, the breaker off, the database slowed), which
// each experiment puts right for itself, then back as it found it.
func TestExperimentsOnALiveSystem(t *testing.T) {
	if testing.Short() {
		t.Skip("about 35 s of live experiments")
	}
	// Latency first, backlogs last: draining one takes the processor, and
	// the two labs share two cores (five times slower under -race).
	groups := [][]string{
		{"exp-replica-kill", "exp-cache-kill", "exp-stampede", "exp-worker-kill"},
		{"exp-breaker-off", "exp-queue-kill", "exp-database-kill"},
	}
	covered := map[string]bool{}
	for _, g := range groups {
		for _, id := range g {
			covered[id] = true
		}
	}
	for _, e := range All() {
		if !covered[e.ID()] || expected[e.ID()] == "" {
			t.Fatalf("%s is not run or has no expected outcome", e.ID())
		}
	}
	var mu sync.Mutex
	measured := map[string]string{}
	t.Cleanup(func() {
		for _, g := range groups {
			for _, id := range g {
				if m, ok := measured[id]; ok {
					t.Logf("%s: %s", id, m)
				}
			}
		}
	})
	for i, g := range groups {
		t.Run(string(rune('A'+i)), func(t *testing.T) {
			t.Parallel()
			var lab *engine.Engine
			if i == 0 {
				// The least traffic an experiment takes: two labs side
				// by side on a small machine.
				lab = newLab(t, engine.Options{Rate: MinRate})
				lab.Start()
			} else {
				lab = newLab(t, engine.Options{Rate: MinRate})
				lab.Start()
				lab.SetPaused(true)
				lab.SetPattern(traffic.Wave)
				lab.SetBreaker(false)
				if err := lab.Slow("database", 30*time.Millisecond); err != nil {
					t.Fatal(err)
				}
			}
			for _, id := range g {
				e, _ := Lookup(id)
				found := lab.Settings()
				res, err := e.Run(context.Background(), lab, logger(t))
				if err != nil {
					t.Fatalf("%s: %v", id, err)
				}
				mu.Lock()
				measured[id] = res.Took.Round(100*time.Millisecond).String() + ", " + res.Outcome + ": " + res.Verdict.Evidence
				mu.Unlock()
				if res.Outcome != expected[id] {
					t.Errorf("%s decided %q, want %q: %s", id, res.Outcome, expected[id], res.Verdict.Evidence)
				}
				if res.Took > 15*time.Second {
					t.Errorf("%s took %v; keep an experiment under 15 s", id, res.Took)
				}
				checkPrediction(t, e, res.Verdict)
				checkAsFound(t, lab, found)
				if i == 1 {
					s := freshSnapshot(t, lab)
					if !s.Requests.Paused || s.Requests.SetRate != MinRate || s.Requests.Pattern != traffic.Wave || s.Switches.Breaker {
						t.Errorf("%s left the traffic %+v and the breaker on=%v; want them paused with the wave pattern and off, as found", id, s.Requests, s.Switches.Breaker)
					}
					if db, _ := s.ByKind(card.KindDatabase); db.Slow != 30*time.Millisecond {
						t.Errorf("the database is slowed by %v, not the 30ms it was", db.Slow)
					}
				}
			}
		})
	}
}

// An experiment that cannot run says so, and grades nothing.
func TestRunErrors(t *testing.T) {
	cacheKill, _ := Lookup("exp-cache-kill")

	t.Run("no cache on the card", func(t *testing.T) {
		c, err := cards.Load("chat.yaml")
		if err != nil {
			t.Fatal(err)
		}
		lab := newLab(t, engine.Options{Card: c})
		_, err = cacheKill.Run(context.Background(), lab, nil)
		var re *RunError
		if !errors.As(err, &re) || re.ID != "exp-cache-kill" ||
			err.Error() != `experiment exp-cache-kill could not run: the experiment needs a cache, and the card "`+c.Title+`" has none` {
			t.Errorf("error %v", err)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := RunFresh(ctx, cacheKill, nil); !errors.Is(err, context.Canceled) {
			t.Errorf("a cancelled context: %v", err)
		}
	})

	t.Run("cancelled while the cache is down", func(t *testing.T) {
		if testing.Short() {
			t.Skip("a live system for a few seconds")
		}
		// No traffic: the experiment sets its own and puts it back.
		lab := newLab(t, engine.Options{})
		lab.Start()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		found := lab.Settings()
		breakerOff, _ := Lookup("exp-breaker-off")
		log := logger(t)
		var lines []string
		_, err := breakerOff.Run(ctx, lab, func(s string) {
			log(s)
			lines = append(lines, s)
			if strings.HasPrefix(s, "switching the circuit breaker off and on") {
				cancel()
			}
		})
		var re *RunError
		if !errors.As(err, &re) || !errors.Is(err, context.Canceled) {
			t.Errorf("error %v", err)
		}
		if got := strings.Join(lines, "\n"); !strings.Contains(got, "\nreviving the cache\n") || !strings.Contains(got, "switching the circuit breaker back on") {
			t.Errorf("the cache was not revived or the breaker not switched on after the cancel:\n%s", got)
		}
		checkAsFound(t, lab, found)
		if r := freshSnapshot(t, lab).Requests; r.SetRate != 0 {
			t.Errorf("the traffic was left at %v requests/s", r.SetRate)
		}
	})
}
