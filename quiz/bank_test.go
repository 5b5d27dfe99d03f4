package quiz

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/archex/archex/cards"
)

func TestCardQuestionVerbatim(t *testing.T) {
	c := cards.Default()
	if len(c.Quiz) != 3 {
		t.Fatalf("the card has %d quiz questions, want 3", len(c.Quiz))
	}
	q := c.Quiz[0]
	if q.Prompt != "Why is a load balancer used in this system?" {
		t.Errorf("first prompt = %q", q.Prompt)
	}
	want := []string{
		"To store frequently accessed data",
		"To evenly distribute user requests across servers",
		"To process background tasks asynchronously",
		"To authenticate API requests",
	}
	if len(q.Options) != len(want) {
		t.Fatalf("%d options, want %d", len(q.Options), len(want))
	}
	for i, o := range q.Options {
		if o.Text != want[i] {
			t.Errorf("option %s = %q, want %q", Letter(i), o.Text, want[i])
		}
	}
	if got := q.Answer(); got != 1 {
		t.Errorf("correct option = %s, want B", Letter(got))
	}
	// And a session of the card set asks it.
	s, err := NewSession(Config{Set: SetCard, Card: c, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	it, _ := s.Current()
	if it.Question.Prompt != q.Prompt || it.Option(it.Correct()).Text != want[1] {
		t.Errorf("card set starts with %q, right answer %q", it.Question.Prompt, it.Option(it.Correct()).Text)
	}
}

func TestDefaultBank(t *testing.T) {
	b := DefaultBank()
	if n := len(b.Questions); n < 36 {
		t.Errorf("the bank has %d questions, want at least 36", n)
	}
	topics := map[string]int{}
	difficulties := map[string]int{}
	letters := map[int]int{}
	longest, shortest := 0, 0
	for i, q := range b.Questions {
		name := q.ID
		correct := 0
		for j, o := range q.Options {
			if o.Correct {
				correct++
			}
			if strings.TrimSpace(o.Explanation) == "" {
				t.Errorf("%s: option %s has no explanation", name, Letter(j))
			}
		}
		if correct != 1 {
			t.Errorf("%s: %d correct options, want 1", name, correct)
		}
		if len(q.Options) != 4 {
			t.Errorf("%s: %d options, want 4 (A-D)", name, len(q.Options))
		}
		if q.ID == "" || q.Topic == "" || q.Prompt == "" {
			t.Errorf("question %d: missing id, topic or prompt", i+1)
		}
		topics[q.Topic]++
		difficulties[q.Difficulty]++
		a := q.Answer()
		letters[a]++
		isLongest, isShortest := true, true
		for j, o := range q.Options {
			if j != a && len(o.Text) >= len(q.Options[a].Text) {
				isLongest = false
			}
			if j != a && len(o.Text) <= len(q.Options[a].Text) {
				isShortest = false
			}
		}
		if isLongest {
			longest++
		}
		if isShortest {
			shortest++
		}
	}
	for _, topic := range []string{"load balancer", "api gateway", "service", "cache", "database", "queue", "worker", "request flow"} {
		if topics[topic] < 3 {
			t.Errorf("topic %q has %d questions, want at least 3", topic, topics[topic])
		}
	}
	for _, d := range Difficulties {
		if difficulties[d] < 5 {
			t.Errorf("difficulty %q has %d questions, want at least 5", d, difficulties[d])
		}
	}
	for i := range 4 {
		if letters[i] < 5 {
			t.Errorf("option %s is correct in %d questions of the file, want at least 5: vary the letter", Letter(i), letters[i])
		}
	}
	// A learner must not score by picking the longest (or shortest) option.
	if n := len(b.Questions); longest*5 > n*2 || shortest*5 > n*2 {
		t.Errorf("the right option is the longest in %d and the shortest in %d of %d questions: length gives it away", longest, shortest, n)
	}
	if _, err := Pool(cards.Default(), b); err != nil {
		t.Errorf("card and bank together: %v", err)
	}
}

func TestLoadBankRejects(t *testing.T) {
	const head = "questions:\n  - id: q1\n    topic: cache\n    difficulty: easy\n    prompt: Why?\n"
	const opts = "    options:\n      - text: one\n        correct: true\n        explanation: yes\n      - text: two\n        explanation: no\n"
	const good = head + opts
	tests := []struct {
		name, data, want string
	}{
		{"empty file", "", "bank.yaml: no questions: list them under questions:"},
		{"comment only", "# nothing\n", "bank.yaml: no questions"},
		{"not YAML", "questions: [a: b: c", "bank.yaml: not valid YAML"},
		{"syntax error has a line", "questions:\n  - id: q1\n   topic: x\n", "bank.yaml:1: not valid YAML: did not find expected '-' indicator"},
		{"top is a list", "- id: q1\n", "bank.yaml:1: want a mapping with questions: at the top, found a list"},
		{"unknown top field", "title: x\n" + good, `bank.yaml:1: unknown field "title" at the top`},
		{"questions empty", "questions: []\n", "bank.yaml:1: no questions"},
		{"questions null", "questions:\n", "bank.yaml:1: no questions"},
		{"questions not a list", "questions: lots\n", `bank.yaml:1: questions: want a list, found "lots"`},
		{"question not a mapping", "questions:\n  - just text\n", `bank.yaml:2: question 1: want a mapping`},
		{"no id", "questions:\n  - topic: cache\n    difficulty: easy\n    prompt: Why?\n" + opts, "bank.yaml:2: question 1: no id"},
		{"bad id", strings.Replace(good, "id: q1", "id: Q 1", 1), `bank.yaml:2: question 1 ("Q 1"): id "Q 1": use lowercase letters, digits and dashes`},
		{"duplicate id", good + strings.TrimPrefix(good, "questions:\n"), `bank.yaml:12: question 2 ("q1"): id "q1" is already used by question 1`},
		{"no topic", strings.Replace(good, "    topic: cache\n", "", 1), `question 1 ("q1"): no topic`},
		{"blank topic", strings.Replace(good, "topic: cache", `topic: " "`, 1), `bank.yaml:3: question 1 ("q1"): no topic`},
		{"no difficulty", strings.Replace(good, "    difficulty: easy\n", "", 1), `question 1 ("q1"): no difficulty: add difficulty: easy, medium or hard`},
		{"unknown difficulty", strings.Replace(good, "difficulty: easy", "difficulty: tricky", 1), `bank.yaml:4: question 1 ("q1"): difficulty "tricky": use easy, medium or hard`},
		{"no prompt", strings.Replace(good, "    prompt: Why?\n", "", 1), `question 1 ("q1"): no prompt`},
		{"prompt is a list", strings.Replace(good, "prompt: Why?", "prompt: [a, b]", 1), `bank.yaml:5: question 1 ("q1"): prompt: want text, found a list`},
		{"questions twice", good + good, "bank.yaml:12: questions: is given twice"},
		{"field twice", strings.Replace(good, "    topic: cache\n", "    topic: cache\n    topic: queue\n", 1), `bank.yaml:4: question 1 ("q1"): field "topic" is given twice`},
		{"option field twice", strings.Replace(good, "explanation: no", "explanation: no\n        explanation: again", 1), `question 1 ("q1"): option B has the field "explanation" twice`},
		{"unknown question field", head + "    hint: look closer\n" + opts, `bank.yaml:6: question 1 ("q1"): unknown field "hint"`},
		{"no options", head, `question 1 ("q1"): no options`},
		{"options not a list", head + "    options: A\n", `bank.yaml:6: question 1 ("q1"): options: want a list`},
		{"one option", head + "    options:\n      - text: one\n        correct: true\n        explanation: yes\n", `question 1 ("q1"): has 1 option: give 2 to 4`},
		{"five options", head + "    options:\n" + strings.Repeat("      - text: x\n        explanation: e\n", 5), `question 1 ("q1"): has 5 options: give 2 to 4`},
		{"option not a mapping", head + "    options:\n      - one\n      - two\n", `bank.yaml:7: question 1 ("q1"): option A is "one": want a mapping`},
		{"option without text", strings.Replace(good, "      - text: two\n", "      - correct: false\n", 1), `bank.yaml:10: question 1 ("q1"): option B has no text`},
		{"option without explanation", head + "    options:\n      - text: one\n        correct: true\n        explanation: yes\n      - text: two\n        explanation: no\n      - text: three\n",
			`bank.yaml:12: question 1 ("q1"): option C has no explanation`},
		{"unknown option field", strings.Replace(good, "explanation: no", "explanation: no\n        why: because", 1), `question 1 ("q1"): option B has an unknown field "why"`},
		{"correct not a bool", strings.Replace(good, "correct: true", "correct: maybe", 1), `bank.yaml:7: question 1 ("q1"): option A: correct: "maybe" is not true or false`},
		{"no correct option", strings.Replace(good, "        correct: true\n", "", 1), `bank.yaml:7: question 1 ("q1"): no option is marked correct: add correct: true to the right one`},
		{"two correct options", strings.Replace(good, "explanation: no", "explanation: no\n        correct: true", 1), `question 1 ("q1"): options A and B are both marked correct: mark exactly one`},
		{"same option twice", strings.Replace(good, "text: two", "text: One", 1), `question 1 ("q1"): options A and B have the same text`},
		{"error names the second question", good + "  - id: q2\n    topic: cache\n    difficulty: hard\n    prompt: How?\n    options:\n      - text: a\n        correct: true\n        explanation: e\n      - text: b\n",
			`bank.yaml:20: question 2 ("q2"): option B has no explanation`},
	}
	if _, err := LoadBank("bank.yaml", []byte(good)); err != nil {
		t.Fatalf("the base file is rejected: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := LoadBank("bank.yaml", []byte(tt.data))
			if err == nil {
				t.Fatalf("accepted (%d questions), want error %q", len(b.Questions), tt.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error\n  %s\nwant it to contain\n  %s", msg, tt.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			if !strings.HasPrefix(msg, "bank.yaml") {
				t.Errorf("error does not start with the file name: %q", msg)
			}
		})
	}
}

func TestReadBank(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(path, []byte("questions:\n  - id: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ReadBank(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+":2: question 1 (\"x\"): no topic") {
		t.Errorf("ReadBank error = %v, want it to name %s, line 2, the question and the field", err, path)
	}
	_, err = ReadBank(filepath.Join(dir, "missing.yaml"))
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: error %v does not name it", err)
	}
	// The embedded file reads the same from disk.
	b, err := ReadBank(filepath.Join("bank", DefaultBankName))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(b.Questions, DefaultBank().Questions) {
		t.Error("the bank on disk and the embedded one differ")
	}
}
