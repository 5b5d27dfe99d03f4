package quiz

import (
	"embed"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/archex/archex/card"
)

//go:embed bank/architecture.yaml
var bankFiles embed.FS

// DefaultBankName is the file name of the embedded question bank.
const DefaultBankName = "architecture.yaml"

// Difficulties a question may have, easiest first.
const (
	Easy   = "easy"
	Medium = "medium"
	Hard   = "hard"
)

// Difficulties lists the known difficulties, easiest first.
var Difficulties = []string{Easy, Medium, Hard}

// MaxOptions is how many options a question may have: they are answered by
// the letters A to D.
const MaxOptions = 4

// Bank is a validated set of questions, in file order.
type Bank struct {
	// Name is the file the bank was read from, as given to LoadBank.
	Name      string
	Questions []card.Question
}

// DefaultBank returns the embedded question bank.
func DefaultBank() *Bank {
	data, err := bankFiles.ReadFile("bank/" + DefaultBankName)
	if err == nil {
		var b *Bank
		if b, err = LoadBank(DefaultBankName, data); err == nil {
			return b
		}
	}
	// The embedded bank is part of the binary and tested; failing here
	// means the build itself is broken.
	panic(fmt.Sprintf("embedded question bank: %v", err))
}

// ReadBank reads and validates the bank file at path. Its errors name the
// file as given.
func ReadBank(path string) (*Bank, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("question bank %s: %w", path, err)
	}
	return LoadBank(path, data)
}

// BankError is a problem with a bank file, on one line: the file, the line
// when known, the question (by number and id) and what is wrong.
type BankError struct {
	File string
	Line int // 0 when unknown
	// Question is the question's 1-based number in the file, 0 when the
	// problem is with the file as a whole; ID is its id when it has one.
	Question int
	ID       string
	Msg      string
}

func (e *BankError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Question > 0 {
		fmt.Fprintf(&b, "question %d", e.Question)
		if e.ID != "" {
			fmt.Fprintf(&b, " (%q)", e.ID)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// idPattern is what a question id looks like: ids are stored in the
// learner's progress, so they are kept plain.
var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// LoadBank parses and validates a question bank. name is the file name used
// in errors. The YAML is strict: unknown fields are errors, as are values of
// the wrong type. Every question needs a unique id, a topic, a difficulty
// (easy, medium or hard), a prompt and 2 to 4 options, each with text and an
// explanation, exactly one of them marked correct: true. The first problem
// found is returned as a *BankError.
func LoadBank(name string, data []byte) (*Bank, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, syntaxError(name, err)
	}
	bl := bankLoader{file: name}
	qs, err := bl.questions(&root)
	if err != nil {
		return nil, err
	}
	return &Bank{Name: name, Questions: qs}, nil
}

type bankLoader struct{ file string }

func (bl bankLoader) fileErr(n *yaml.Node, format string, args ...any) *BankError {
	e := &BankError{File: bl.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line = n.Line
	}
	return e
}

// questions checks the document's shape and decodes its questions.
func (bl bankLoader) questions(root *yaml.Node) ([]card.Question, error) {
	const emptyHint = "no questions: list them under questions:, each with id, topic, difficulty, prompt and options"
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, bl.fileErr(nil, "%s", emptyHint)
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, bl.fileErr(doc, "want a mapping with questions: at the top, found %s", nodeKind(doc))
	}
	if k := repeatedKey(doc); k != nil {
		return nil, bl.fileErr(k, "questions: is given twice: put every question in one list")
	}
	var list *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		if k.Value != "questions" {
			return nil, bl.fileErr(k, "unknown field %q at the top: a bank has only questions:", k.Value)
		}
		list = v
	}
	if list == nil || isNull(list) {
		return nil, bl.fileErr(doc, "%s", emptyHint)
	}
	if list.Kind != yaml.SequenceNode {
		return nil, bl.fileErr(list, "questions: want a list, found %s", nodeKind(list))
	}
	if len(list.Content) == 0 {
		return nil, bl.fileErr(list, "%s", emptyHint)
	}
	qs := make([]card.Question, 0, len(list.Content))
	seen := map[string]int{}
	for i, n := range list.Content {
		q, err := bl.question(i+1, n)
		if err != nil {
			return nil, err
		}
		if first, ok := seen[q.ID]; ok {
			return nil, bl.questionErr(i+1, q.ID, fieldNode(n, "id"), "id %q is already used by question %d: ids must be unique", q.ID, first)
		}
		seen[q.ID] = i + 1
		qs = append(qs, q)
	}
	return qs, nil
}

func (bl bankLoader) questionErr(num int, id string, n *yaml.Node, format string, args ...any) *BankError {
	e := bl.fileErr(n, format, args...)
	e.Question, e.ID = num, id
	return e
}

var (
	questionFields = []string{"id", "topic", "difficulty", "prompt", "options"}
	optionFields   = []string{"text", "correct", "explanation"}
)

