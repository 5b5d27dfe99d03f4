package card

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ImportOption changes how a card in text form is read.
type ImportOption func(*importConfig)

type importConfig struct {
	keys []*Card
	// unanswered, when set, lets a question with no answer marked through
	// (see AllowUnanswered).
	unanswered func(*Error)
}

// WithAnswerKey lets known cards answer the quiz of a page. The page text of
// a card shows its questions without marking the correct option, and shows
// only the first of them: the rest of its quiz hides behind a button that the
// text does not capture. So a question on the page whose prompt matches a
// question of a known card (ignoring case and spacing) takes that question's
// id, topic, difficulty and, option by option (matched by text), the correct
// flag and the explanation, unless the page sets them itself with Answer,
// Explanation, ID, Topic or Difficulty lines. And when the quiz header
// announces more questions than the page shows, the missing ones are the
// known card's remaining questions, in order. A known card answers a page
// whose title or one of whose prompts it shares; the first such card wins.
func WithAnswerKey(known ...*Card) ImportOption {
	return func(cfg *importConfig) {
		for _, k := range known {
			if k != nil {
				cfg.keys = append(cfg.keys, k)
			}
		}
	}
}

// ImportText reads a card in the text form of a card's page, as in
// cards/production.txt, and validates it. name (usually the file name) starts
// every error, which names the line and what is wrong, as an *Error. Blank
// lines and the spaces around a line do not matter. The page, in order:
//
//	Why ... - Architecture Impact           anything before the title line is ignored
//	System Overview - TITLE                 the title
//	This system ...                         the overview: lines up to the next section
//	Architecture Diagram                    ignored up to the next section: archex
//	...                                     draws it from the components and the flow
//	Components                              three lines per component:
//	Load Balancer                           its name,
//	load_balancer                           its kind (one word; unknown kinds run as generic stages),
//	Distributes incoming traffic ...        its description
//	What the Service Serves                 optional: the noun of the routes, keys and
//	Resource: message                       table, its plural (optional) and the number
//	Plural: messages                        a write sets; without it the service serves
//	Field: reactions                        products priced in cents
//	Request Flow - 14 Hops                  one hop per line, the two names run together;
//	UserLoad Balancer                       the line is split where it reads as exactly two
//	...                                     component names ("A -> B" also works); the count must match
//	Failure Scenario
//	Component Fails:Cache
//	Impact:Cache misses increase ...
//	Mitigation:System continues ...
//	Architecture Quiz - 3 Questions
//	Test your understanding                 optional
//	Why is a load balancer used ...?        a question: its prompt, then its options,
//	ATo store frequently accessed data      each starting with its letter A, B, C ...
//	BTo evenly distribute user requests ...
//	Answer: B                               optional lines after the options, for cards
//	Explanation A: That is the cache's job. written by hand: the correct option, the
//	ID: card-load-balancer                  explanation of an option, the question's
//	Topic: load balancer                    id, topic and difficulty
//	Difficulty: easy
//	Design Principle
//	This architecture shows ...             the principle: lines up to the end
//
// The line after a question's last option starts the next question. A line
// that starts with the next option's letter is still read as the next
// question's prompt when the two lines after it start with A and B, so
// prompts like "Can a cache ..." after a two-option question read right.
//
// Async hops are inferred: after a synchronous hop into a component of kind
// queue, the hops that chain from it (queue -> X, X -> Y, each leaving where
// the previous one arrived) are async, up to the first hop that breaks the
// chain. (So a YAML card whose async branch stops early while the next hop
// still leaves where it arrived has no text form.)
//
// A question with no Answer line gets its correct option from an answer key
// (WithAnswerKey) or not at all, which fails validation with a message
// asking for an Answer line. A quiz header may announce more questions than
// the page shows (a page hides the rest behind a button): the key fills them
// in, and without one the card has the questions shown. More questions than
// announced is an error, as is a hop count that does not match. A question with no id gets "card-q" and its
// number. The text form has no replicas, latency or capacity: the engine uses
// the kinds' defaults; write YAML for those.
func ImportText(name string, data []byte, opts ...ImportOption) (*Card, error) {
	var cfg importConfig
	for _, opt := range opts {
		opt(&cfg)
	}
	if err := checkSize(name, int64(len(data))); err != nil {
		return nil, err
	}
	src := source{file: name, pos: positions{}, text: true, unanswered: cfg.unanswered}
	c, err := importText(data, cfg, src)
	if err != nil {
		return nil, err
	}
	if err := validate(c, src); err != nil {
		return nil, err
	}
	return c, nil
}

