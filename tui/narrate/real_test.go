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

// The failure stories of the production card, told from the live
// system's hops: the cache killed (the first reads wait for its timeout,
// then the breaker opens), the database killed (the load balancer retries
// the GET on another replica, then the user gets the 503), the worker
// killed (the event waits), a replica failing (retried elsewhere, in the
// order it happened).
func TestStepsOfRealFailures(t *testing.T) {
	if testing.Short() || raceDetector {
		t.Skip("starts an engine; timings under -race tell another story")
	}
	c := cards.Default()
	e, err := engine.New(engine.Options{Card: c, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// inOrder checks that lines have the lines want, in this order.
	inOrder := func(title string, lines []string, want ...string) {
		t.Helper()
		at := 0
		for _, w := range want {
			found := false
			for ; at < len(lines) && !found; at++ {
				found = strings.Contains(lines[at], w)
			}
			if !found {
				t.Errorf("%s: no step %q (in this order):\n%s", title, w, strings.Join(lines, "\n"))
				return
			}
		}
	}
	// tell sends r and checks its steps have the lines want, in order.
	tell := func(title string, r engine.Request, want ...string) []string {
		t.Helper()
		tr, err := e.Send(ctx, r, true)
		must(err)
		var lines []string
		for _, s := range Steps(tr, c) {
			checkSentence(t, c, s.Text)
			lines = append(lines, s.Text)
		}
		inOrder(title, lines, want...)
		return lines
	}
	must(e.Kill("cache"))
	tell("cache down, the first read", engine.Request{Product: 11},
		"Cache unreachable (no answer within the 10ms timeout) → reading product:11 from the Database instead",
		"Service Layer could not store product:11 in the Cache (Cache is down); the answer goes out anyway",
		"User gets 200 OK")
	for i := 0; i < 5; i++ {
		_, err := e.Send(ctx, engine.Request{Product: 12 + i}, false)
		must(err)
	}
	tell("cache down, the breaker open", engine.Request{Product: 20},
		"Circuit OPEN: Service Layer skips the Cache → reading product:20 from the Database instead",
		"Database returns 1 row: Steel Kettle 20, $12.39",
		"Circuit OPEN: Service Layer does not store product:20 in the Cache",
		"User gets 200 OK")
	must(e.Revive("cache"))
	must(e.Kill("database"))
	down := tell("database down", engine.Request{Product: 21},
		"Database refused the connection → the SELECT fails",
		"answers 503 Service Unavailable",
		"passes 503 Service Unavailable back to the Load Balancer, which retries the request on replica-",
		"Load Balancer passes the request to the API Gateway",
		"Database refused the connection → the SELECT fails",
		"User gets 503 Service Unavailable in")
	if last := down[len(down)-1]; !strings.HasSuffix(last, ": Database refused the connection: down") {
		t.Errorf("the user's 503 does not say why: %q", last)
	}
	must(e.Revive("database"))
	must(e.Kill("worker"))
	tell("worker down", engine.Request{Product: 22},
		"User gets 200 OK",
		"In the background, the user is not waiting: product.viewed waits in the")
	must(e.Revive("worker"))
	must(e.FailRate("service-1", 1))
	for i := 0; i < 3; i++ { // round-robin: one of three lands on replica 1
		lines := tell("replica 1 failing", engine.Request{Product: 30 + i}, "User gets 200 OK")
		if strings.Contains(strings.Join(lines, "\n"), "retries") {
			inOrder("replica 1 failing", lines,
				"Service Layer on replica-1 fails GET product", "answers 503 Service Unavailable",
				"which retries the request on replica-", "Load Balancer passes the request to the API Gateway",
				"API Gateway hands GET product", "User gets 200 OK")
			return
		}
	}
	t.Error("three reads with replica 1 failing: none was retried")
}
