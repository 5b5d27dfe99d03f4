package challenge

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

func TestProgressStatesAndRecords(t *testing.T) {
	dir := t.TempDir()
	p := Shipped()
	s, warning := OpenStore(dir, t0)
	if warning != "" {
		t.Fatal(warning)
	}
	if got := s.States(p)[:3]; !slices.Equal(got, []State{Next, Locked, Locked}) {
		t.Errorf("fresh states %v", got)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Attempt(p, p.Challenges[0], false, 1, t0))
	must(s.Attempt(p, p.Challenges[0], true, 2, t0.Add(time.Minute)))
	must(s.Attempt(p, p.Challenges[2], true, 0, t0.Add(2*time.Minute))) // out of order: done, still
	again, warning := OpenStore(dir, t0)
	if warning != "" {
		t.Fatal(warning)
	}
	if got := again.States(p)[:4]; !slices.Equal(got, []State{Done, Next, Done, Locked}) {
		t.Errorf("states read back %v", got)
	}
	if r := again.Record(p, p.Challenges[0]); r.Attempts != 2 || r.Hints != 2 || !r.Passed.Equal(t0.Add(time.Minute)) {
		t.Errorf("record read back %+v", r)
	}
}

func TestProgressCorruptFileMovedAside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ProgressFile)
	if err := os.WriteFile(path, []byte(`{"version": 1, "challenges": {"archex/x": {"attem`), 0o600); err != nil {
		t.Fatal(err)
	}
	s, warning := OpenStore(dir, t0)
	aside := ProgressFile + ".corrupt-20260310T090000Z"
	if !strings.Contains(warning, "invalid JSON") || !strings.Contains(warning, "moved it to "+aside) {
		t.Errorf("warning %q", warning)
	}
	if _, err := os.Stat(filepath.Join(dir, aside)); err != nil {
		t.Errorf("the corrupt file was not kept: %v", err)
	}
	if err := s.Attempt(Shipped(), Shipped().Challenges[0], true, 0, t0); err != nil {
		t.Fatal(err)
	}
	if _, w := OpenStore(dir, t0); w != "" {
		t.Errorf("the fresh file does not read back: %s", w)
	}
	if removed, err := ResetProgress(dir); !removed || err != nil {
		t.Errorf("reset: %v %v", removed, err)
	}
}

// A session takes the challenge's levers within the budget, and refuses
// the others.
func TestSessionTurnsOnlyAllowedLeversWithinBudget(t *testing.T) {
	var c *Challenge
	for _, ch := range Shipped().Challenges {
		if ch.ID == "bottleneck" {
			c = ch
		}
	}
	s, err := New(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Phase(time.Now()) != Ready || s.Spent() != 0 {
		t.Fatalf("a new session: %v, spent %d", s.Phase(time.Now()), s.Spent())
	}
	if err := s.TurnText("shedding on"); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("shedding in a challenge without it: %v", err)
	}
	if err := s.TurnText("scale service 6"); !errors.Is(err, ErrOverBudget) || !strings.Contains(err.Error(), "cost 6 of a budget of 4 credits") {
		t.Errorf("6 replicas on a budget of 4: %v", err)
	}
	if err := s.TurnText("pool 6"); err != nil || s.Spent() != 3 {
		t.Errorf("pool 6: %v, spent %d", err, s.Spent())
	}
	if err := s.TurnText("scale service 4"); !errors.Is(err, ErrOverBudget) {
		t.Errorf("a replica on top of pool 6 (3 + 2 > 4): %v", err)
	}
	if err := s.TurnText("pool 2"); err != nil || s.Spent() != 0 {
		t.Errorf("pool 2: %v, spent %d", err, s.Spent())
	}
	if got := s.Turned(); !slices.Equal(got, []string{"pool 6", "pool 2"}) {
		t.Errorf("turned %v", got)
	}
	if !s.Engine().Snapshot().Requests.Paused && s.Engine().Snapshot().Requests.Sent != 0 {
		t.Error("traffic before Go")
	}
}
