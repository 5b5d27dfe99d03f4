package classroom

import (
	"fmt"
	"strings"

	"github.com/archex/archex/card"
	"github.com/archex/archex/quiz"
)

// Sources of poll questions, as --polls names them; any other word is a
// question's id.
const (
	SourceCard        = "card"        // the card's own quiz
	SourceExperiments = "experiments" // "predict, then observe" on the live system
	SourceBank        = "bank"        // the whole question bank
)

// DefaultSources is what a class is asked when the presenter does not say:
// the card's quiz, then the experiments.
var DefaultSources = []string{SourceCard, SourceExperiments}

// Bank is where poll questions come from.
type Bank struct {
	Card        *card.Card
	Bank        *quiz.Bank
	Experiments []card.Question
	// Numeric are the questions answered with a number: they cannot be
	// polled (a class answers with A to D), and naming one is an error.
	Numeric []quiz.Template
}

// Questions lists the questions of sources, in order, each once, with its
// options in an order drawn from seed: the same for the whole class, so
// "most of you said B" means one thing.
func (b Bank) Questions(sources []string, seed uint64) ([]quiz.Item, error) {
	var qs []card.Question
	seen := map[string]bool{}
	add := func(list ...card.Question) {
		for _, q := range list {
			if !seen[q.ID] {
				seen[q.ID] = true
				qs = append(qs, q)
			}
		}
	}
	for _, src := range sources {
		switch src = strings.TrimSpace(src); src {
		case SourceCard:
			if b.Card != nil {
				// A question with no answer marked cannot be revealed.
				for _, q := range b.Card.Quiz {
					if q.Answered() {
						add(q)
					}
				}
			}
		case SourceExperiments:
			add(b.Experiments...)
		case SourceBank:
			if b.Bank != nil {
				add(b.Bank.Questions...)
			}
		case "":
		default:
			q, err := b.byID(src)
			if err != nil {
				return nil, err
			}
			add(q)
		}
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("no questions to poll in %q", strings.Join(sources, ","))
	}
	for _, q := range qs {
		if n := len(q.Options); n < 2 || n > 26 {
			return nil, fmt.Errorf("question %q has %d options: a poll needs 2 to 26 (A to Z)", q.ID, n)
		}
	}
	return quiz.ItemsOf(qs, seed), nil
}

func (b Bank) byID(id string) (card.Question, error) {
	for _, t := range b.Numeric {
		if t.ID == id {
			return card.Question{}, fmt.Errorf("question %q is answered with a number: a poll takes A to D, so numeric questions cannot be polled", id)
		}
	}
	var pool []card.Question
	if b.Card != nil {
		pool = append(pool, b.Card.Quiz...)
	}
	if b.Bank != nil {
		pool = append(pool, b.Bank.Questions...)
	}
	for _, q := range append(pool, b.Experiments...) {
		if q.ID == id {
			return q, nil
		}
	}
	return card.Question{}, fmt.Errorf("no question %q: name card, experiments, bank or a question's id", id)
}
