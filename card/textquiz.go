package card

import (
	"regexp"
	"strings"
)

// textQuestion is a question as the page wrote it, with what its optional
// lines set explicitly (so an answer key fills only the rest).
type textQuestion struct {
	q         Question
	answer    int // the option an Answer line names, or -1
	answerAt  int
	explained map[int]bool
	closed    bool // an optional line came: no more options
}

var (
	answerRE       = regexp.MustCompile(`^Answer:\s*([A-Z])$`)
	explanationRE  = regexp.MustCompile(`^Explanation ([A-Z]):\s*(.*)$`)
	questionMetaRE = regexp.MustCompile(`^(ID|Topic|Difficulty):\s*(.*)$`)
)

func isMeta(s string) bool {
	return answerRE.MatchString(s) || explanationRE.MatchString(s) || questionMetaRE.MatchString(s)
}

func startsWith(s string, letter byte) bool { return len(s) > 0 && s[0] == letter }

func readQuiz(c *Card, sec *section, cfg importConfig, src source) *Error {
	if sec == nil {
		return nil
	}
	ls := sec.lines
	if len(ls) > 0 && strings.EqualFold(ls[0].s, "Test your understanding") {
		ls = ls[1:]
	}
	var qs []*textQuestion
	var cur *textQuestion
	for i, l := range ls {
		if cur != nil && len(cur.q.Options) > 0 {
			if handled, err := cur.meta(l, src); err != nil || handled {
				if err != nil {
					return err
				}
				continue
			}
			next := byte('A' + len(cur.q.Options))
			if !cur.closed && len(cur.q.Options) < 26 && startsWith(l.s, next) && !startsQuestion(ls[i:]) {
				cur.addOption(l, len(qs)-1, src)
				continue
			}
		} else if cur != nil && startsWith(l.s, 'A') {
			cur.addOption(l, len(qs)-1, src)
			continue
		} else if cur != nil {
			return src.errorf(index("quiz", len(qs)-1), "question %d (%s) has no options: write them on the lines after it, starting with their letter (ATo store ...)", len(qs), short(cur.q.Prompt))
		}
		cur = &textQuestion{q: Question{Prompt: l.s}, answer: -1, explained: map[int]bool{}}
		qs = append(qs, cur)
		src.pos[index("quiz", len(qs)-1)] = l.n
	}
	if cur != nil && len(cur.q.Options) == 0 {
		return src.errorf(index("quiz", len(qs)-1), "question %d (%s) has no options: write them on the lines after it, starting with their letter (ATo store ...)", len(qs), short(cur.q.Prompt))
	}
	for _, t := range qs {
		if t.answer >= 0 {
			t.q.Options[t.answer].Correct = true
		}
	}
	if len(qs) > sec.count {
		return src.errorf("quiz", "%q announces %d questions, but %d follow", sec.header.s, sec.count, len(qs))
	}
	applyAnswerKey(c, qs, cfg.keys, sec.count)
	for i := len(qs); i < len(c.Quiz); i++ {
		src.pos[index("quiz", i)] = sec.header.n
	}
	return nil
}

// startsQuestion reports whether ls[0] is a prompt rather than an option: the
// two lines after it are a fresh question's options A and B.
func startsQuestion(ls []textLine) bool {
	return len(ls) >= 3 &&
		startsWith(ls[1].s, 'A') && !isMeta(ls[1].s) &&
		startsWith(ls[2].s, 'B') && !isMeta(ls[2].s)
}

func (t *textQuestion) addOption(l textLine, qi int, src source) {
	src.pos[index(field(index("quiz", qi), "options"), len(t.q.Options))] = l.n
	t.q.Options = append(t.q.Options, Option{Text: strings.TrimSpace(l.s[1:])})
}

// meta reads an optional line after the options (Answer, Explanation, ID,
// Topic, Difficulty).
func (t *textQuestion) meta(l textLine, src source) (bool, *Error) {
	if m := answerRE.FindStringSubmatch(l.s); m != nil {
		if t.answer >= 0 {
			return true, src.errorf("", "a second Answer line for question %s (first at line %d)", short(t.q.Prompt), t.answerAt).at(l.n)
		}
		t.answer, t.answerAt, t.closed = int(m[1][0]-'A'), l.n, true
		if t.answer >= len(t.q.Options) {
			return true, src.errorf("", "%q names option %s, but the question has options A to %s", l.s, m[1], letter(len(t.q.Options)-1)).at(l.n)
		}
		return true, nil
	}
	if m := explanationRE.FindStringSubmatch(l.s); m != nil {
		o := int(m[1][0] - 'A')
		if o >= len(t.q.Options) {
			return true, src.errorf("", "an explanation of option %s, but the question has options A to %s", m[1], letter(len(t.q.Options)-1)).at(l.n)
		}
		if t.explained[o] {
			return true, src.errorf("", "a second explanation of option %s", m[1]).at(l.n)
		}
		t.q.Options[o].Explanation = strings.TrimSpace(m[2])
		t.explained[o], t.closed = true, true
		return true, nil
	}
	if m := questionMetaRE.FindStringSubmatch(l.s); m != nil {
		v := strings.TrimSpace(m[2])
		var dst *string
		switch m[1] {
		case "ID":
			dst = &t.q.ID
		case "Topic":
			dst = &t.q.Topic
		default:
			dst = &t.q.Difficulty
		}
		if *dst != "" {
			return true, src.errorf("", "a second %s line for question %s", m[1], short(t.q.Prompt)).at(l.n)
		}
		*dst, t.closed = v, true
		return true, nil
	}
	return false, nil
}

// applyAnswerKey fills c.Quiz from the page's questions and the answer key,
// as WithAnswerKey describes.
func applyAnswerKey(c *Card, qs []*textQuestion, keys []*Card, announced int) {
	var key *Card
	used := map[*Question]bool{}
	for _, t := range qs {
		q := t.q
		for _, k := range keys {
			kq := findQuestion(k, q.Prompt)
			if kq == nil {
				continue
			}
			if key == nil {
				key = k
			}
			used[kq] = true
			fill(&q.ID, kq.ID)
			fill(&q.Topic, kq.Topic)
			fill(&q.Difficulty, kq.Difficulty)
			for oi := range q.Options {
				o := &q.Options[oi]
				ko := findOption(kq, o.Text)
				if ko == nil {
					continue
				}
				if t.answer < 0 {
					o.Correct = ko.Correct
				}
				if !t.explained[oi] {
					o.Explanation = ko.Explanation
				}
			}
			break
		}
		c.Quiz = append(c.Quiz, q)
	}
	if key == nil {
		for _, k := range keys {
			if sameText(k.Title, c.Title) {
				key = k
				break
			}
		}
	}
	if key == nil {
		return
	}
	for i := range key.Quiz {
		if len(c.Quiz) >= announced {
			break
		}
		if kq := &key.Quiz[i]; !used[kq] {
			q := *kq
			q.Options = append([]Option(nil), kq.Options...)
			c.Quiz = append(c.Quiz, q)
		}
	}
}

func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

func findQuestion(k *Card, prompt string) *Question {
	for i := range k.Quiz {
		if sameText(k.Quiz[i].Prompt, prompt) {
			return &k.Quiz[i]
		}
	}
	return nil
}

func findOption(q *Question, text string) *Option {
	for i := range q.Options {
		if sameText(q.Options[i].Text, text) {
			return &q.Options[i]
		}
	}
	return nil
}

// sameText compares two texts ignoring case and how they are spaced.
func sameText(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}
