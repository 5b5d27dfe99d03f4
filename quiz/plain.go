package quiz

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// RunPlain asks the session's questions line by line, for pipes and screen
// readers: each question with its options as "A) ...", then one answer per
// line read from in (a letter, either case, spaces ignored; anything else is
// asked again with a one-line hint), then the feedback: right or wrong, the
// chosen option's explanation and, when wrong, the right option and its
// explanation. A numeric question is answered with a number on its line,
// and its feedback shows the worked method. record is called after every
// answer (to save progress). The end of in ends the session early. It
// finishes with the results and a last line "score: N/M" (M is the number
// answered, first askings only). Nothing it writes is styled.
func RunPlain(in io.Reader, out io.Writer, s *Session, record func(Answer)) (Results, error) {
	return RunPlainJudged(context.Background(), in, out, s, record, nil)
}

// RunPlainJudged is RunPlain for a session with experiments: a question
// graded at run time reads the learner's prediction, then runs judge, which
// runs the experiment; its progress is printed as indented lines, and the
// feedback says what was measured. When the experiment cannot run, that is
// said, the question is dropped from the session ungraded, and the session
// goes on. When ctx ends during one, or the judge reports that it was
// cancelled (the learner pressed ctrl+c), the session stops there and
// context.Canceled is returned with the results so far. Without a judge,
// such a question is dropped with a note.
func RunPlainJudged(ctx context.Context, in io.Reader, out io.Writer, s *Session, record func(Answer), judge Judge) (Results, error) {
	w := &errWriter{w: out}
	sc := bufio.NewScanner(in)
	for !s.Done() {
		it, _ := s.Current()
		writeQuestion(w, it, s.Pos()+1, s.Len())
		var (
			choice int
			value  float64
			ok     bool
			err    error
		)
		if it.Numeric() {
			value, ok, err = readNumber(sc, w, *it.Problem)
		} else {
			choice, ok, err = readChoice(sc, w, it.Len(), it.Judged())
		}
		if err != nil {
			return s.Results(), fmt.Errorf("reading answers: %w", err)
		}
		if !ok {
			w.printf("\nNo more answers: stopped after %d of %d questions.\n", s.Pos(), s.Len())
			break
		}
		var a Answer
		if it.Numeric() {
			a, err = s.AnswerNumber(value)
		} else if it.Judged() {
			var v Verdict
			v, err = runJudge(ctx, w, judge, it, choice)
			switch {
			case err != nil && (ctx.Err() != nil || errors.Is(err, context.Canceled)):
				w.printf("\nStopped: the experiment was interrupted after %d of %d questions.\n", s.Pos(), s.Len())
				r := s.Results()
				writeResults(w, r)
				return r, context.Canceled
			case err != nil:
				w.printf("The experiment could not run: %v\n", err)
				w.printf("Your prediction is not graded; the question is left for another time.\n")
				if _, err := s.Drop(); err != nil {
					return s.Results(), err
				}
				continue
			}
			a, err = s.AnswerJudged(choice, v)
		} else {
			a, err = s.Answer(choice)
		}
		if err != nil {
			return s.Results(), err
		}
		if record != nil {
			record(a)
		}
		writeFeedback(w, a)
		if w.err != nil {
			return s.Results(), w.err
		}
	}
	r := s.Results()
	writeResults(w, r)
	return r, w.err
}

func writeQuestion(w *errWriter, it Item, n, total int) {
	w.printf("\nQuestion %d of %d (%s", n, total, it.Topic())
	if d := it.Question.Difficulty; d != "" {
		w.printf(", %s", d)
	}
	if tag := StatusTag(it); tag != "" {
		w.printf(", %s", tag)
	}
	w.printf(")\n%s\n", it.Prompt())
	for i, o := range it.Options() {
		w.printf("%s) %s\n", Letter(i), o.Text)
	}
}

// StatusTag says why a question is asked now, for its header: "new",
// "review", "not due yet" (a right answer will not move it up), "again"
// (missed earlier in this session).
func StatusTag(it Item) string {
	switch {
	case it.Again:
		return "again: missed earlier in this session"
	case it.Ahead():
		return "not due yet: a right answer will not move it up"
	case it.Status == StatusDue:
		return "review"
	}
	return "new"
}

// readNumber reads lines until one is a number. ok is false at the end of
// the input.
func readNumber(sc *bufio.Scanner, w *errWriter, p Problem) (v float64, ok bool, err error) {
	w.printf("Type a number (%s):\n", p.Within())
	for sc.Scan() {
		if v, ok := ParseNumber(sc.Text()); ok {
			return v, true, nil
		}
		in := strings.TrimSpace(sc.Text())
		if in == "" {
			w.printf("Type a number, such as 375 or 2.4, and press Enter.\n")
		} else {
			w.printf("%q is not a number: type digits, such as 375 or 2.4 (a unit after it is fine).\n", in)
		}
	}
	return 0, false, sc.Err()
}

// runJudge prints the prediction and runs the experiment, printing its
// progress.
func runJudge(ctx context.Context, w *errWriter, judge Judge, it Item, choice int) (Verdict, error) {
	w.printf("Your prediction: %s) %s\n", Letter(choice), it.Option(choice).Text)
	if judge == nil {
		return Verdict{}, errors.New("this mode has no live system to run it on")
	}
	w.printf("Running the experiment on a live system...\n")
	return judge(ctx, it, func(line string) { w.printf("  %s\n", line) })
}

