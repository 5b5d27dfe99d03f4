package quiz

import (
	"fmt"
	"strings"

	"github.com/archex/archex/card"
)

// cardQuestions are the card's questions a quiz can score: those with their
// answer marked. A card read as its page is published may have questions
// without one (card.AllowUnanswered): they are left out, and the quiz says
// so (LeftOut, SetLine).
func cardQuestions(c *card.Card) []card.Question {
	if c == nil {
		return nil
	}
	var qs []card.Question
	for _, q := range c.Quiz {
		if q.Answered() {
			qs = append(qs, q)
		}
	}
	return qs
}

// LeftOut lists the prompts of the card's questions the quiz leaves out,
// because they have no answer marked.
func LeftOut(c *card.Card) []string {
	if c == nil {
		return nil
	}
	var out []string
	for _, q := range c.Quiz {
		if !q.Answered() {
			out = append(out, q.Prompt)
		}
	}
	return out
}

// leftOutLine says which of the card's questions are left out, or "".
func leftOutLine(prompts []string) string {
	if len(prompts) == 0 {
		return ""
	}
	quoted := make([]string, len(prompts))
	for i, p := range prompts {
		if r := []rune(p); len(r) > 60 {
			p = string(r[:59]) + "…"
		}
		quoted[i] = fmt.Sprintf("%q", p)
	}
	if len(prompts) == 1 {
		return fmt.Sprintf("Left out: the card's question %s, which has no answer marked.", quoted[0])
	}
	return fmt.Sprintf("Left out: %d of the card's questions, which have no answers marked: %s.", len(prompts), strings.Join(quoted, ", "))
}
