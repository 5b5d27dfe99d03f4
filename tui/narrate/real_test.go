package narrate

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
	"github.com/archex/archex/components/outbox"
	"github.com/archex/archex/engine"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The narration of real traces: every shipped card's cold read, warm read
// and write, as the live components record them, told in step mode's
// order. The numbers of a run change, so they are written as #; the rest
// is a golden file per card. A sentence in a card's own words, never the
// production card's (products) on another card, never a generic fallback.
func TestStepsOfRealTraces(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an engine per card")
	}
	if raceDetector {
		t.Skip("under -race the read's publish misses its 2 ms and goes by the spool, another story")
	}
	for _, name := range cards.Names() {
		t.Run(name, func(t *testing.T) {
			c, err := cards.Load(name + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			e, err := engine.New(engine.Options{Card: c, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			var b strings.Builder
			for _, req := range []struct {
				title string
				r     engine.Request
			}{
				{"cold read", engine.Request{Product: 42}},
				{"warm read", engine.Request{Product: 42}},
				{"write", engine.Request{Product: 9, Write: true, Price: 1299}},
			} {
				tr := quietTrace(t, e, req.r)
				b.WriteString("# " + req.title + ": " + normalize(Summary(tr, c)) + "\n")
				for _, s := range Steps(tr, c) {
					checkSentence(t, c, s.Text)
					b.WriteString(normalize(s.Text) + "\n")
				}
			}
			golden(t, filepath.Join("testdata", t.Name()+".golden"), b.String())
		})
	}
}

// quietTrace sends r and returns its whole trace, sent again (up to three
// times) when a busy machine made the read's publish miss its 2 ms and the
// event go by the spool: that story has tests of its own.
func quietTrace(t *testing.T, e *engine.Engine, r engine.Request) engine.Trace {
	t.Helper()
	var tr engine.Trace
	for try := 0; try < 3; try++ {
		var err error
		tr, err = e.Send(context.Background(), r, true)
		if err != nil || !tr.OK() {
			t.Fatalf("%+v: %v %d %s", r, err, tr.Status, tr.Err)
		}
		spooled := false
		for _, h := range tr.Hops {
			spooled = spooled || h.Held == "spool" || (h.Instance == outbox.Instance && !r.Write)
		}
		if !spooled {
			break
		}
	}
	return tr
}

var (
	numbers  = regexp.MustCompile(`\d+(\.\d+)? (ms|s)\b`)
	replicas = regexp.MustCompile(`(replica|worker)-\d+`)
	ends     = regexp.MustCompile(`\(ends # ms (after the user had the answer|before the answer reached the user: the answer was still on its way)\)`)
	fallback = regexp.MustCompile(`→ [A-Z][\w ]*: [A-Z]+$| failed: `)
	// An HTTP answer's note appears when it took under a millisecond,
	// which a stalled machine can miss; the table tests hold its words.
	answerNote = regexp.MustCompile(` \(# ms(: an answer on a connection[^)]*|, an answer again)\)`)
)

// normalize writes the numbers of a run as #.
func normalize(s string) string {
	s = numbers.ReplaceAllString(s, "# $2")
	s = replicas.ReplaceAllString(s, "$1-#")
	s = answerNote.ReplaceAllString(s, "")
	return ends.ReplaceAllString(s, "(ends # ms against the answer)")
}

func checkSentence(t *testing.T, c *card.Card, s string) {
	t.Helper()
	if c.Serves != nil && strings.Contains(s, "product") {
		t.Errorf("%q speaks of products on a card that serves %ss", s, c.Serves.Resource)
	}
	if fallback.MatchString(s) || strings.Contains(s, "  ") || strings.Contains(s, "()") {
		t.Errorf("%q is not a sentence the narration writes from its fields", s)
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
