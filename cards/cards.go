// Package cards holds the design cards archex ships, embedded in the binary.
// The production card is the default: the card the product was created from.
package cards

import (
	"embed"
	"fmt"

	"github.com/archex/archex/card"
)

//go:embed *.yaml *.txt
var files embed.FS

// DefaultName is the file name of the default card.
const DefaultName = "production.yaml"

// Default returns the embedded production card.
func Default() *card.Card {
	c, err := Load(DefaultName)
	if err != nil {
		// The embedded card is part of the binary and tested; failing here
		// means the build itself is broken.
		panic(fmt.Sprintf("embedded default card: %v", err))
	}
	return c
}

// Load parses one embedded card by file name.
func Load(name string) (*card.Card, error) {
	data, err := files.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return card.Parse(name, data)
}

// Files lists the embedded card files.
func Files() []string {
	entries, _ := files.ReadDir(".")
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