// question checks and decodes question number num.
func (bl bankLoader) question(num int, n *yaml.Node) (card.Question, error) {
	var q card.Question
	if n.Kind != yaml.MappingNode {
		return q, bl.questionErr(num, "", n, "want a mapping with id, topic, difficulty, prompt and options, found %s", nodeKind(n))
	}
	// The id first, so that every later error can name the question.
	if idn := fieldNode(n, "id"); idn != nil && idn.Kind == yaml.ScalarNode {
		q.ID = idn.Value
	}
	fail := func(at *yaml.Node, format string, args ...any) (card.Question, error) {
		if at == nil {
			at = n
		}
		return card.Question{}, bl.questionErr(num, q.ID, at, format, args...)
	}
	if k := repeatedKey(n); k != nil {
		return fail(k, "field %q is given twice", k.Value)
	}
	var optsNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var dst *string
		switch k.Value {
		case "id":
			dst = &q.ID
		case "topic":
			dst = &q.Topic
		case "difficulty":
			dst = &q.Difficulty
		case "prompt":
			dst = &q.Prompt
		case "options":
			optsNode = v
			continue
		default:
			return fail(k, "unknown field %q (a question has %s)", k.Value, strings.Join(questionFields, ", "))
		}
		if err := scalarText(v, dst); err != nil {
			return fail(v, "%s: %s", k.Value, err)
		}
	}
	switch {
	case q.ID == "":
		return fail(nil, "no id: add id: with a short, stable name such as lb-health (progress is stored by id)")
	case !idPattern.MatchString(q.ID):
		return fail(fieldNode(n, "id"), "id %q: use lowercase letters, digits and dashes, like lb-health", q.ID)
	case strings.TrimSpace(q.Topic) == "":
		return fail(fieldNode(n, "topic"), "no topic: add topic: such as cache or load balancer (scores are shown per topic)")
	case q.Difficulty == "":
		return fail(nil, "no difficulty: add difficulty: %s", orList(Difficulties))
	case !slices.Contains(Difficulties, q.Difficulty):
		return fail(fieldNode(n, "difficulty"), "difficulty %q: use %s", q.Difficulty, orList(Difficulties))
	case strings.TrimSpace(q.Prompt) == "":
		return fail(fieldNode(n, "prompt"), "no prompt: add prompt: with the question to ask")
	}
	if optsNode == nil || isNull(optsNode) {
		return fail(nil, "no options: list 2 to %d under options:, each with text and explanation", MaxOptions)
	}
	if optsNode.Kind != yaml.SequenceNode {
		return fail(optsNode, "options: want a list, found %s", nodeKind(optsNode))
	}
	if c := len(optsNode.Content); c < 2 || c > MaxOptions {
		return fail(optsNode, "has %s: give 2 to %d (answered by the letters A to %s)", plural(c, "option"), MaxOptions, Letter(MaxOptions-1))
	}
	var correct []string
	for oi, on := range optsNode.Content {
		o, err := bl.option(oi, on)
		if err != "" {
			return fail(on, "option %s%s", Letter(oi), err)
		}
		for pi, prev := range q.Options {
			if sameText(prev.Text, o.Text) {
				return fail(fieldNode(on, "text"), "options %s and %s have the same text: each option must be different", Letter(pi), Letter(oi))
			}
		}
		if o.Correct {
			correct = append(correct, Letter(oi))
		}
		q.Options = append(q.Options, o)
	}
	switch len(correct) {
	case 1:
	case 0:
		return fail(optsNode, "no option is marked correct: add correct: true to the right one")
	case 2:
		return fail(optsNode, "options %s are both marked correct: mark exactly one", andList(correct))
	default:
		return fail(optsNode, "options %s are all marked correct: mark exactly one", andList(correct))
	}
	return q, nil
}

// option checks and decodes option oi; a problem comes back as the rest of
// a sentence starting "option B" (" has no text", ": text: want text ...").
func (bl bankLoader) option(oi int, n *yaml.Node) (card.Option, string) {
	var o card.Option
	if n.Kind != yaml.MappingNode {
		return o, fmt.Sprintf(" is %s: want a mapping with text and explanation", nodeKind(n))
	}
	if k := repeatedKey(n); k != nil {
		return o, fmt.Sprintf(" has the field %q twice", k.Value)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "text":
			if err := scalarText(v, &o.Text); err != nil {
				return o, ": text: " + err.Error()
			}
		case "explanation":
			if err := scalarText(v, &o.Explanation); err != nil {
				return o, ": explanation: " + err.Error()
			}
		case "correct":
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
				return o, fmt.Sprintf(": correct: %s is not true or false", nodeKind(v))
			}
			o.Correct = v.Value == "true" || v.Value == "True" || v.Value == "TRUE"
		default:
			return o, fmt.Sprintf(" has an unknown field %q (an option has %s)", k.Value, strings.Join(optionFields, ", "))
		}
	}
	switch {
	case strings.TrimSpace(o.Text) == "":
		return o, " has no text"
	case strings.TrimSpace(o.Explanation) == "":
		return o, " has no explanation: say why it is right or why it is wrong"
	}
	return o, ""
}

// scalarText decodes a text field, refusing lists and mappings.
func scalarText(n *yaml.Node, dst *string) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want text, found %s", nodeKind(n))
	}
	if isNull(n) {
		*dst = ""
		return nil
	}
	*dst = strings.TrimSpace(n.Value)
	return nil
}

// repeatedKey returns the second occurrence of a key given twice in the
// mapping n, or nil. (yaml.v3 lets the last one win when decoding a node.)
func repeatedKey(n *yaml.Node) *yaml.Node {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if seen[k.Value] {
			return k
		}
		seen[k.Value] = true
	}
	return nil
}

func fieldNode(n *yaml.Node, name string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == name {
			return n.Content[i+1]
		}
	}
	return nil
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

// syntaxError turns yaml's "yaml: line 7: did not find expected key" into
// "bank.yaml:7: did not find expected key".
func syntaxError(name string, err error) *BankError {
	msg := oneLine(err.Error())
	e := &BankError{File: name, Msg: msg}
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Msg = msg[len(m[0]):]
	}
	e.Msg = "not valid YAML: " + e.Msg
	return e
}

var lineRe = regexp.MustCompile(`^line (\d+): `)

// oneLine folds a multi-line message (yaml's syntax errors) onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.TrimPrefix(s, "yaml: ")), " ")
}

func sameText(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// Letter is the letter that answers option i: A for 0.
func Letter(i int) string { return string(rune('A' + i)) }

func orList(words []string) string {
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func andList(words []string) string {
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