// readChoice reads lines until one is a letter naming an option. ok is false
// at the end of the input. A prediction is asked for as one.
func readChoice(sc *bufio.Scanner, w *errWriter, n int, prediction bool) (choice int, ok bool, err error) {
	letters := Letter(0) + "-" + Letter(n-1)
	if prediction {
		w.printf("Your prediction (%s)? The experiment runs once you answer.\n", letters)
	} else {
		w.printf("Your answer (%s)?\n", letters)
	}
	for sc.Scan() {
		if c, ok := ParseLetter(sc.Text(), n); ok {
			return c, true, nil
		}
		in := strings.TrimSpace(sc.Text())
		if in == "" {
			w.printf("Type one letter, %s, and press Enter.\n", letters)
		} else {
			w.printf("%q is not one of the options: type one letter, %s.\n", in, letters)
		}
	}
	return 0, false, sc.Err()
}

// ParseLetter reads an answer typed as a letter ("b", " B ", "b)") naming
// one of n options; it returns the option's position.
func ParseLetter(s string, n int) (int, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimRight(s, ").")
	if len(s) != 1 {
		return 0, false
	}
	c := s[0]
	if c >= 'a' && c <= 'z' {
		c -= 'a' - 'A'
	}
	i := int(c) - 'A'
	if i < 0 || i >= n {
		return 0, false
	}
	return i, true
}

// writeFeedback writes the plain feedback for an answer.
// The measurements of an experiment come right after the verdict: they are
// what decided it.
func writeFeedback(w *errWriter, a Answer) {
	if a.Item.Numeric() {
		writeNumericFeedback(w, a)
		return
	}
	defer writeAheadNote(w, a)
	chosen := a.Item.Option(a.Chosen)
	if a.Right() {
		w.printf("Correct. %s) %s\n", Letter(a.Chosen), chosen.Text)
		writeEvidence(w, a)
		writeExplanation(w, chosen.Explanation)
	} else {
		w.printf("Wrong. You chose %s) %s\n", Letter(a.Chosen), chosen.Text)
		right := a.Item.Option(a.Correct)
		if a.Evidence != "" {
			w.printf("What happened: %s) %s\n", Letter(a.Correct), right.Text)
			writeEvidence(w, a)
			writeExplanation(w, right.Explanation)
			w.printf("About your prediction: %s\n", chosen.Explanation)
			return
		}
		writeExplanation(w, chosen.Explanation)
		w.printf("The right answer is %s) %s\n", Letter(a.Correct), right.Text)
		writeExplanation(w, right.Explanation)
	}
}

func writeNumericFeedback(w *errWriter, a Answer) {
	p := a.Item.Problem
	accepted := ""
	if r := p.Range(); r != "" {
		accepted = " (accepted: " + r + ")"
	}
	if a.Right() {
		w.printf("Correct. %s%s\n", p.Shown(), accepted)
	} else {
		w.printf("Wrong. You typed %s; the answer is %s%s\n", Number(a.Value), p.Shown(), accepted)
	}
	w.printf("How to work it out:\n")
	for _, l := range p.Method {
		w.printf("  %s\n", l)
	}
	writeAheadNote(w, a)
}

// writeAheadNote says, after a right answer to a question that was not due,
// that it does not move the question up.
func writeAheadNote(w *errWriter, a Answer) {
	if a.Right() && a.Item.Ahead() {
		w.printf("(Not due for review yet, so this answer is counted but does not move the question up.)\n")
	}
}

func writeEvidence(w *errWriter, a Answer) {
	if a.Evidence != "" {
		w.printf("Measured: %s\n", a.Evidence)
	}
}

func writeExplanation(w *errWriter, s string) {
	if s != "" {
		w.printf("%s\n", s)
	}
}

// writeResults writes the plain results, ending with the line "score: N/M".
func writeResults(w *errWriter, r Results) {
	w.printf("\nResults: %d of %d right", r.Right, r.Answered)
	if !r.Finished() {
		w.printf(" (%d of %d questions answered)", r.Answered, r.Asked)
	}
	w.printf("\n")
	width := 0
	for _, t := range r.Topics {
		width = max(width, len(t.Topic))
	}
	for _, t := range r.Topics {
		w.printf("  %-*s  %d/%d\n", width, t.Topic, t.Right, t.Answered)
	}
	if r.Again > 0 {
		w.printf("Asked again after a miss: %d of %d right the second time\n", r.AgainRight, r.Again)
	}
	if len(r.Misses) > 0 {
		w.printf("To review:\n")
		for _, m := range r.Misses {
			w.printf("- %s\n  %s\n", m.Item.Prompt(), MissLine(m))
		}
	}
	w.printf("score: %s\n", r.Score())
}

// MissLine is a wrong answer against the right one: "You chose B) ...; the
// answer is C) ..." or "You typed 125; the answer is 375 statements/s".
func MissLine(m Answer) string {
	if m.Item.Numeric() {
		return fmt.Sprintf("You typed %s; the answer is %s", Number(m.Value), m.Item.Problem.Shown())
	}
	return fmt.Sprintf("You chose %s) %s; the answer is %s) %s",
		Letter(m.Chosen), m.Item.Option(m.Chosen).Text, Letter(m.Correct), m.Item.Option(m.Correct).Text)
}

// errWriter keeps the first write error, so the writing code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
