package card_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
)

// The production card's page text, read with the embedded card as its
// answer key, is the embedded default card.
func TestImportProductionTextIsTheDefaultCard(t *testing.T) {
	data, err := os.ReadFile("../cards/production.txt")
	if err != nil {
		t.Fatal(err)
	}
	got, err := card.ImportText("production.txt", data, card.WithAnswerKey(cards.Default()))
	if err != nil {
		t.Fatal(err)
	}
	if want := cards.Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("imported production card differs from the default:\n%s\nwant\n%s", card.Format(got), card.Format(want))
	}
	if len(got.Flow) != 14 {
		t.Errorf("flow has %d hops, want 14", len(got.Flow))
	}
}

// The page shows one question of three and marks no answer: without a key
// the import says how to fix it.
func TestImportProductionTextWithoutKey(t *testing.T) {
	data, err := os.ReadFile("../cards/production.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, err = card.ImportText("production.txt", data)
	want := `production.txt:78: question 1 ("Why is a load balancer used in this system?") has no correct answer: add a line like "Answer: B" after its options`
	if err == nil || err.Error() != want {
		t.Errorf("ImportText error = %v\nwant %s", err, want)
	}
	fixed := strings.Replace(string(data), "DTo authenticate API requests\n", "DTo authenticate API requests\nAnswer: B\n", 1)
	c, err := card.ImportText("production.txt", []byte(fixed))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Quiz) != 1 || c.Quiz[0].Answer() != 1 {
		t.Errorf("quiz = %+v, want the page's one question answered B", c.Quiz)
	}
}

// Format writes every shipped card so that Parse reads it back equal.
func TestFormatRoundTrip(t *testing.T) {
	for _, name := range cards.Files() {
		c, err := cards.Load(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out := card.Format(c)
		back, err := card.Parse(name, out)
		if err != nil {
			t.Fatalf("%s: Format output does not parse: %v\n%s", name, err, out)
		}
		if !reflect.DeepEqual(back, c) {
			t.Errorf("%s: Format round trip differs:\n%s", name, out)
		}
	}
}

func TestFormatQuotesWhatNeedsIt(t *testing.T) {
	c := cards.Default()
	c.Title = "true"
	c.Overview = "  leading spaces, a tab\there and a line\nbreak"
	c.Components[1].Name = "LB: #1, {edge}"
	c.Components[1].Replicas = 3
	c.Components[1].Capacity = 64
	c.Components[1].Latency = &card.Latency{Base: card.Duration(2_000_000), Jitter: card.Duration(500_000)}
	c.Components[2].Latency = &card.Latency{}
	for i := range c.Flow {
		for _, end := range []*string{&c.Flow[i].From, &c.Flow[i].To} {
			if *end == "Load Balancer" {
				*end = c.Components[1].Name
			}
		}
	}
	c.Principle = strings.Repeat("word ", 40) + "'quoted' \"twice\" - : end"
	out := card.Format(c)
	back, err := card.Parse("x.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("round trip differs:\n%s", out)
	}
	if !strings.Contains(string(out), "  - {from: User, to: 'LB: #1, {edge}'}\n") {
		t.Errorf("hops are not one flow mapping per line:\n%s", out)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	text, _ := os.ReadFile("../cards/chat.txt")
	yamlData, _ := os.ReadFile("../cards/chat.yaml")
	for name, data := range map[string][]byte{"chat.txt": text, "chat.yaml": yamlData, "chat-card": text} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := card.Load(path)
		if err != nil {
			t.Errorf("Load(%s): %v", name, err)
			continue
		}
		if c.Title != "Why a chat system hands delivery to a queue and needs no cache" {
			t.Errorf("Load(%s) title = %q", name, c.Title)
		}
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte(strings.Replace(string(text), "Chat ServiceMessage Store", "Chat ServiceMesage Store", 1)), 0o644)
	if _, err := card.Load(bad); err == nil || !strings.HasPrefix(err.Error(), bad+":56: hop 4 ") {
		t.Errorf("Load(bad) = %v, want an error starting with %s:56: hop 4", err, bad)
	}
	missing := filepath.Join(dir, "missing.yaml")
	if _, err := card.Load(missing); err == nil || err.Error() != missing+": no such file or directory" {
		t.Errorf("Load(missing) = %v", err)
	}
}
