package main

import (
	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
)

// loadCard reads the card a --card flag names, or the default.
func loadCard(path string) (*card.Card, error) {
	if path == "" {
		return cards.Default(), nil
	}
	return card.Load(path)
}
