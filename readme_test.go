package main

import (
	"os"
	"strings"
	"testing"

	"github.com/archex/archex/card"
)

// The README's example card is a card archex accepts.
func TestReadmeExampleCard(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "```yaml\n")
	if !ok {
		t.Fatal("README.md has no yaml block")
	}
	block, _, _ := strings.Cut(rest, "```")
	c, err := card.Parse("README.md", []byte(block))
	if err != nil {
		t.Fatalf("the README's card does not parse: %v", err)
	}
	if len(c.Components) != 7 || len(c.Flow) != 11 {
		t.Errorf("the README's card has %d components and %d hops", len(c.Components), len(c.Flow))
	}
}
