// Package giveaway measures the tells by which a learner could score on a
// set of multiple-choice questions by the form of the options instead of
// their content, each over the set (a bank, a card's quiz, the
// experiments):
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
//
// The quiz's tests hold the bank and the cards to it, and quiz/experiment's
// the experiments, with the option each experiment's measurements bear out
// marked right.
package giveaway

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/archex/archex/card"
)

// Stats are the tells of a set of questions. Questions without an option
// marked correct are not counted.
type Stats struct {
	Questions, Longest                int
	RightOpts, WrongOpts              int
	RightBecause, WrongBecause        int
	RightAbsolute, WrongAbsolute      int
	Verdicts                          []string // "id option B: Right."
	BecauseExamples, AbsoluteExamples []string
}

// Justification is an opening that argues instead of answering ("As the
// cache ..."), except where "as" starts a phrase of time or degree ("As soon
// as").
var Justification = matcher{
	is:  regexp.MustCompile(`(?i)^(because|since|as)\b`),
	not: regexp.MustCompile(`(?i)^as (soon|long|far|well|much|many)\b`),
}

type matcher struct{ is, not *regexp.Regexp }

// MatchString reports whether s opens with a justification.
func (m matcher) MatchString(s string) bool { return m.is.MatchString(s) && !m.not.MatchString(s) }

// Absolute are the words of a sweeping claim.
var Absolute = regexp.MustCompile(`(?i)\b(always|never|only|all|every|everything|everyone|none|nothing|nobody|no one|forever|entirely|completely|guaranteed|impossible)\b`)

// Verdict is an explanation that opens by grading the answer.
var Verdict = regexp.MustCompile(`(?i)^((that('s| is) )?(right|wrong|correct|incorrect)\b|(yes|no|exactly|true|false|nope|indeed|precisely)[.,!:;]|not (quite|really|so)\b)`)

// Measure counts the tells of qs.
func Measure(qs []card.Question) Stats {
	var g Stats
	for _, q := range qs {
		a := q.Answer()
		if a < 0 {
			continue // graded at run time: no option is right in the data
		}
		g.Questions++
		rightLen := utf8.RuneCountInString(q.Options[a].Text)
		strictly := true
		for i, o := range q.Options {
			if i != a && utf8.RuneCountInString(o.Text) >= rightLen {
				strictly = false
			}
			b, abs := Justification.MatchString(o.Text), Absolute.MatchString(o.Text)
			if i == a {
				g.RightOpts++
				g.RightBecause += btoi(b)
				g.RightAbsolute += btoi(abs)
			} else {
				g.WrongOpts++
				g.WrongBecause += btoi(b)
				g.WrongAbsolute += btoi(abs)
				if b {
					g.BecauseExamples = append(g.BecauseExamples, q.ID+" "+letter(i))
				}
				if abs {
					g.AbsoluteExamples = append(g.AbsoluteExamples, fmt.Sprintf("%s %s (%s)", q.ID, letter(i), Absolute.FindString(o.Text)))
				}
			}
			if Verdict.MatchString(o.Explanation) {
				g.Verdicts = append(g.Verdicts, fmt.Sprintf("%s option %s: %q", q.ID, letter(i), firstWords(o.Explanation, 3)))
			}
		}
		g.Longest += btoi(strictly)
	}
	return g
}

func (g Stats) String() string {
	return fmt.Sprintf("right option strictly longest in %d of %d questions (%s); "+
		"opening with Because/Since/As: %d of %d wrong options (%s) against %d of %d right (%s); "+
		"absolute words: %d of %d wrong (%s) against %d of %d right (%s); verdict openings in explanations: %d",
		g.Longest, g.Questions, pct(g.Longest, g.Questions),
		g.WrongBecause, g.WrongOpts, pct(g.WrongBecause, g.WrongOpts), g.RightBecause, g.RightOpts, pct(g.RightBecause, g.RightOpts),
		g.WrongAbsolute, g.WrongOpts, pct(g.WrongAbsolute, g.WrongOpts), g.RightAbsolute, g.RightOpts, pct(g.RightAbsolute, g.RightOpts),
		len(g.Verdicts))
}

// Problems are the tells that give the answers away, one sentence each;
// none for a fair set.
func (g Stats) Problems() []string {
	var out []string
	if g.Longest*3 > g.Questions {
		out = append(out, fmt.Sprintf("the right option is the strictly longest in %d of %d questions: at most a third may be", g.Longest, g.Questions))
	}
	// Rates compared without division: wrong/wrongOpts <= right/rightOpts.
	if g.WrongBecause*g.RightOpts > g.RightBecause*g.WrongOpts {
		out = append(out, fmt.Sprintf("%d of %d wrong options open with a justification, %d of %d right ones: %s",
			g.WrongBecause, g.WrongOpts, g.RightBecause, g.RightOpts, strings.Join(g.BecauseExamples, ", ")))
	}
	if g.WrongAbsolute*g.RightOpts > g.RightAbsolute*g.WrongOpts {
		out = append(out, fmt.Sprintf("%d of %d wrong options claim an absolute, %d of %d right ones: %s",
			g.WrongAbsolute, g.WrongOpts, g.RightAbsolute, g.RightOpts, strings.Join(g.AbsoluteExamples, ", ")))
	}
	for _, v := range g.Verdicts {
		out = append(out, "an explanation opens with a verdict: "+v)
	}
	return out
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

// letter is an option's letter: A for 0 (quiz.Letter, which this package
// cannot import: quiz's tests import this package).
func letter(i int) string { return string(rune('A' + i)) }
