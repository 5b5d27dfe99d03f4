package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/archex/archex/card"
)

const page = "testdata/group-chat-page.txt"

// warnings are the page's three warning lines, one per question, naming
// it.
var warnings = []string{
	`archex: warning: testdata/group-chat-page.txt:67: question 1 ("Why does this group chat have no cache in front of its Mess…") has no answer marked: it is left out of the scored quiz; to ask it, add a line like "Answer: B" after its options (--strict refuses such a card)`,
	`archex: warning: testdata/group-chat-page.txt:72: question 2 ("Why does the Chat Service hand each message to the Delivery…") has no answer marked: it is left out of the scored quiz; to ask it, add a line like "Answer: B" after its options (--strict refuses such a card)`,
	`archex: warning: testdata/group-chat-page.txt:77: question 3 ("If the Fan-out Worker stops for five minutes, what happens …") has no answer marked: it is left out of the scored quiz; to ask it, add a line like "Answer: B" after its options (--strict refuses such a card)`,
}

func checkWarnings(t *testing.T, stderr string) {
	t.Helper()
	if got := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n"); strings.Join(got, "\n") != strings.Join(warnings, "\n") {
		t.Errorf("stderr\n%s\nwant\n%s", stderr, strings.Join(warnings, "\n"))
	}
}

// A card page as published, its quiz questions without answers, imports
// and runs, with one warning per question; the quiz leaves them out and
// says so; --strict refuses the card as before.
func TestAPublishedPageWithoutAnswers(t *testing.T) {
	q := newQuizEnv(t)

	code, out, errOut := q.run("", "import", page)
	if code != exitOK {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	checkWarnings(t, errOut)
	c, err := card.Parse("out.yaml", []byte(out), card.AllowUnanswered(nil))
	if err != nil || len(c.Quiz) != 3 || c.Quiz[0].Answered() {
		t.Errorf("the imported card: %v, %+v", err, c)
	}

	code, _, errOut = q.run("", "import", "--strict", page)
	if code != exitUsage || !strings.HasPrefix(errOut, `archex: testdata/group-chat-page.txt:67: question 1 ("Why does this group chat have no cache in front of its Mess…") has no correct answer: add a line like "Answer: B" after its options`) {
		t.Errorf("import --strict: exit %d: %s", code, errOut)
	}

	code, out, errOut = q.run("", "run", "--card", page, "--duration", "1s", "--rate", "20", "--json")
	if code != exitOK {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	checkWarnings(t, errOut)
	var rep struct {
		Summary struct{ Sent, OK int64 } `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Summary.OK == 0 || rep.Summary.OK != rep.Summary.Sent {
		t.Errorf("run: %v, summary %+v", err, rep.Summary)
	}

	code, out, errOut = q.run("", "quiz", "--plain", "--no-experiments", "--seed", "1", "--card", page)
	if code != exitOK {
		t.Fatalf("quiz: exit %d: %s", code, errOut)
	}
	checkWarnings(t, errOut)
	if !strings.Contains(out, `Left out: 3 of the card's questions, which have no answers marked: "Why does this group chat have no cache in front of its Mess…", `) {
		t.Errorf("the quiz does not say it leaves the questions out:\n%s", out[:min(len(out), 800)])
	}
	for _, asked := range []string{"Why does the Chat Service hand each message to the Delivery Queue?", "If the Fan-out Worker stops for five minutes, what happens to the messages sent meanwhile?"} {
		if strings.Contains(out, asked) {
			t.Errorf("the quiz asks %q", asked)
		}
	}

	code, _, errOut = q.run("", "quiz", "--plain", "--set", "card", "--card", page)
	if code != exitUsage || !strings.Contains(errOut, "archex: no questions to ask: the card's questions have no answers marked") {
		t.Errorf("quiz --set card: exit %d: %s", code, errOut)
	}
	code, _, errOut = q.run("", "run", "--strict", "--card", page, "--duration", "1s")
	if code != exitUsage || !strings.Contains(errOut, "has no correct answer") {
		t.Errorf("run --strict: exit %d: %s", code, errOut)
	}
}
