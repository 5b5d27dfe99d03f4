package quiz

import (
	"strings"
	"testing"

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
		"Question 1 of 3 (load balancer, easy)\nWhy is a load balancer used in this system?\n",
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
