package serve

import (
	"context"
	"regexp"
	"testing"
	"time"
)

func TestPenaltyGrowsAndIsForgiven(t *testing.T) {
	p := newPenalties()
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	var got []time.Duration
	for i := range 9 {
		got = append(got, p.delay("10.0.0.7", t0))
		p.fail("10.0.0.7", t0.Add(time.Duration(i)*time.Second))
	}
	want := []time.Duration{0, 0, 0, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("after %d wrong codes: %v, want %v", i, got[i], want[i])
		}
	}
	if d := p.delay("10.0.0.8", t0); d != 0 {
		t.Errorf("another address waits %v", d)
	}
	if d := p.delay("10.0.0.7", t0.Add(8*time.Second+forgetAfter+time.Second)); d != 0 {
		t.Errorf("not forgiven after %v: %v", forgetAfter, d)
	}
}

func TestPenaltyKeepsFewAddresses(t *testing.T) {
	p := newPenalties()
	t0 := time.Now()
	for i := range maxAddresses + 10 {
		p.fail(string(rune(i)), t0.Add(time.Duration(i)*time.Millisecond))
	}
	if n := len(p.byIP); n > maxAddresses {
		t.Errorf("%d addresses remembered, want at most %d", n, maxAddresses)
	}
}

// Parallel attempts from a slowed address go one at a time.
func TestPenaltyOneAttemptAtATime(t *testing.T) {
	p := newPenalties()
	now := time.Now()
	for range freeFailures {
		p.fail("10.0.0.7", now)
	}
	release, ok := p.wait(context.Background(), "10.0.0.7", time.Now)
	if !ok {
		t.Fatal("the first attempt did not get through")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, ok := p.wait(ctx, "10.0.0.7", time.Now); ok {
		t.Error("a second attempt went through while the first was being checked")
	}
	release()
}

func TestCodes(t *testing.T) {
	class, _ := NewClassCode()
	presenter, _ := NewPresenterCode()
	if !regexp.MustCompile(`^[a-z]+-[a-z]+-[1-9][0-9]$`).MatchString(class) ||
		!regexp.MustCompile(`^[a-z]+-[a-z]+-[a-z]+-[1-9][0-9]$`).MatchString(presenter) {
		t.Errorf("codes %q %q", class, presenter)
	}
	seen := map[string]bool{}
	for _, w := range codeWords {
		if seen[w] {
			t.Errorf("%q twice in the words", w)
		}
		seen[w] = true
	}
	if len(codeWords) < 128 {
		t.Errorf("%d words: a class code would be too easy to guess", len(codeWords))
	}
}
