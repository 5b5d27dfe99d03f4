package quiz

import (
	"testing"

	"github.com/archex/archex/cards"
	"github.com/archex/archex/quiz/internal/giveaway"
)

// A learner must not be able to score by the form of the options instead of
// their content (see package giveaway for the tells): not in the bank, not
// in any shipped card's quiz. quiz/experiment holds the experiments to the
// same.
func checkGiveaways(t *testing.T, name string, g giveaway.Stats) {
	t.Helper()
	t.Logf("%s: %s", name, g)
	for _, p := range g.Problems() {
		t.Errorf("%s: %s", name, p)
	}
}

func TestNoGiveawaysInTheBank(t *testing.T) {
	checkGiveaways(t, "the bank", giveaway.Measure(DefaultBank().Questions))
}

// Every shipped card's quiz, in both of its forms: the YAML card and the
// text of its page (read with the answer key, as archex reads it).
func TestNoGiveawaysInTheCards(t *testing.T) {
	for _, name := range cards.Names() {
		for _, file := range []string{name + ".yaml", name + ".txt"} {
			c, err := cards.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			checkGiveaways(t, file, giveaway.Measure(c.Quiz))
		}
	}
}
