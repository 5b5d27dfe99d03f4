package quiz

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
)

// A learner must not be able to score by the form of the options instead of
// their content. The classic tells of a multiple-choice question, each
// measured over a set of questions (the bank, each shipped card's quiz):
//
//   - the right option is the strictly longest one (test-wise learners pick
//     the longest): allowed in at most a third of the questions;
//   - a wrong option opens with a justification ("Because ...") or claims
//     an absolute (always, never, only ...) more often than a right one:
//     not allowed, as a rate over the options of each kind;
//   - an explanation opens with a verdict word ("Right.", "No, ..."): the
//     screen already says right or wrong, and the chosen option's
//     explanation is shown after a wrong answer too, so it must not
//     contradict the verdict above it. Not allowed anywhere.
type giveaways struct {
	questions, longest                int
	rightOpts, wrongOpts              int
	rightBecause, wrongBecause        int
	rightAbsolute, wrongAbsolute      int
	verdicts                          []string // "id option B: Right."
	becauseExamples, absoluteExamples []string
}

// justification is an opening that argues instead of answering ("As the
// cache ..."), except where "as" starts a phrase of time or degree ("As soon
// as").
var (
	justification = matcher{
		is:  regexp.MustCompile(`(?i)^(because|since|as)\b`),
		not: regexp.MustCompile(`(?i)^as (soon|long|far|well|much|many)\b`),
	}
)

type matcher struct{ is, not *regexp.Regexp }

func (m matcher) MatchString(s string) bool { return m.is.MatchString(s) && !m.not.MatchString(s) }

// absolute are the words of a sweeping claim.
var absolute = regexp.MustCompile(`(?i)\b(always|never|only|all|every|everything|everyone|none|nothing|nobody|no one|forever|entirely|completely|guaranteed|impossible)\b`)

// verdict is an explanation that opens by grading the answer.
var verdict = regexp.MustCompile(`(?i)^((that('s| is) )?(right|wrong|correct|incorrect)\b|(yes|no|exactly|true|false|nope|indeed|precisely)[.,!:;]|not (quite|really|so)\b)`)

func measureGiveaways(qs []card.Question) giveaways {
	var g giveaways
	for _, q := range qs {
		a := q.Answer()
		if a < 0 {
			continue // graded at run time: no option is right in the data
		}
		g.questions++
		rightLen := utf8.RuneCountInString(q.Options[a].Text)
		strictly := true
		for i, o := range q.Options {
			if i != a && utf8.RuneCountInString(o.Text) >= rightLen {
				strictly = false
			}
			b, abs := justification.MatchString(o.Text), absolute.MatchString(o.Text)
			if i == a {
				g.rightOpts++
				g.rightBecause += btoi(b)
				g.rightAbsolute += btoi(abs)
			} else {
				g.wrongOpts++
				g.wrongBecause += btoi(b)
				g.wrongAbsolute += btoi(abs)
				if b {
					g.becauseExamples = append(g.becauseExamples, q.ID+" "+Letter(i))
				}
				if abs {
					g.absoluteExamples = append(g.absoluteExamples, fmt.Sprintf("%s %s (%s)", q.ID, Letter(i), absolute.FindString(o.Text)))
				}
			}
			if verdict.MatchString(o.Explanation) {
				g.verdicts = append(g.verdicts, fmt.Sprintf("%s option %s: %q", q.ID, Letter(i), firstWords(o.Explanation, 3)))
			}
		}
		g.longest += btoi(strictly)
	}
	return g
}

func (g giveaways) String() string {
	return fmt.Sprintf("right option strictly longest in %d of %d questions (%s); "+
		"opening with Because/Since/As: %d of %d wrong options (%s) against %d of %d right (%s); "+
		"absolute words: %d of %d wrong (%s) against %d of %d right (%s); verdict openings in explanations: %d",
		g.longest, g.questions, pct(g.longest, g.questions),
		g.wrongBecause, g.wrongOpts, pct(g.wrongBecause, g.wrongOpts), g.rightBecause, g.rightOpts, pct(g.rightBecause, g.rightOpts),
		g.wrongAbsolute, g.wrongOpts, pct(g.wrongAbsolute, g.wrongOpts), g.rightAbsolute, g.rightOpts, pct(g.rightAbsolute, g.rightOpts),
		len(g.verdicts))
}

