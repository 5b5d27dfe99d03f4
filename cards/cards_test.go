package cards

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/archex/archex/card"
)

// Every shipped card comes in both forms, and the text of its page, read
// without an answer key, is its YAML card. (The production page hides most
// of its quiz: it needs the key, see card's tests.)
func TestEachCardsTextIsItsYAML(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			want, err := Load(name + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			data, err := files.ReadFile(name + ".txt")
			if err != nil {
				t.Fatalf("%s has no text form: %v", name, err)
			}
			var opts []card.ImportOption
			if name+".yaml" == DefaultName {
				opts = append(opts, card.WithAnswerKey(Default()))
			}
			got, err := card.ImportText(name+".txt", data, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s.txt imports to\n%s\nwant %s.yaml:\n%s", name, card.Format(got), name, card.Format(want))
			}
		})
	}
}

// The cards are written for the engine: the client first, the ingress up
// to the service, its calls, the return along the ingress path; a failure
// scenario; three questions explained option by option; a principle.
func TestCardsAreComplete(t *testing.T) {
	for _, name := range Names() {
		c, err := Load(name + ".yaml")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := card.Validate(c); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		client := c.ByKind(card.KindClient)[0].Name
		if last := c.Flow[len(c.Flow)-1]; last.To != client {
			t.Errorf("%s: the flow ends at %q, not back at the client", name, last.To)
		}
		if c.Failure == nil || c.Overview == "" || c.Principle == "" {
			t.Errorf("%s: missing failure scenario, overview or principle", name)
		}
		if len(c.Quiz) != 3 {
			t.Errorf("%s: %d questions, want 3", name, len(c.Quiz))
		}
		for _, q := range c.Quiz {
			if q.Topic == "" || q.Difficulty == "" {
				t.Errorf("%s: question %s has no topic or difficulty", name, q.ID)
			}
			for i, o := range q.Options {
				if o.Explanation == "" {
					t.Errorf("%s: question %s option %c has no explanation", name, q.ID, 'A'+i)
				}
			}
		}
	}
}

func TestNames(t *testing.T) {
	want := []string{"chat", "news-feed", "production", "url-shortener"}
	if got := Names(); !reflect.DeepEqual(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
}

func TestLoadEmbeddedText(t *testing.T) {
	got, err := Load("production.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, Default()) {
		t.Error("production.txt, read with the embedded answer key, is not the default card")
	}
}

func TestOpen(t *testing.T) {
	c, err := Open("chat")
	if err != nil || c.Title != "Why a chat system hands delivery to a queue and needs no cache" {
		t.Errorf("Open(chat) = %v, %v", c, err)
	}
	// A file on disk wins over an embedded name, and a page's text gets the
	// embedded answer key.
	dir := t.TempDir()
	path := filepath.Join(dir, "production.txt")
	data, _ := files.ReadFile("production.txt")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err = Open(path)
	if err != nil || !reflect.DeepEqual(c, Default()) {
		t.Errorf("Open(%s) = %v, want the default card", path, err)
	}
	if _, err := Open("nosuch"); err == nil || !strings.Contains(err.Error(), "nosuch: no such file, nor an embedded card (embedded: chat, news-feed, production, url-shortener)") {
		t.Errorf("Open(nosuch) = %v", err)
	}
}
