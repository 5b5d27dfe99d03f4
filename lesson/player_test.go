package lesson

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

func mustParse(t *testing.T, src string) *Lesson {
	t.Helper()
	l, err := Parse("t.lesson", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// texts names the cues by their lines' text.
func texts(cs []Cue) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Text)
	}
	return strings.Join(out, "; ")
}

// at is t0 plus s seconds.
func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func TestPlayerGivesEachCueOnceAtItsTime(t *testing.T) {
	l := mustParse(t, "title T\n0s caption one\n2s kill cache\n2s step\n5s caption two\n8s end\n")
	p := NewPlayer(l, false, t0)
	for _, step := range []struct {
		at      float64
		want    string
		caption string
	}{
		{0, "one", "one"},
		{0.5, "", "one"},
		{1.99, "", "one"},
		{2.05, "kill cache; step", "one"},
		{3, "", "one"},
		{7, "two", "two"}, // a late frame gets what it missed, once
		{8, "end", ""},
		{20, "", ""},
	} {
		if got := texts(p.Due(at(step.at))); got != step.want {
			t.Errorf("at %gs: due %q, want %q", step.at, got, step.want)
		}
		if s := p.State(at(step.at)); s.Caption != step.caption {
			t.Errorf("at %gs: caption %q, want %q", step.at, s.Caption, step.caption)
		}
	}
	if s := p.State(at(20)); !s.Done || s.Clock != 8*time.Second || s.Length != 8*time.Second || s.Title != "T" {
		t.Errorf("state at the end %+v", s)
	}
}

// A timed pause stops the lesson's clock for exactly its time, even when
// the frame that sees it comes late; an untimed one until Resume.
func TestPlayerPauses(t *testing.T) {
	l := mustParse(t, "0s step\n4s pause 3s\n4s caption after\n6s pause\n6s kill cache\n7s end\n")
	p := NewPlayer(l, false, t0)
	p.Due(at(0))
	if got := texts(p.Due(at(4.5))); got != "pause 3s" {
		t.Fatalf("at 4.5 s: %q", got)
	}
	if s := p.State(at(5)); s.Clock != 4*time.Second || s.Left != 2*time.Second || s.Waiting {
		t.Errorf("during the timed pause: %+v", s)
	}
	if got := texts(p.Due(at(6.9))); got != "" {
		t.Errorf("cues during the pause: %q", got)
	}
	if got := texts(p.Due(at(7))); got != "after" {
		t.Errorf("at the pause's end (4 s + 3 s): %q", got)
	}
	if s := p.State(at(8)); s.Clock != 5*time.Second {
		t.Errorf("the clock after the pause: %v, want 5s", s.Clock)
	}
	if got := texts(p.Due(at(9))); got != "pause" {
		t.Fatalf("at 9 s: %q", got)
	}
	if got := texts(p.Due(at(60))); got != "" || !p.State(at(60)).Waiting {
		t.Errorf("an untimed pause went on by itself: %q", got)
	}
	if !p.Resume(at(60)) || p.Resume(at(60)) {
		t.Error("Resume: true once, then false")
	}
	if got := texts(p.Due(at(60))); got != "kill cache" {
		t.Errorf("right after Resume: %q", got)
	}
	if got := texts(p.Due(at(61))); got != "end" {
		t.Errorf("a second after Resume: %q", got)
	}
	if p.Resume(at(62)) {
		t.Error("Resume after the end")
	}
}

// With loop, the end starts the lesson again, from its first cue, on the
// next call (the caller resets the system in between).
func TestPlayerLoops(t *testing.T) {
	l := mustParse(t, "0s caption hello\n1s kill cache\n3s end\n")
	p := NewPlayer(l, true, t0)
	var got []string
	for s := 0.0; s <= 10; s += 0.25 {
		if d := texts(p.Due(at(s))); d != "" {
			got = append(got, d)
		}
	}
	want := "hello | kill cache | end | hello | kill cache | end | hello | kill cache | end | hello | kill cache"
	if strings.Join(got, " | ") != want {
		t.Errorf("10 s of a 3 s loop:\n got %s\nwant %s", strings.Join(got, " | "), want)
	}
	if s := p.State(at(10)); s.Pass != 4 || s.Done || !s.Loop {
		t.Errorf("state %+v", s)
	}
	p.Restart(at(10))
	if s := p.State(at(10.5)); s.Clock != 500*time.Millisecond || s.Caption != "" || s.Pass != 4 {
		t.Errorf("after Restart: %+v", s)
	}
	if d := texts(p.Due(at(10.5))); d != "hello" {
		t.Errorf("after Restart: %q", d)
	}
}

// A timeline of --fault faults ends after its last fault.
func TestPlayerOfFaults(t *testing.T) {
	l := FromFaults(mustParse(t, "5s kill cache\n12s revive cache\n13s end\n").Faults())
	p := NewPlayer(l, false, t0)
	if d := texts(p.Due(at(6))); d != "kill cache" {
		t.Errorf("at 6 s: %q", d)
	}
	if d := texts(p.Due(at(12))); d != "revive cache" || !p.State(at(12)).Done {
		t.Errorf("at 12 s: %q, done %v", d, p.State(at(12)).Done)
	}
}
