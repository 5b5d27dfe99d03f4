package card

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ImportOption changes how a card in text form is read.
type ImportOption func(*importConfig)

type importConfig struct {
	keys []*Card
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
// asking for an Answer line. A question with no id gets "card-q" and its
// number. The text form has no replicas, latency or capacity: the engine uses
// the kinds' defaults; write YAML for those.
func ImportText(name string, data []byte, opts ...ImportOption) (*Card, error) {
	var cfg importConfig
	for _, opt := range opts {
		opt(&cfg)
	}
	src := source{file: name, pos: positions{}, text: true}
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
		"flow":       regexp.MustCompile(`^Request Flow - (\d{1,6}) Hops?$`),
		"failure":    regexp.MustCompile(`^Failure Scenario$`),
		"quiz":       regexp.MustCompile(`^Architecture Quiz - (\d{1,6}) Questions?$`),
		"principle":  regexp.MustCompile(`^Design Principle$`),
	}
	sectionOrder = []string{"diagram", "components", "flow", "failure", "quiz", "principle"}
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

func readComponents(c *Card, sec *section, src source) *Error {
	if sec == nil {
		return nil
	}
	ls := sec.lines
	for i := 0; i < len(ls); i += 3 {
		path := index("components", i/3)
		comp := Component{Name: ls[i].s}
		src.pos[path] = ls[i].n
		src.pos[field(path, "name")] = ls[i].n
		if i+1 >= len(ls) {
			return src.errorf(path, "component %q has no kind line: each component takes three lines, its name, its kind and its description", comp.Name)
		}
		kind := ls[i+1]
		if strings.ContainsAny(kind.s, " \t") {
			return src.errorf("", "%q is not a kind (one word like cache or load_balancer): each component takes three lines, its name, its kind and its description", kind.s).at(kind.n)
		}
		comp.Kind = Kind(kind.s)
		src.pos[field(path, "kind")] = kind.n
		if i+2 >= len(ls) {
			return src.errorf(path, "component %q has no description line: each component takes three lines, its name, its kind and its description", comp.Name)
		}
		comp.Description = ls[i+2].s
		src.pos[field(path, "description")] = ls[i+2].n
		c.Components = append(c.Components, comp)
	}
	return nil
}

func readFlow(c *Card, sec *section, src source) *Error {
	if sec == nil {
		return nil
	}
	if len(sec.lines) != sec.count {
		return src.errorf("flow", "%q announces %d hops, but %d follow", sec.header.s, sec.count, len(sec.lines))
	}
	names := componentNames(c)
	sort.SliceStable(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	for i, l := range sec.lines {
		path := index("flow", i)
		src.pos[path] = l.n
		h, msg := splitHop(c, names, l.s)
		if msg != "" {
			return src.errorf(path, "hop %d %q %s", i+1, l.s, msg)
		}
		c.Flow = append(c.Flow, h)
	}
	inferAsync(c)
	return nil
}

// splitHop reads a hop line: two component names run together, or written
// "A -> B". names is sorted longest first. A problem comes back as the end
// of a message about the line.
func splitHop(c *Card, names []string, line string) (Hop, string) {
	for _, arrow := range []string{"->", "→"} {
		if from, to, ok := strings.Cut(line, arrow); ok {
			return Hop{From: strings.TrimSpace(from), To: strings.TrimSpace(to)}, ""
		}
	}
	var readings []Hop
	for _, from := range names {
		rest, ok := strings.CutPrefix(line, from)
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		if _, ok := c.Component(rest); ok {
			readings = append(readings, Hop{From: from, To: rest})
		}
	}
	switch len(readings) {
	case 1:
		return readings[0], ""
	case 0:
		for _, from := range names {
			if rest, ok := strings.CutPrefix(line, from); ok && strings.TrimSpace(rest) != "" {
				return Hop{}, "names " + notOnCard(c, strings.TrimSpace(rest))
			}
		}
		for _, to := range names {
			if rest, ok := strings.CutSuffix(line, to); ok && strings.TrimSpace(rest) != "" {
				return Hop{}, "names " + notOnCard(c, strings.TrimSpace(rest))
			}
		}
		return Hop{}, fmt.Sprintf("is not two component names run together (components: %s)", strings.Join(componentNames(c), ", "))
	}
	var alts []string
	for _, h := range readings {
		alts = append(alts, fmt.Sprintf("%q -> %q", h.From, h.To))
	}
	return Hop{}, fmt.Sprintf("is ambiguous: it reads as %s; rename a component or write the hop as %q", strings.Join(alts, " and as "), readings[0].From+" -> "+readings[0].To)
}

// inferAsync marks the hops that chain from a queue right after a
// synchronous hop into it, up to the first hop that breaks the chain.
func inferAsync(c *Card) {
	chain := false
	for i := range c.Flow {
		if i > 0 {
			prev := c.Flow[i-1]
			leavesPrev := c.Flow[i].From == prev.To
			if chain {
				chain = leavesPrev
			} else {
				chain = leavesPrev && c.kindOf(prev.To) == KindQueue
			}
		}
		c.Flow[i].Async = chain
	}
}

var failureFields = []struct {
	prefix, key string
}{{"Component Fails:", "component"}, {"Impact:", "impact"}, {"Mitigation:", "mitigation"}}

func readFailure(c *Card, sec *section, src source) *Error {
	if sec == nil {
		return nil
	}
	f := &Failure{}
	seen := map[string]int{}
	for _, l := range sec.lines {
		matched := false
		for _, ff := range failureFields {
			v, ok := strings.CutPrefix(l.s, ff.prefix)
			if !ok {
				continue
			}
			if first, dup := seen[ff.key]; dup {
				return src.errorf("", "a second %q line (first at line %d)", ff.prefix, first).at(l.n)
			}
			seen[ff.key] = l.n
			src.pos[field("failure", ff.key)] = l.n
			v = strings.TrimSpace(v)
			switch ff.key {
			case "component":
				f.Component = v
			case "impact":
				f.Impact = v
			default:
				f.Mitigation = v
			}
			matched = true
		}
		if !matched {
			return src.errorf("", `%q in the failure scenario: write its lines as "Component Fails:NAME", "Impact:..." and "Mitigation:..."`, l.s).at(l.n)
		}
	}
	c.Failure = f
	return nil
}
