package card

// AllowUnanswered reads a card whose quiz questions may have no answer
// marked, as pages are published: their quiz shows the questions and
// options, and the answer only to whoever clicks one. Such a question
// stays on the card with no option correct (Question.Answered is false),
// to be left out of a scored quiz, and warn is told of it, once per
// question, with the file and the line. Without this option such a card
// is refused (the error asks for an answer). Every other problem with a
// question is still an error.
func AllowUnanswered(warn func(*Error)) ImportOption {
	return func(cfg *importConfig) {
		if warn == nil {
			warn = func(*Error) {}
		}
		cfg.unanswered = warn
	}
}

// unansweredWarning says that question n (at path) has no answer marked,
// in the card's own form.
func (s source) unansweredWarning(path string, n int, q Question) *Error {
	fix := `mark one option with correct: true`
	if s.text {
		fix = `add a line like "Answer: B" after its options`
	}
	return s.errorf(path, "question %d (%s) has no answer marked: it is left out of the scored quiz; to ask it, %s", n, short(q.Prompt), fix)
}

// Answered reports whether the question has its right option marked. A
// card read with AllowUnanswered may have questions that do not.
func (q Question) Answered() bool { return q.Answer() >= 0 }
