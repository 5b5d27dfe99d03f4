package quiz

import (
	"slices"
	"testing"
	"time"

	"github.com/archex/archex/cards"
)

// answerRight answers the current question rightly: the right option, or
// the drawn problem's answer.
func answerRight(t *testing.T, s *Session, right bool) Answer {
	t.Helper()
	it, ok := s.Current()
	if !ok {
		t.Fatal("no current question")
	}
	if it.Numeric() {
		v := it.Problem.Answer
		if !right {
			v = v*3 + 7
		}
		a, err := s.AnswerNumber(v)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	return answerWith(t, s, right)
}

// fullConfig is the real pool: the production card, the bank and the
// numeric questions.
func fullConfig(p *Progress, seed uint64, now time.Time) Config {
	return Config{Card: cards.Default(), Bank: DefaultBank(), Numeric: Templates(), Progress: p, Seed: seed, Now: now}
}

// A learner who takes practice set after practice set in one evening,
// answering every question right, masters nothing: mastery takes right
// answers days apart. And once every question has been seen, practice has
// nothing to ask until one falls due.
func TestCramMastersNothing(t *testing.T) {
	store := MemoryStore()
	now := t0
	ids := IDs(must(fullConfig(nil, 0, now).Questions()))
	for run := 1; run <= 16; run++ {
		now = t0.Add(time.Duration(run) * 2 * time.Minute)
		s, err := NewSession(fullConfig(store.Progress(), uint64(run), now))
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range s.Items() {
			if it.Status != StatusNew {
				t.Errorf("run %d asks %s, which is %s: only due or new questions belong in practice", run, it.Question.ID, it.Status)
			}
		}
		rec := store.Recorder(func() time.Time { return now })
		for !s.Done() {
			if err := rec.Record(answerRight(t, s, true)); err != nil {
				t.Fatal(err)
			}
		}
	}
	sum := store.Progress().Summary(ids, now)
	if sum.Mastered != 0 || sum.Due != 0 {
		t.Errorf("after 16 runs in %v: %s, want nothing mastered or due", now.Sub(t0), sum.Standing())
	}
	if sum.Learning+sum.New != sum.Total || sum.NextDue.IsZero() {
		t.Errorf("after the cram: %s, next %q", sum.Standing(), sum.Next())
	}
	// The bank has more questions than 16 runs of 10 ask only if it is very
	// large; it is not, so the last runs were empty.
	if sum.New != 0 {
		t.Errorf("%d questions never asked in 16 runs of 10", sum.New)
	}
	s, err := NewSession(fullConfig(store.Progress(), 99, now))
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 0 {
		t.Errorf("nothing is due or new, but practice asks %d questions", s.Len())
	}
	// --set all may be crammed too, and still masters nothing.
	for run := range 16 {
		now = now.Add(time.Minute)
		cfg := fullConfig(store.Progress(), uint64(100+run), now)
		cfg.Set = SetAll
		s, _ := NewSession(cfg)
		rec := store.Recorder(func() time.Time { return now })
		for !s.Done() {
			_ = rec.Record(answerRight(t, s, true))
		}
	}
	if sum := store.Progress().Summary(ids, now); sum.Mastered != 0 {
		t.Errorf("16 runs of --set all: %s", sum.Standing())
	}
	// The next day the first run's questions are due, and answering them
	// moves them up one box: to box 3, still not mastered.
	now = t0.Add(24*time.Hour + time.Hour)
	s, _ = NewSession(fullConfig(store.Progress(), 7, now))
	if s.Len() != DefaultPracticeSize {
		t.Fatalf("the next day practice asks %d, want %d due", s.Len(), DefaultPracticeSize)
	}
	for _, it := range s.Items() {
		if it.Status != StatusDue {
			t.Errorf("the next day %s is %s, want due", it.Question.ID, it.Status)
		}
	}
}

// A question answered wrong comes back later in the same session, with its
// options shuffled again, and a right second answer moves it to box 2.
func TestMissIsAskedAgainLaterInTheSession(t *testing.T) {
	store := MemoryStore()
	s, err := NewSession(Config{Bank: testBank(t), Seed: 3, Now: t0, PracticeSize: 6})
	if err != nil {
		t.Fatal(err)
	}
	rec := store.Recorder(func() time.Time { return t0 })
	first, _ := s.Current()
	missed := first.Question.ID
	_ = rec.Record(answerRight(t, s, false))
	if s.Len() != 7 {
		t.Fatalf("after a miss the session has %d questions, want 6 + 1", s.Len())
	}
	again := s.Items()[1+AgainAfter]
	if again.Question.ID != missed || !again.Again || again.Status != StatusDue {
		t.Fatalf("question %d is %s (again %v, %s), want %s asked again", 2+AgainAfter, again.Question.ID, again.Again, again.Status, missed)
	}
	for i := 1; i <= AgainAfter; i++ {
		if s.Items()[i].Question.ID == missed {
			t.Errorf("the miss comes back at once, at %d", i+1)
		}
	}
	// Right the second time; a miss of a second asking is not asked a third
	// time.
	for !s.Done() {
		it, _ := s.Current()
		_ = rec.Record(answerRight(t, s, it.Again || it.Question.ID != s.Items()[2].Question.ID))
	}
	if s.Len() != 8 {
		t.Errorf("session of %d, want 6 + 2 asked again", s.Len())
	}
	r, _ := store.Progress().Get(missed)
	if r.Box != 2 || r.Seen != 2 || r.Right != 1 {
		t.Errorf("%s after a miss and a right second answer: %+v, want box 2, seen twice", missed, r)
	}
	res := s.Results()
	if res.Asked != 6 || res.Answered != 6 || res.Right != 4 || len(res.Misses) != 2 || res.Again != 2 || res.AgainRight != 2 {
		t.Errorf("results %+v: want 4 of 6 right, 2 misses, both right the second time", res)
	}
	// The card set is the card's three questions, asked once each.
	c, _ := NewSession(Config{Set: SetCard, Card: cards.Default(), Seed: 1})
	answerWith(t, c, false)
	if c.Len() != 3 {
		t.Errorf("the card set grew to %d after a miss", c.Len())
	}
}

// When nothing is due, practice offers new questions, and only as new.
func TestNothingDueOffersOnlyNew(t *testing.T) {
	b := testBank(t)
	p := NewProgress()
	for _, q := range b.Questions[:8] {
		p.Record(q.ID, true, t0)
	}
	s, err := NewSession(Config{Bank: b, Progress: p, Seed: 1, Now: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range s.Items() {
		if it.Status != StatusNew {
			t.Errorf("%s is offered as %s", it.Question.ID, it.Status)
		}
		got = append(got, it.Question.ID)
	}
	slices.Sort(got)
	if want := []string{"b10", "b11", "b12", "b9"}; !slices.Equal(got, want) {
		t.Errorf("practice = %v, want the 4 new ones %v", got, want)
	}
	sum := p.Summary(IDs(b.Questions), t0.Add(time.Hour))
	if sum.Due != 0 || sum.New != 4 || sum.Next() != "Tue 11 Mar 09:00 (in 23 h)" {
		t.Errorf("summary %s, next %q", sum.Standing(), sum.Next())
	}
}

// The start line adds up over the real pool, whatever the history.
func TestStandingAddsUpOverThePool(t *testing.T) {
	cfg := fullConfig(nil, 1, t0)
	cfg.Experiments = testExperiments(3)
	qs := must(cfg.Questions())
	ids := IDs(qs)
	if want := 3 + len(DefaultBank().Questions) + len(Templates()) + 3; len(ids) != want {
		t.Fatalf("%d questions, want %d", len(ids), want)
	}
	p := NewProgress()
	for i, id := range ids {
		switch i % 4 {
		case 0:
			p.Record(id, false, t0)
		case 1:
			p.Record(id, true, t0)
		case 2:
			for _, at := range []time.Duration{0, 24 * time.Hour, 4 * 24 * time.Hour} {
				p.Record(id, true, t0.Add(at-5*24*time.Hour))
			}
		}
	}
	s := p.Summary(ids, t0.Add(time.Minute))
	if s.Mastered+s.Learning+s.Due+s.New != s.Total || s.Total != len(ids) || s.Mastered == 0 || s.Learning == 0 || s.Due == 0 || s.New == 0 {
		t.Errorf("%s", s.Standing())
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