// textLine is one non-blank line of a text card, trimmed, with its number.
type textLine struct {
	n int
	s string
}

// section is the lines under one section header.
type section struct {
	header textLine
	count  int // the N of "Request Flow - N Hops", "Architecture Quiz - N Questions"
	lines  []textLine
}

var (
	titleRE  = regexp.MustCompile(`^System Overview\s*[-–—:]\s*(.*)$`)
	headerRE = map[string]*regexp.Regexp{
		"diagram":    regexp.MustCompile(`^Architecture Diagram$`),
		"components": regexp.MustCompile(`^Components$`),
		"serves":     regexp.MustCompile(`^What the Service Serves$`),
		"flow":       regexp.MustCompile(`^Request Flow - (\d{1,6}) Hops?$`),
		"failure":    regexp.MustCompile(`^Failure Scenario$`),
		"quiz":       regexp.MustCompile(`^Architecture Quiz - (\d{1,6}) Questions?$`),
		"principle":  regexp.MustCompile(`^Design Principle$`),
	}
	sectionOrder = []string{"diagram", "components", "serves", "flow", "failure", "quiz", "principle"}
)

func importText(data []byte, cfg importConfig, src source) (*Card, *Error) {
	lines, err := textLines(data, src)
	if err != nil {
		return nil, err
	}
	c := &Card{}
	sections := map[string]*section{}
	var cur *section
	for _, l := range lines {
		if cur == nil {
			if m := titleRE.FindStringSubmatch(l.s); m != nil {
				c.Title = strings.TrimSpace(m[1])
				src.pos["title"] = l.n
				cur = &section{header: l}
				sections["overview"] = cur
			}
			continue
		}
		if key, count, ok := sectionHeader(l.s); ok {
			if prev := sections[key]; prev != nil {
				return nil, src.errorf("", "%q again (first at line %d): a card has one such section", l.s, prev.header.n).at(l.n)
			}
			cur = &section{header: l, count: count}
			sections[key] = cur
			src.pos[key] = l.n
			continue
		}
		cur.lines = append(cur.lines, l)
	}
	if cur == nil {
		return nil, &Error{File: src.file, Msg: `no "System Overview - TITLE" line: a card's text starts with its title there`}
	}
	c.Overview = joinLines(sections["overview"])
	c.Principle = joinLines(sections["principle"])
	if err := readComponents(c, sections["components"], src); err != nil {
		return nil, err
	}
	// Hops are split by the component names: make sure they are sound first.
	if err := checkTitle(c, src); err != nil {
		return nil, err
	}
	if err := checkComponents(c, src); err != nil {
		return nil, err
	}
	if err := readServes(c, sections["serves"], src); err != nil {
		return nil, err
	}
	if err := readFlow(c, sections["flow"], src); err != nil {
		return nil, err
	}
	if err := readFailure(c, sections["failure"], src); err != nil {
		return nil, err
	}
	if err := readQuiz(c, sections["quiz"], cfg, src); err != nil {
		return nil, err
	}
	normalize(c)
	return c, nil
}

// at moves an error to line n.
func (e *Error) at(n int) *Error {
	e.Line = n
	return e
}

// textLines splits data into trimmed non-blank lines.
func textLines(data []byte, src source) ([]textLine, *Error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	// Windows and old Mac line ends count as one line break each.
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	var out []textLine
	for i, raw := range bytes.Split(data, []byte("\n")) {
		if !utf8.Valid(raw) {
			return nil, &Error{File: src.file, Line: i + 1, Msg: "this line is not UTF-8 text"}
		}
		if s := strings.TrimSpace(string(raw)); s != "" {
			out = append(out, textLine{n: i + 1, s: s})
		}
	}
	return out, nil
}

func sectionHeader(s string) (key string, count int, ok bool) {
	for _, key := range sectionOrder {
		if m := headerRE[key].FindStringSubmatch(s); m != nil {
			if len(m) > 1 {
				count, _ = strconv.Atoi(m[1])
			}
			return key, count, true
		}
	}
	return "", 0, false
}

// joinLines joins a paragraph's lines with single spaces, as a folded YAML
// scalar does.
func joinLines(sec *section) string {
	if sec == nil {
		return ""
	}
	parts := make([]string, len(sec.lines))
	for i, l := range sec.lines {
		parts[i] = l.s
	}
	return strings.Join(parts, " ")
}
