package main

import (
	"os"
	"strings"
	"testing"

	"github.com/archex/archex/card"
	"github.com/archex/archex/challenge"
)

// The README's example card is a card archex accepts.
func TestReadmeExampleCard(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := yamlBlock(t, string(data), "title:")
	c, err := card.Parse("README.md", []byte(block))
	if err != nil {
		t.Fatalf("the README's card does not parse: %v", err)
	}
	if len(c.Components) != 7 || len(c.Flow) != 11 {
		t.Errorf("the README's card has %d components and %d hops", len(c.Components), len(c.Flow))
	}
}

// yamlBlock is the README's first YAML block that starts with start.
func yamlBlock(t *testing.T, readme, start string) string {
	t.Helper()
	rest := readme
	for {
		var ok bool
		if _, rest, ok = strings.Cut(rest, "```yaml\n"); !ok {
			t.Fatalf("README.md has no yaml block starting with %q", start)
		}
		block, after, _ := strings.Cut(rest, "```")
		if strings.HasPrefix(block, start) {
			return block
		}
		rest = after
	}
}

// The README's example path of challenges is one archex accepts.
func TestReadmeExampleChallenge(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	p, err := challenge.Parse("README.md", []byte(yamlBlock(t, string(data), "path:")))
	if err != nil {
		t.Fatalf("the README's challenge does not parse: %v", err)
	}
	if len(p.Challenges) != 1 || len(p.Challenges[0].Goal.Conditions) != 2 {
		t.Errorf("the README's path: %+v", p)
	}
}
