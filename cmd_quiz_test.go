package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/cards"
	"github.com/archex/archex/quiz"
	"github.com/archex/archex/quiz/experiment"
)

// quizEnv runs archex with its progress in a temporary directory.
type quizEnv struct {
	t   *testing.T
	dir string
}

func newQuizEnv(t *testing.T) *quizEnv {
	dir := t.TempDir()
	t.Setenv(quiz.EnvConfigDir, dir)
	return &quizEnv{t: t, dir: dir}
}

// run runs archex with args and stdin; stdout is not a terminal.
func (q *quizEnv) run(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	env := &cliEnv{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut}
	code = runMain(env, args)
	return code, out.String(), errOut.String()
}

func (q *quizEnv) progress() *quiz.Progress {
	q.t.Helper()
	data, err := os.ReadFile(filepath.Join(q.dir, quiz.ProgressFile))
	if err != nil {
		q.t.Fatal(err)
	}
	var p quiz.Progress
	if err := json.Unmarshal(data, &p); err != nil {
		q.t.Fatal(err)
	}
	return &p
}

// cardAnswers returns the letters that answer the card set with seed:
// right, or the next letter where wrong[i].
func cardAnswers(t *testing.T, seed uint64, wrong ...bool) string {
	s, err := quiz.NewSession(quiz.Config{Set: quiz.SetCard, Card: cards.Default(), Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i, it := range s.Items() {
		c := it.Correct()
		if i < len(wrong) && wrong[i] {
			c = (c + 1) % it.Len()
		}
		b.WriteString(" " + strings.ToLower(quiz.Letter(c)) + " \n")
	}
	return b.String()
}

func TestQuizPlainEndToEnd(t *testing.T) {
	q := newQuizEnv(t)
	code, out, errOut := q.run(cardAnswers(t, 42, false, true, false), "quiz", "--set", "card", "--plain", "--seed", "42")
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if lines[0] != "archex quiz: card set, 3 questions (seed 42)" ||
		lines[1] != "progress: 0 mastered + 0 learning + 0 due + 3 new = 3 questions" ||
		lines[2] != "  ("+quiz.StandingTerms+")" || lines[3] != "This set: 0 to review, 3 new." {
		t.Errorf("first lines: %q", lines[:4])
	}
	// The end: the score, then the standing after the answers and the
	// next review (the miss is due at once).
	end := strings.Join(lines[len(lines)-3:], "\n")
	if want := "score: 2/3\nprogress: 0 mastered + 2 learning + 1 due + 0 new = 3 questions\nnext review: now (1 question due)"; end != want {
		t.Errorf("last lines:\n%s\nwant:\n%s", end, want)
	}
	for _, want := range []string{"Why is a load balancer used in this system?", "Correct. ", "Wrong. You chose ", "The right answer is "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Error("escape sequences in plain mode")
	}
	// Progress was saved: the miss is due at once, the others tomorrow.
	p := q.progress()
	if len(p.Questions) != 3 || p.Questions["card-cache-failure"].Box != 1 || p.Questions["card-load-balancer"].Box != 2 {
		t.Errorf("progress = %+v", p.Questions)
	}
	// The next start counts it over the whole pool (the card's 3, the
	// bank, the numeric questions), and practice asks the miss again.
	total := 3 + len(quiz.DefaultBank().Questions) + len(quiz.Templates())
	_, out, _ = q.run(strings.Repeat("a\n", 10), "quiz", "--plain", "--seed", "1", "--no-experiments")
	if want := fmt.Sprintf("progress: 0 mastered + 2 learning + 1 due + %d new = %d questions\n", total-3, total); !strings.Contains(out, want) {
		t.Errorf("summary line %q missing: %s", want, strings.SplitN(out, "\n", 3)[1])
	}
	if !strings.Contains(out, "This set: 1 to review, 9 new.\n") {
		t.Errorf("the set line is missing:\n%s", out[:min(len(out), 600)])
	}
	if !strings.Contains(out, "What happens to user requests when the cache fails in this system?") {
		t.Error("the practice set does not bring back the missed question")
	}
	if !strings.Contains(out, "archex quiz: practice set, 10 questions (seed 1)") {
		t.Error("practice is not the default set of 10")
	}
}

func TestQuizNotATerminalFallsBackToPlain(t *testing.T) {
	q := newQuizEnv(t)
	code, out, errOut := q.run("", "quiz", "--set", "card", "--seed", "1")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if errOut != "archex quiz: stdout is not a terminal: asking in --plain mode\n" {
		t.Errorf("stderr = %q", errOut)
	}
	if !strings.Contains(out, "No more answers: stopped after 0 of 3 questions.\n\nResults: 0 of 0 right (0 of 3 questions answered)\nscore: 0/0\n"+
		"progress: 0 mastered + 0 learning + 0 due + 3 new = 3 questions\nnext review: none scheduled\n") {
		t.Errorf("output ends:\n%s", out[max(0, len(out)-300):])
	}
}

func TestQuizCorruptProgressIsMovedAside(t *testing.T) {
	q := newQuizEnv(t)
	path := filepath.Join(q.dir, quiz.ProgressFile)
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := q.run(cardAnswers(t, 3), "quiz", "--set", "card", "--plain", "--seed", "3")
	if code != exitOK || !strings.Contains(out, "score: 3/3\n") {
		t.Fatalf("exit %d, output ends %q", code, out[max(0, len(out)-40):])
	}
	if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "archex quiz: warning: progress file ") ||
		!strings.Contains(errOut, "moved it to progress.json.corrupt-") {
		t.Errorf("stderr = %q, want one warning line", errOut)
	}
	matches, _ := filepath.Glob(path + ".corrupt-*")
	if len(matches) != 1 {
		t.Fatalf("files moved aside: %v", matches)
	}
	if kept, _ := os.ReadFile(matches[0]); string(kept) != "{not json" {
		t.Errorf("the corrupt file was changed: %q", kept)
	}
	if n := len(q.progress().Questions); n != 3 {
		t.Errorf("fresh progress has %d records, want 3", n)
	}
}

func TestQuizReset(t *testing.T) {
	q := newQuizEnv(t)
	q.run(cardAnswers(t, 3), "quiz", "--set", "card", "--plain", "--seed", "3")
	path := filepath.Join(q.dir, quiz.ProgressFile)
	code, out, _ := q.run("", "quiz", "--reset")
	if code != exitOK || out != "archex quiz: progress cleared ("+path+" deleted)\n" {
		t.Errorf("reset: exit %d, %q", code, out)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("progress file still there: %v", err)
	}
	_, out, _ = q.run("", "quiz", "--reset")
	if out != "archex quiz: no progress to clear ("+path+" does not exist)\n" {
		t.Errorf("second reset: %q", out)
	}
}

func TestQuizBadInput(t *testing.T) {
	q := newQuizEnv(t)
	bad := filepath.Join(q.dir, "bank.yaml")
	if err := os.WriteFile(bad, []byte("questions:\n  - id: lb-health\n    topic: load balancer\n    difficulty: easy\n    prompt: Why?\n    options:\n      - text: a\n        correct: true\n        explanation: yes\n      - text: b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		firstLine string
		usage     bool // the usage follows
	}{
		{"unknown set", []string{"--set", "everything"}, `archex: --set: unknown set "everything": use practice, card, all or experiments`, true},
		{"experiments without experiments", []string{"--set", "experiments", "--no-experiments"}, "archex: --set experiments asks only the experiments, which --no-experiments leaves out: give one of them", true},
		{"bad seed", []string{"--seed", "soon"}, `archex: quiz invalid value "soon" for flag -seed: parse error`, true},
		{"unknown flag", []string{"--colour"}, "archex: quiz flag provided but not defined: -colour", true},
		{"bad bank", []string{"--questions", bad}, "archex: --questions: " + bad + `:10: question 1 ("lb-health"): option B has no explanation: say why it is right or why it is wrong`, false},
		{"missing bank", []string{"--questions", filepath.Join(q.dir, "nope.yaml")}, "archex: --questions: question bank " + filepath.Join(q.dir, "nope.yaml") + ": open", false},
		{"missing card", []string{"--card", "no-such-card"}, "archex: --card: no-such-card: no such file, nor an embedded card", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := q.run("", append([]string{"quiz", "--plain"}, tt.args...)...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if out != "" {
				t.Errorf("stdout = %q", out)
			}
			first, rest, _ := strings.Cut(errOut, "\n")
			if !strings.HasPrefix(first, tt.firstLine) {
				t.Errorf("stderr first line\n  %s\nwant\n  %s", first, tt.firstLine)
			}
			if hasUsage := strings.HasPrefix(rest, "usage: archex quiz"); hasUsage != tt.usage {
				t.Errorf("usage printed = %v, want %v; rest: %q", hasUsage, tt.usage, rest)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(q.dir, quiz.ProgressFile)); !os.IsNotExist(err) {
		t.Error("a rejected command wrote progress")
	}
}

func TestQuizOtherBank(t *testing.T) {
	q := newQuizEnv(t)
	bank := filepath.Join(q.dir, "mine.yaml")
	if err := os.WriteFile(bank, []byte("questions:\n  - id: mine\n    topic: dns\n    difficulty: easy\n    prompt: What does DNS turn a name into?\n    options:\n      - text: An address\n        correct: true\n        explanation: Right.\n      - text: A port\n        explanation: No.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, out, _ := q.run("", "quiz", "--plain", "--set", "all", "--questions", bank, "--no-experiments")
	if !strings.Contains(out, "all set, 4 questions") || !strings.Contains(out, "progress: 0 mastered + 0 learning + 0 due + 4 new = 4 questions") {
		t.Errorf("the other bank is not used:\n%s", out[:min(len(out), 200)])
	}
	// With the experiments, all is the card's, the bank's and theirs.
	n := len(experiment.Questions())
	_, out, _ = q.run("", "quiz", "--plain", "--set", "all", "--questions", bank)
	if want := fmt.Sprintf("all set, %d questions", 4+n); !strings.Contains(out, want) || !strings.Contains(out, fmt.Sprintf("= %d questions", 4+n)) {
		t.Errorf("want %q:\n%s", want, out[:min(len(out), 200)])
	}
}

// seedAsking returns a seed with which the experiments set asks id first.
func seedAsking(t *testing.T, id string) (uint64, quiz.Item) {
	t.Helper()
	for seed := uint64(1); seed < 200; seed++ {
		s, err := quiz.NewSession(quiz.Config{Set: quiz.SetExperiments, Experiments: experiment.Questions(), Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if it, _ := s.Current(); it.Question.ID == id {
			return seed, it
		}
	}
	t.Fatalf("no seed asks %s first", id)
	return 0, quiz.Item{}
}

// Predict, then observe, through stdin: the experiment starts on a fresh
// system of its own and shows its steady baseline, the prediction is read
// as a number, the experiment measures, the prediction is graded against
// the measurement within the stated tolerance, and the answer is saved like
// any other. Killing one of three replicas: the load balancer's retries and
// health checks keep the failures under 2 % on a busy machine and under
// -race too, so predicting 0 % is right.
func TestQuizPlainExperiment(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a live system for a few seconds")
	}
	q := newQuizEnv(t)
	seed, _ := seedAsking(t, "exp-replica-kill")
	start := time.Now()
	code, out, errOut := q.run("lots\n0\n", "quiz", "--plain", "--set", "experiments", "--seed", fmt.Sprint(seed))
	t.Logf("took %v:\n%s", time.Since(start).Round(100*time.Millisecond), out)
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	n := len(experiment.Questions())
	for _, want := range []string{
		fmt.Sprintf("archex quiz: experiments set, %d questions (seed %d)\n", n, seed),
		"Question 1 of " + fmt.Sprint(n) + " (load balancer, medium, new)\nThree replicas of the service sit behind the load balancer",
		quiz.ExperimentIntro + "\nFirst the live system's steady baseline:\n  starting a fresh system (load balancer, gateway, 3 service replicas, cache, database, queue, worker)",
		"  waiting for a steady state, then measuring 3 s of the baseline...\n",
		"\nThree replicas of the service share ",
		"what share of the requests will fail in the 3 s from the kill on, in %?\nType a number (a prediction within 2 percentage points of the measured one counts):\n",
		"\"lots\" is not a number",
		"Your prediction: 0 %\nRunning the experiment...\n  killing replica 2 of the service...\n",
		"  reviving replica 2...\n",
		"Correct. You predicted 0; measured ",
		"Why it came out so:\n  Round-robin would send replica 2 a third of the requests",
		"What happened: Under 2 % of requests fail, and answers stay as fast.",
		"The same idea in the question bank (practice asks them):\n  · One of three service replicas crashes.",
		"No more answers: stopped after 1 of " + fmt.Sprint(n) + " questions.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if !strings.Contains(out, "score: 1/1\nprogress: ") {
		t.Errorf("output ends %q", out[max(0, len(out)-200):])
	}
	if rec, ok := q.progress().Questions["exp-replica-kill"]; !ok || rec.Box != 2 || rec.Missed {
		t.Errorf("progress for the experiment: %+v, %v", rec, ok)
	}
}

// When nothing is due and nothing is new, practice says so, with the time
// of the next review, and asks nothing.
func TestQuizNothingDue(t *testing.T) {
	q := newQuizEnv(t)
	cfg := quiz.Config{Card: cards.Default(), Bank: quiz.DefaultBank(), Numeric: quiz.Templates(), Experiments: experiment.Questions()}
	qs, err := cfg.Questions()
	if err != nil {
		t.Fatal(err)
	}
	store, _ := quiz.OpenStore(q.dir, time.Now())
	answered := time.Now().Add(-time.Hour)
	for _, qu := range qs {
		if err := store.Record(qu.ID, true, answered); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := q.run("", "quiz", "--plain", "--seed", "1")
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	next := quiz.When(answered.Add(quiz.Intervals[1]), time.Now())
	want := fmt.Sprintf("archex quiz: practice set, 0 questions (seed 1)\nprogress: 0 mastered + %d learning + 0 due + 0 new = %d questions\n", len(qs), len(qs))
	if !strings.HasPrefix(out, want) || !strings.Contains(out, "Nothing is due and no question is new: the next review is "+next[:len("Mon 2 Jan 15:04")]) ||
		strings.Contains(out, "Question 1") {
		t.Errorf("output:\n%s\nwant it to start %q and give the next review %s", out, want, next)
	}
}
