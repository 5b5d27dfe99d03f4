package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/engine"
	"github.com/archex/archex/lesson"
)

// The README's lesson is lessons/cache.lesson, word for word, and it runs:
// every line parses, every fault names a component of its card and is
// carried out on a live system, every step's request is answered, played
// on a clock of its own (a pause and all) from start to end.
func TestReadmeLessonRuns(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```lesson\n")
	if !ok {
		t.Fatal("README.md has no lesson block")
	}
	block, _, _ := strings.Cut(rest, "```")
	file, err := os.ReadFile("lessons/cache.lesson")
	if err != nil {
		t.Fatal(err)
	}
	if block != string(file) {
		t.Fatalf("the README's lesson is not lessons/cache.lesson:\n%s", block)
	}
	l, err := lesson.Parse("lessons/cache.lesson", file)
	if err != nil {
		t.Fatal(err)
	}
	d := dashboardFlags{script: "lessons/cache.lesson"}
	d.sys.strict = new(bool)
	if err := d.lessonCard(l); err != nil || d.sys.card != "production" {
		t.Fatalf("the lesson's card: %q, %v", d.sys.card, err)
	}
	c, err := loadCard(d.sys.card, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan := demoPlan{lesson: l}
	if err := plan.checkTraffic(engine.Options{Rate: 20}); err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(engine.Options{Card: c, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := plan.checkFaults(e); err != nil {
		t.Fatal(err)
	}

	// Play it on a fast clock: a tenth of a second of the lesson a step.
	start := time.Now()
	p := lesson.NewPlayer(l, false, start)
	seen := map[lesson.Kind]int{}
	for s := 0; !p.State(start.Add(time.Duration(s) * 100 * time.Millisecond)).Done; s++ {
		if s > 2000 {
			t.Fatal("the lesson never ends")
		}
		for _, cue := range p.Due(start.Add(time.Duration(s) * 100 * time.Millisecond)) {
			seen[cue.Kind]++
			switch cue.Kind {
			case lesson.Fault:
				if err := e.Apply(cue.Fault); err != nil {
					t.Errorf("line %d, %s: %v", cue.Line, cue.Text, err)
				}
			case lesson.Step:
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				tr, err := e.Send(ctx, engine.Request{Product: 42}, true)
				cancel()
				if err != nil || tr.Status != 200 {
					t.Errorf("line %d, step: status %d, %v", cue.Line, tr.Status, err)
				}
			}
		}
		time.Sleep(time.Millisecond)
	}
	if seen[lesson.Caption] < 5 || seen[lesson.Step] != 2 || seen[lesson.Fault] != 4 || seen[lesson.Pause] != 1 || seen[lesson.End] != 1 {
		t.Errorf("cues played: %v", seen)
	}
	if l.WaitsForKey() != nil {
		t.Error("the README's lesson waits for a key: it could not --loop")
	}
}
