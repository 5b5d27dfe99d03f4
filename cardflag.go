package main

import (
	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
)

// loadCard reads the card a --card flag names: a file in either form, or
// the name of an embedded card (chat, news-feed ...); empty: the default.
func loadCard(ref string) (*card.Card, error) {
	if ref == "" {
		return cards.Default(), nil
	}
	return cards.Open(ref)
}
