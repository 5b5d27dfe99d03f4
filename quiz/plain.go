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
	return RunPlainExperiments(context.Background(), in, out, s, record, nil)
}

// RunPlainExperiments is RunPlain for a session with experiments. An
// experiment starts its trial at once (exp), printing its progress as
// indented lines; then it prints the baseline and the question, reads the
// learner's prediction, a number on its line, and measures; the feedback is
// the measured number against the prediction, what was measured and why it
// came out so. When the experiment cannot run, that is said, the question is
// dropped from the session ungraded, and the session goes on. When ctx ends
// during one, or the experiment reports that it was cancelled (the learner
// pressed ctrl+c), the session stops there and context.Canceled is returned
// with the results so far. Without exp, an experiment is dropped with a
// note.
func RunPlainExperiments(ctx context.Context, in io.Reader, out io.Writer, s *Session, record func(Answer), exp Experimenter) (Results, error) {
	w := &errWriter{w: out}
	sc := bufio.NewScanner(in)
	for !s.Done() {
		it, _ := s.Current()
		writeQuestion(w, it, s.Pos()+1, s.Len())
		var (
			a   Answer
			t   turn
			err error
		)
		switch {
		case it.Judged():
			a, t, err = runExperiment(ctx, sc, w, s, it, exp)
		case it.Numeric():
			var v float64
			if v, t, err = readNumber(sc, w, *it.Problem); t == answered {
				a, err = s.AnswerNumber(v)
			}
		default:
			var choice int
			if choice, t, err = readChoice(sc, w, it.Len()); t == answered {
				a, err = s.Answer(choice)
			}
		}
		if err != nil {
			return s.Results(), err
		}
		switch t {
		case dropped:
			continue
		case interrupted:
			w.printf("\nStopped: the experiment was interrupted after %d of %d questions.\n", s.Pos(), s.Len())
			r := s.Results()
			writeResults(w, r)
			return r, context.Canceled
		case noMore:
			w.printf("\nNo more answers: stopped after %d of %d questions.\n", s.Pos(), s.Len())
			r := s.Results()
			writeResults(w, r)
			return r, w.err
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

// turn is how one question's turn ended.
type turn int

const (
	answered    turn = iota
	dropped          // an experiment that could not run, left for another time
	noMore           // the input ended
	interrupted      // the learner stopped an experiment
)

// runExperiment runs it's trial: the baseline, the prediction read from sc,
// the measurement. It drops the question when the experiment cannot run.
func runExperiment(ctx context.Context, sc *bufio.Scanner, w *errWriter, s *Session, it Item, exp Experimenter) (Answer, turn, error) {
	progress := func(line string) { w.printf("  %s\n", line) }
	stopped := func(err error) bool { return ctx.Err() != nil || errors.Is(err, context.Canceled) }
	cannot := func(err error) (Answer, turn, error) {
		w.printf("The experiment could not run: %v\n", err)
		w.printf("Nothing is graded; the question is left for another time.\n")
		if _, err := s.Drop(); err != nil {
			return Answer{}, dropped, err
		}
		return Answer{}, dropped, nil
	}
	if exp == nil {
		return cannot(errors.New("this mode has no live system to run it on"))
	}
	w.printf("First the live system's steady baseline:\n")
	trial, err := exp(ctx, it, progress)
	switch {
	case err != nil && stopped(err):
		return Answer{}, interrupted, nil
	case err != nil:
		return cannot(err)
	}
	defer trial.Close()
	p := trial.Problem()
	w.printf("%s\n", p.Prompt)
	v, t, err := readNumber(sc, w, p)
	if t != answered || err != nil {
		return Answer{}, t, err
	}
	w.printf("Your prediction: %s%s\nRunning the experiment...\n", Number(v), unitSuffix(p.Unit))
	measured, evidence, err := trial.Measure(ctx, progress)
	switch {
	case err != nil && stopped(err):
		return Answer{}, interrupted, nil
	case err != nil:
		return cannot(err)
	}
	a, err := s.AnswerMeasured(v, measured, evidence)
	return a, answered, err
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
	if it.Judged() {
		// The options are a class poll's; the quiz asks for a number.
		w.printf("%s\n", ExperimentIntro)
		return
	}
	for i, o := range it.Options() {
		w.printf("%s) %s\n", Letter(i), o.Text)
	}
}

// ExperimentIntro says, under an experiment's question, how it is asked.
const ExperimentIntro = "An experiment on a live system: it measures the system's steady baseline, you predict a number from it, then it acts and measures what happened."

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

// readNumber reads lines until one is a number, or the input ends
// (noMore).
func readNumber(sc *bufio.Scanner, w *errWriter, p Problem) (v float64, t turn, err error) {
	w.printf("Type a number (%s):\n", p.Within())
	for sc.Scan() {
		if v, ok := ParseNumber(sc.Text()); ok {
			return v, answered, nil
		}
		in := strings.TrimSpace(sc.Text())
		if in == "" {
			w.printf("Type a number, such as 375 or 2.4, and press Enter.\n")
		} else {
			w.printf("%q is not a number: type digits, such as 375 or 2.4 (a unit after it is fine).\n", in)
		}
	}
	return 0, noMore, readErr(sc)
}

// readErr is the scanner's error, if reading failed, as an error of its
// own.
func readErr(sc *bufio.Scanner) error {
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading answers: %w", err)
	}
	return nil
}

// readChoice reads lines until one is a letter naming an option, or the
// input ends (noMore).
func readChoice(sc *bufio.Scanner, w *errWriter, n int) (choice int, t turn, err error) {
	letters := Letter(0) + "-" + Letter(n-1)
	w.printf("Your answer (%s)?\n", letters)
	for sc.Scan() {
		if c, ok := ParseLetter(sc.Text(), n); ok {
			return c, answered, nil
		}
		in := strings.TrimSpace(sc.Text())
		if in == "" {
			w.printf("Type one letter, %s, and press Enter.\n", letters)
		} else {
			w.printf("%q is not one of the options: type one letter, %s.\n", in, letters)
		}
	}
	return 0, noMore, readErr(sc)
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
func writeFeedback(w *errWriter, a Answer) {
	if a.Item.Numeric() {
		writeNumericFeedback(w, a)
		return
	}
	defer writeAheadNote(w, a)
	chosen := a.Item.Option(a.Chosen)
	if a.Right() {
		w.printf("Correct. %s) %s\n", Letter(a.Chosen), chosen.Text)
		writeExplanation(w, chosen.Explanation)
		return
	}
	w.printf("Wrong. You chose %s) %s\n", Letter(a.Chosen), chosen.Text)
	writeExplanation(w, chosen.Explanation)
	right := a.Item.Option(a.Correct)
	w.printf("The right answer is %s) %s\n", Letter(a.Correct), right.Text)
	writeExplanation(w, right.Explanation)
}

// writeNumericFeedback writes the verdict on a number, and the worked
// method; for a prediction, the measured number and what was measured come
// first: they are what graded it.
func writeNumericFeedback(w *errWriter, a Answer) {
	p := a.Item.Problem
	accepted := ""
	if r := p.Range(); r != "" {
		accepted = " (accepted: " + r + ")"
	}
	switch {
	case p.Measured && a.Right():
		w.printf("Correct. You predicted %s; measured %s%s\n", Number(a.Value), p.Shown(), accepted)
	case p.Measured:
		w.printf("Wrong. You predicted %s; measured %s%s\n", Number(a.Value), p.Shown(), accepted)
	case a.Right():
		w.printf("Correct. %s%s\n", p.Shown(), accepted)
	default:
		w.printf("Wrong. You typed %s; the answer is %s%s\n", Number(a.Value), p.Shown(), accepted)
	}
	if a.Evidence != "" {
		w.printf("Measured: %s\n", a.Evidence)
	}
	w.printf("%s:\n", p.MethodTitle())
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
// answer is C) ...", "You typed 125; the answer is 375 statements/s" or
// "You predicted 23; measured 152 reads/s".
func MissLine(m Answer) string {
	if p := m.Item.Problem; p != nil && p.Measured {
		return fmt.Sprintf("You predicted %s; measured %s", Number(m.Value), p.Shown())
	}
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
