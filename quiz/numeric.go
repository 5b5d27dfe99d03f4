package quiz

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"

	"github.com/archex/archex/card"
)

// Numeric questions ask for recall, not recognition: the learner works a
// number out and types it. A Template draws its values afresh for each
// attempt (from the session's seed), so the answer cannot be remembered,
// only the method; the Problem it draws is graded with a stated tolerance and
// shown with its worked method afterwards.

// Template is a numeric question with its values left open.
type Template struct {
	ID         string // stable: progress is stored by id
	Topic      string
	Difficulty string
	// Draw makes one attempt's problem.
	Draw func(r *rand.Rand) Problem
}

// Question is the template as a question without options, for the parts
// of a session that only need its id, topic and difficulty.
func (t Template) Question() card.Question {
	return card.Question{ID: t.ID, Topic: t.Topic, Difficulty: t.Difficulty, Prompt: "(a number to work out)"}
}

// Problem is one drawn numeric question.
type Problem struct {
	Prompt string
	Answer float64
	// Unit follows the number when it is shown ("reads/s", "s"); "" for a
	// plain count.
	Unit string
	// Tolerance is the relative error accepted (0.02: within 2 %); Abs the
	// absolute error accepted, whichever is larger. Both zero: the exact
	// number.
	Tolerance, Abs float64
	// Method is the worked solution, one step a line, the numbers filled in;
	// for a measured problem, why the measurement came out so.
	Method []string
	// Measured marks an experiment's problem: the answer is what the live
	// system was measured doing, and the learner's number a prediction.
	Measured bool
}

// Accepts reports whether v is the answer within the tolerance.
func (p Problem) Accepts(v float64) bool {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	slack := max(p.Tolerance*math.Abs(p.Answer), p.Abs)
	// A hair of slack for floating point, so that an exact answer typed as
	// written always counts.
	return math.Abs(v-p.Answer) <= slack+1e-9*max(1, math.Abs(p.Answer))
}

// Within says what the tolerance accepts, for the prompt: "an answer within
// 2 % of the right one counts", "a prediction within 5 percentage points of
// the measured one counts", "the exact number counts".
func (p Problem) Within() string {
	what, of := "an answer", "the right one"
	if p.Measured {
		what, of = "a prediction", "the measured one"
	}
	switch {
	case p.Tolerance > 0:
		return fmt.Sprintf("%s within %s %% of %s counts", what, Number(p.Tolerance*100), of)
	case p.Abs > 0 && p.Unit == "%":
		// "within 5 %" of a share would read as a relative error.
		return fmt.Sprintf("%s within %s percentage points of %s counts", what, Number(p.Abs), of)
	case p.Abs > 0:
		return fmt.Sprintf("%s within %s%s of %s counts", what, Number(p.Abs), unitSuffix(p.Unit), of)
	}
	return "the exact number counts"
}

// MethodTitle heads the method: how to work the answer out, or, for a
// measured problem, why the measurement came out as it did.
func (p Problem) MethodTitle() string {
	if p.Measured {
		return "Why it came out so"
	}
	return "How to work it out"
}

// Range is the interval of accepted answers, for the feedback: "26.5 to
// 27.5 reads/s"; "" for an exact answer. A quantity that cannot be below
// zero (the answer is not) starts at 0 at the lowest.
func (p Problem) Range() string {
	slack := max(p.Tolerance*math.Abs(p.Answer), p.Abs)
	if slack == 0 {
		return ""
	}
	lo := p.Answer - slack
	if p.Answer >= 0 {
		lo = max(lo, 0)
	}
	return fmt.Sprintf("%s to %s%s", Number(lo), Number(p.Answer+slack), unitSuffix(p.Unit))
}

// Shown is the answer with its unit: "27 reads/s".
func (p Problem) Shown() string { return Number(p.Answer) + unitSuffix(p.Unit) }

func unitSuffix(u string) string {
	switch u {
	case "":
		return ""
	case "%":
		return " %"
	}
	return " " + u
}

// Number writes v briefly: whole numbers without decimals, others with up
// to two significant decimals ("27", "2.4", "6.67", "0.15").
func Number(v float64) string {
	if r := math.Round(v); math.Abs(v-r) < 1e-9*max(1, math.Abs(v)) {
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
	decimals := 2
	if math.Abs(v) >= 100 {
		decimals = 1
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// numberRE is a number as a learner types it: digits with an optional
// decimal point or comma, thousands separated by commas or not, a leading
// minus, and any unit after it ("375", "2.4", "1,200", "6,7", "27 reads/s",
// "80%").
var numberRE = regexp.MustCompile(`^\s*([-+]?)(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?|[.,]\d+)\s*[a-zA-Z%/ ]*\s*$`)

var thousandsRE = regexp.MustCompile(`^\d{1,3}(,\d{3})+(\.\d+)?$`)

// ParseNumber reads a typed answer. A comma followed by exactly three digits
// separates thousands ("1,200"); any other single comma is a decimal comma
// ("6,7"). Text after the number (a unit, "%") is ignored.
func ParseNumber(s string) (float64, bool) {
	m := numberRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	digits := m[2]
	if thousandsRE.MatchString(digits) {
		digits = strings.ReplaceAll(digits, ",", "")
	} else {
		digits = strings.Replace(digits, ",", ".", 1)
	}
	v, err := strconv.ParseFloat(m[1]+digits, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// templatesByID indexes templates, refusing a repeated id.
func templatesByID(ts []Template) (map[string]Template, error) {
	out := make(map[string]Template, len(ts))
	for _, t := range ts {
		if _, ok := out[t.ID]; ok {
			return nil, fmt.Errorf("numeric question id %q is used twice: ids must be unique, because progress is stored by id", t.ID)
		}
		if t.Draw == nil {
			return nil, fmt.Errorf("numeric question %q draws nothing", t.ID)
		}
		out[t.ID] = t
	}
	return out, nil
}
