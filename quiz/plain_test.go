package quiz

import (
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/cards"
)

func TestParseLetter(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want int
		ok   bool
	}{
		{"a", 4, 0, true}, {"B", 4, 1, true}, {"  c  ", 4, 2, true}, {"d)", 4, 3, true}, {"D.", 4, 3, true},
		{"e", 4, 0, false}, {"d", 3, 0, false}, {"", 4, 0, false}, {"ab", 4, 0, false}, {"1", 4, 0, false}, {"?", 4, 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseLetter(tt.in, tt.n)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseLetter(%q, %d) = %d, %v; want %d, %v", tt.in, tt.n, got, ok, tt.want, tt.ok)
		}
	}
}

// letterOf returns the letter the session shows for the option with text.
func letterOf(t *testing.T, it Item, text string) string {
	t.Helper()
	for i, o := range it.Options() {
		if o.Text == text {
			return Letter(i)
		}
	}
	t.Fatalf("no option %q", text)
	return ""
}

func TestRunPlain(t *testing.T) {
	s, err := NewSession(Config{Set: SetCard, Card: cards.Default(), Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	items := s.Items()
	right := func(i int) string { return items[i].Option(items[i].Correct()).Text }
	wrongLetter := Letter((items[1].Correct() + 1) % 4)
	// Question 1: junk, an empty line, then the right letter in lower case
	// with spaces. Question 2: wrong. Question 3: right, with a ")".
	in := "x\n\n  " + strings.ToLower(letterOf(t, items[0], right(0))) + "  \n" +
		wrongLetter + "\n" +
		letterOf(t, items[2], right(2)) + ")\n"
	var out strings.Builder
	var recorded []Answer
	r, err := RunPlain(strings.NewReader(in), &out, s, func(a Answer) { recorded = append(recorded, a) })
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"Question 1 of 3 (load balancer, easy, new)\nWhy is a load balancer used in this system?\n",
		"A) ", "D) ",
		"Your answer (A-D)?\n",
		`"x" is not one of the options: type one letter, A-D.`,
		"Type one letter, A-D, and press Enter.",
		"Correct. " + letterOf(t, items[0], right(0)) + ") To evenly distribute user requests across servers\nIt spreads",
		"Wrong. You chose " + wrongLetter + ") ",
		"The right answer is " + letterOf(t, items[1], right(1)) + ") " + right(1) + "\nEvery read becomes a miss",
		"Results: 2 of 3 right\n",
		"  cache          0/1\n",
		"To review:\n- What happens to user requests when the cache fails in this system?\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if !strings.HasSuffix(got, "\nscore: 2/3\n") {
		t.Errorf("output does not end with the score line:\n%s", got[max(0, len(got)-200):])
	}
	if strings.Contains(got, "\x1b") {
		t.Error("plain output has escape sequences")
	}
	if r.Right != 2 || len(recorded) != 3 || recorded[1].Right() {
		t.Errorf("results %+v, recorded %d answers", r, len(recorded))
	}
}

func TestRunPlainEndOfInput(t *testing.T) {
	s, _ := NewSession(Config{Set: SetCard, Card: cards.Default(), Seed: 11})
	it, _ := s.Current()
	var out strings.Builder
	r, err := RunPlain(strings.NewReader(Letter(it.Correct())+"\nzz\n"), &out, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "No more answers: stopped after 1 of 3 questions.") ||
		!strings.Contains(got, "Results: 1 of 1 right (1 of 3 questions answered)") ||
		!strings.HasSuffix(got, "score: 1/1\n") {
		t.Errorf("early end:\n%s", got)
	}
	if r.Finished() {
		t.Error("results say finished")
	}
}

// A numeric question in --plain: a line that is not a number is asked
// again, a number is graded with its tolerance, and the worked method
// follows either way; a miss comes back later with new numbers.
func TestRunPlainNumeric(t *testing.T) {
	tpl := Templates()[1] // pool capacity
	s, err := NewSession(Config{Set: SetAll, Numeric: []Template{tpl}, Bank: testBank(t), Seed: 4, PracticeSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	var first *Problem
	for i, it := range s.Items() {
		switch {
		case it.Numeric() && first == nil:
			first = it.Problem
			in.WriteString("lots\n\n" + Number(it.Problem.Answer*3) + "\n") // junk, empty, wrong
		case it.Numeric():
			t.Fatalf("question %d is numeric too", i+1)
		default:
			in.WriteString(Letter(it.Correct()) + "\n")
		}
	}
	// The letters meant for later questions meet the second asking of the
	// numeric one, which takes only numbers: the input runs out there.
	var out strings.Builder
	r, err := RunPlain(strings.NewReader(in.String()), &out, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	again := s.Items()
	var second *Problem
	for _, it := range again {
		if it.Again {
			second = it.Problem
		}
	}
	if second == nil {
		t.Fatal("the missed numeric question was not asked again")
	}
	for _, want := range []string{
		first.Prompt + "\nType a number (an answer within 2 % of the right one counts):\n",
		`"lots" is not a number: type digits, such as 375 or 2.4 (a unit after it is fine).`,
		"Type a number, such as 375 or 2.4, and press Enter.",
		"Wrong. You typed " + Number(first.Answer*3) + "; the answer is " + first.Shown() + " (accepted: " + first.Range() + ")\nHow to work it out:\n  One connection: 1000 ms / ",
		"  Live: archex's database has 3 connections at 8 ms: 3 x 125 = 375 statements/s",
		"again: missed earlier in this session)\n" + second.Prompt + "\n",
		"- " + first.Prompt + "\n  You typed " + Number(first.Answer*3) + "; the answer is " + first.Shown() + "\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\n--- output:\n%s", want, got)
		}
	}
	if len(r.Misses) != 1 || !r.Misses[0].Item.Numeric() {
		t.Errorf("misses %+v, want the numeric one", r.Misses)
	}
	// With its answer given, the second asking is graded right.
	s, _ = NewSession(Config{Set: SetAll, Numeric: []Template{tpl}, Bank: testBank(t), Seed: 4})
	var lines []string
	for !s.Done() {
		it, _ := s.Current()
		switch {
		case it.Numeric() && !it.Again:
			_, _ = s.AnswerNumber(0)
			lines = append(lines, "0")
		case it.Numeric():
			lines = append(lines, Number(it.Problem.Answer)+" statements/s")
			_, _ = s.AnswerNumber(it.Problem.Answer)
		default:
			lines = append(lines, Letter(it.Correct()))
			_, _ = s.Answer(it.Correct())
		}
	}
	s, _ = NewSession(Config{Set: SetAll, Numeric: []Template{tpl}, Bank: testBank(t), Seed: 4})
	out.Reset()
	r, err = RunPlain(strings.NewReader(strings.Join(lines, "\n")+"\n"), &out, s, nil)
	if err != nil || r.Again != 1 || r.AgainRight != 1 || !strings.Contains(out.String(), "Asked again after a miss: 1 of 1 right the second time\n") {
		t.Errorf("results %+v, %v:\n%s", r, err, out.String()[max(0, out.Len()-400):])
	}
}

// A question asked before it is due says so when answered right.
func TestRunPlainAheadOfReview(t *testing.T) {
	p := NewProgress()
	c := cards.Default()
	for _, q := range c.Quiz {
		p.Record(q.ID, true, t0)
	}
	s, _ := NewSession(Config{Set: SetCard, Card: c, Progress: p, Seed: 1, Now: t0.Add(time.Hour)})
	it, _ := s.Current()
	var out strings.Builder
	if _, err := RunPlain(strings.NewReader(Letter(it.Correct())+"\n"), &out, s, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"(load balancer, easy, not due yet: a right answer will not move it up)",
		"(Not due for review yet, so this answer is counted but does not move the question up.)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
