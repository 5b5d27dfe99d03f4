package quiz

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/card"
)

// A card question with no answer marked is left out of every set, and the
// set's line says so.
func TestUnansweredCardQuestionsAreLeftOut(t *testing.T) {
	q := func(id, prompt string, answered bool) card.Question {
		return card.Question{ID: id, Topic: "cache", Prompt: prompt,
			Options: []card.Option{{Text: "yes", Correct: answered}, {Text: "no"}}}
	}
	c := &card.Card{Title: "page", Quiz: []card.Question{
		q("card-q1", "Is the first one answered?", true),
		q("card-q2", "Does the page mark this one?", false),
		q("card-q3", "And this third one?", true),
	}}
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	bank := DefaultBank()
	for _, set := range []Set{SetCard, SetPractice, SetAll} {
		cfg := Config{Set: set, Card: c, Bank: bank, Seed: 3, Now: now, PracticeSize: 200}
		s, err := NewSession(cfg)
		if err != nil {
			t.Fatalf("%s: %v", set, err)
		}
		var asked []string
		for _, it := range s.Items() {
			asked = append(asked, it.Question.ID)
		}
		if strings.Contains(strings.Join(asked, " "), "card-q2") {
			t.Errorf("%s asks the unanswered question", set)
		}
		if !strings.Contains(strings.Join(asked, " "), "card-q1") {
			t.Errorf("%s leaves out an answered card question", set)
		}
		qs, _ := cfg.Questions()
		for _, q := range qs {
			if q.ID == "card-q2" {
				t.Errorf("%s counts the unanswered question in the standing", set)
			}
		}
		line := SetLine(s, NewProgress().Summary(IDs(qs), now))
		if want := `Left out: the card's question "Does the page mark this one?", which has no answer marked.`; !strings.HasSuffix(line, " "+want) {
			t.Errorf("%s: the set line %q does not end with %q", set, line, want)
		}
	}
	if got := LeftOut(c); len(got) != 1 || got[0] != "Does the page mark this one?" {
		t.Errorf("LeftOut %v", got)
	}

	none := &card.Card{Title: "page", Quiz: []card.Question{q("card-q1", "A?", false), q("card-q2", "B?", false)}}
	_, err := NewSession(Config{Set: SetCard, Card: none})
	if !errors.Is(err, ErrNoQuestions) || !strings.Contains(err.Error(), "the card's questions have no answers marked") {
		t.Errorf("a card set with no answered question: %v", err)
	}
	s, err := NewSession(Config{Set: SetPractice, Card: none, Bank: bank, Seed: 1, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if line := SetLine(s, NewProgress().Summary(nil, now)); !strings.Contains(line, `Left out: 2 of the card's questions, which have no answers marked: "A?", "B?".`) {
		t.Errorf("the set line %q", line)
	}
}
