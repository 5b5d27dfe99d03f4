package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
)

// strictHelp is the help of --strict, on every command that reads a card.
const strictHelp = "refuse a card whose quiz questions have no answer marked (by default such a question is left out of the quiz, with a warning)"

// registerStrict adds --strict to fs.
func registerStrict(fs *flag.FlagSet) *bool { return fs.Bool("strict", false, strictHelp) }

// loadCard reads the card a --card flag names: a file in either form, or
// the name of an embedded card (chat, news-feed ...); empty: the default.
// A question with no answer marked (as card pages are published) is left
// out of the quiz, with one warning line about it on warn; strict refuses
// such a card instead.
func loadCard(ref string, strict bool, warn io.Writer) (*card.Card, error) {
	if ref == "" {
		return cards.Default(), nil
	}
	return cards.Open(ref, unanswered(strict, warn)...)
}

// unanswered is how a card is read unless strict: a question with no
// answer marked passes, with a warning line on warn naming it.
func unanswered(strict bool, warn io.Writer) []card.ImportOption {
	if strict {
		return nil
	}
	return []card.ImportOption{card.AllowUnanswered(func(e *card.Error) {
		fmt.Fprintf(warn, "archex: warning: %s (--strict refuses such a card)\n", shortLine(e.Error()))
	})}
}
