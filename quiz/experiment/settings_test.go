package experiment

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/components/traffic"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/quiz"
)

// An experiment on the dashboard's system says beforehand what it will
// change, and leaves every setting as it found them: a learner who had
// turned singleflight off, slowed the database, killed the worker and set
// 20 requests/s finds them so after it.
func TestAnExperimentLeavesTheSettingsAsItFoundThem(t *testing.T) {
	if testing.Short() {
		t.Skip("a live experiment of about 10 s")
	}
	lab := newLab(t, engine.Options{Rate: 20})
	lab.Start()
	lab.SetSingleflight(false)
	lab.SetPattern(traffic.Ramp)
	for _, err := range []error{lab.SetAlgorithm(loadbalancer.LeastConn), lab.Kill("worker"), lab.Slow("database", 20*time.Millisecond), lab.Kill("service-3")} {
		if err != nil {
			t.Fatal(err)
		}
	}
	found := lab.Settings()
	e, _ := Lookup("exp-cache-kill")

	preview := e.Preview(lab)
	t.Log(preview)
	for _, want := range []string{"Running it acts on the live system: first ", "singleflight on", "rate 200", "pattern steady",
		"revive worker", "revive service-3", "heal database", e.Acts,
		"at the end it puts back ", "singleflight off", "rate 20", "pattern ramp", "kill worker", "kill service-3", "slow database 20ms"} {
		if !strings.Contains(preview, want) {
			t.Errorf("the preview lacks %q:\n%s", want, preview)
		}
	}
	if strings.Contains(preview, "algorithm") {
		t.Errorf("the preview says the algorithm changes; it does not:\n%s", preview)
	}

	var said []string
	if _, err := e.Run(context.Background(), lab, func(s string) { said = append(said, s) }); err != nil && !(raceDetector && errors.Is(err, ErrBusy)) {
		t.Fatal(err)
	}
	checkAsFound(t, lab, found)
	if got := strings.Join(said, "\n"); !strings.Contains(got, "putting back what it found: ") {
		t.Errorf("the experiment did not say what it put back:\n%s", got)
	}
	if got := e.Preview(lab); got != preview {
		t.Errorf("the preview after the run differs from the one before:\n%s\n%s", got, preview)
	}
}

// On a healthy system with enough traffic, the preview says nothing else
// changes.
func TestPreviewOfAHealthySystem(t *testing.T) {
	lab := newLab(t, engine.Options{Rate: DefaultRate})
	freshSnapshot(t, lab)
	e, _ := Lookup("exp-worker-kill")
	want := "Running it acts on the live system: it " + e.Acts + "; nothing else changes."
	if got := e.Preview(lab); got != want {
		t.Errorf("preview\n got %q\nwant %q", got, want)
	}
	if got := PreviewOn(lab)(quiz.Item{Question: e.Question}); got != want {
		t.Errorf("PreviewOn gives %q", got)
	}
	if got := PreviewOn(lab)(quiz.Item{Question: card.Question{ID: "lb-purpose"}}); got != "" {
		t.Errorf("PreviewOn of a question no experiment answers gives %q", got)
	}

	c, err := cards.Load("chat.yaml")
	if err != nil {
		t.Fatal(err)
	}
	chat := newLab(t, engine.Options{Card: c})
	freshSnapshot(t, chat)
	cacheKill, _ := Lookup("exp-cache-kill")
	if got := cacheKill.Preview(chat); !strings.HasPrefix(got, "It cannot run here: the experiment needs a cache") {
		t.Errorf("an experiment that cannot run on the card previews %q", got)
	}
}