// check reports every tell of the set called name.
func (g giveaways) check(t *testing.T, name string) {
	t.Helper()
	t.Logf("%s: %s", name, g)
	if g.longest*3 > g.questions {
		t.Errorf("%s: the right option is the strictly longest in %d of %d questions: at most a third may be", name, g.longest, g.questions)
	}
	// Rates compared without division: wrong/wrongOpts <= right/rightOpts.
	if g.wrongBecause*g.rightOpts > g.rightBecause*g.wrongOpts {
		t.Errorf("%s: %d of %d wrong options open with a justification, %d of %d right ones: %s",
			name, g.wrongBecause, g.wrongOpts, g.rightBecause, g.rightOpts, strings.Join(g.becauseExamples, ", "))
	}
	if g.wrongAbsolute*g.rightOpts > g.rightAbsolute*g.wrongOpts {
		t.Errorf("%s: %d of %d wrong options claim an absolute, %d of %d right ones: %s",
			name, g.wrongAbsolute, g.wrongOpts, g.rightAbsolute, g.rightOpts, strings.Join(g.absoluteExamples, ", "))
	}
	for _, v := range g.verdicts {
		t.Errorf("%s: an explanation opens with a verdict: %s", name, v)
	}
}

func TestNoGiveawaysInTheBank(t *testing.T) {
	measureGiveaways(DefaultBank().Questions).check(t, "the bank")
}

// Every shipped card's quiz, in both of its forms: the YAML card and the
// text of its page (read with the answer key, as archex reads it).
func TestNoGiveawaysInTheCards(t *testing.T) {
	for _, name := range cards.Names() {
		for _, file := range []string{name + ".yaml", name + ".txt"} {
			c, err := cards.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			measureGiveaways(c.Quiz).check(t, file)
		}
	}
}

// The detectors themselves.
func TestGiveawayDetectors(t *testing.T) {
	for s, want := range map[string]bool{
		"Right. The gateway ...": true, "Wrong: it ...": true, "Correct, because": true, "No, the cache": true,
		"Yes. It": true, "Not quite: the": true, "That is right: ": true, "Exactly. One": true,
		"No published event is lost": false, "Rightly or not": false, "The right answer": false, "Yesterday": false,
	} {
		if got := verdict.MatchString(s); got != want {
			t.Errorf("verdict(%q) = %v, want %v", s, got, want)
		}
	}
	for s, want := range map[string]bool{"Because it": true, "since then": true, "As the": true, "So that": false, "Asked": false, "As soon as it reads": false} {
		if got := justification.MatchString(s); got != want {
			t.Errorf("justification(%q) = %v, want %v", s, got, want)
		}
	}
	for s, want := range map[string]bool{"It never fails": true, "Only for GET": true, "all of them": true, "Nothing: the": true, "allowed": false, "usually": false} {
		if got := absolute.MatchString(s); got != want {
			t.Errorf("absolute(%q) = %v, want %v", s, got, want)
		}
	}
	q := card.Question{ID: "q", Options: []card.Option{
		{Text: "the longest of the options", Correct: true, Explanation: "Right."},
		{Text: "Because short", Explanation: "fine"},
		{Text: "never", Explanation: "fine"},
	}}
	g := measureGiveaways([]card.Question{q})
	if g.longest != 1 || g.wrongBecause != 1 || g.wrongAbsolute != 1 || len(g.verdicts) != 1 {
		t.Errorf("measured %+v", g)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func pct(n, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%d %%", (n*100+of/2)/of)
}

func firstWords(s string, n int) string {
	f := strings.Fields(s)
	return strings.Join(f[:min(n, len(f))], " ")
}
