package card

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Parse reads a card in YAML form and validates it. name (usually the file
// name) starts every error, which is one line naming the line in the file
// and what is wrong, as an *Error.
//
// Parse decodes the YAML into a node tree first, so that it can check the
// fields against the Card's and keep the line of every component, hop and
// question for the validation that follows. A question without an id gets
// "card-q" and its number.
func Parse(name string, data []byte, opts ...ImportOption) (*Card, error) {
	var cfg importConfig
	for _, opt := range opts {
		opt(&cfg)
	}
	if err := checkSize(name, int64(len(data))); err != nil {
		return nil, err
	}
	c, pos, err := decodeYAML(name, data)
	if err != nil {
		return nil, err
	}
	normalize(c)
	if err := validate(c, source{file: name, pos: pos, unanswered: cfg.unanswered}); err != nil {
		return nil, err
	}
	return c, nil
}

// decodeYAML decodes data into a card and the lines of its places.
func decodeYAML(name string, data []byte) (*Card, positions, *Error) {
	var c Card
	pos, err := decodeDoc(name, data, &c, cardFile)
	if err != nil {
		return nil, nil, err
	}
	return &c, pos, nil
}

// cardFile is how a card file's errors name it.
var cardFile = YAMLFile{
	Empty:    "the card is empty: a card has a title, components and a flow",
	One:      "a card file holds one card",
	Shape:    "a card is a YAML mapping (title:, components:, flow: ...)",
	What:     "a card",
	Describe: describe,
}

// normalize gives a parsed card the shape its YAML round trip keeps: no
// empty lists where the encoder omits them, an id on every question.
func normalize(c *Card) {
	if len(c.Quiz) == 0 {
		c.Quiz = nil
	}
	for i := range c.Quiz {
		if c.Quiz[i].ID == "" {
			c.Quiz[i].ID = "card-q" + strconv.Itoa(i+1)
		}
	}
}

var (
	yamlLineRE   = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unmarshalRE  = regexp.MustCompile("^cannot unmarshal !!(\\w+) `(.*)` into (.*)$")
	typeNameWord = map[string]string{
		"int": "a whole number", "bool": "true or false", "string": "text", "card.Kind": "a kind (one word)",
	}
)

// yamlError turns a yaml.v3 error (several lines for a TypeError) into one
// line with the line number of its first problem.
func yamlError(name string, err error) *Error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if te == nil {
			msg = "YAML syntax: " + msg
		}
	}
	if m := unmarshalRE.FindStringSubmatch(msg); m != nil {
		want := typeNameWord[m[3]]
		if want == "" {
			want = "a " + strings.TrimPrefix(strings.TrimPrefix(m[3], "[]"), "card.")
			if strings.HasPrefix(m[3], "[]") {
				want = "a list"
			}
		}
		msg = msgf("%q is a %s, but this must be %s", m[2], yamlTagWord(m[1]), want)
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return &Error{File: name, Line: line, Msg: msg}
}

func yamlTagWord(tag string) string {
	switch tag {
	case "str":
		return "string"
	case "seq":
		return "list"
	case "map":
		return "mapping"
	case "int", "float", "bool":
		return tag
	}
	return tag + " value"
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	case yaml.AliasNode:
		return "alias"
	}
	return "single value"
}

// walk checks node against the Go type t the way the decoder will read it,
// reporting unknown and repeated fields and lists or mappings in the wrong
// place with their lines, and records the line of every place in pos. It
// does not follow aliases: what an alias points to is checked where it is
// defined, and the decoder bounds their expansion.
func (f YAMLFile) walk(n *yaml.Node, t reflect.Type, path string, pos positions) *Error {
	describe := f.Describe
	if n.Kind == yaml.AliasNode || isNull(n) {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return &Error{Line: n.Line, Msg: msgf("%s must be a mapping (%s), not a %s", describe(path), strings.Join(yamlFields(t), ", "), nodeKind(n))}
		}
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" && k.Tag == "!!merge" {
				return &Error{Line: k.Line, Msg: "merge keys (<<) are not supported in " + f.What + ": write the fields out"}
			}
			fd, ok := fieldByTag(t, k.Value)
			if !ok {
				fields := yamlFields(t)
				hint := ""
				if near := closest(k.Value, fields); near != "" {
					hint = msgf("; did you mean %q?", near)
				}
				return &Error{Line: k.Line, Msg: msgf("unknown field %q in %s%s (fields: %s)", k.Value, describe(path), hint, strings.Join(fields, ", "))}
			}
			if first, dup := seen[k.Value]; dup {
				return &Error{Line: k.Line, Msg: msgf("field %q appears twice in %s (first at line %d)", k.Value, describe(path), first)}
			}
			seen[k.Value] = k.Line
			p := field(path, k.Value)
			pos[p] = k.Line
			if err := f.walk(v, fd.Type, p, pos); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return &Error{Line: n.Line, Msg: msgf("%s must be a list (lines starting with -), not a %s", describe(path), nodeKind(n))}
		}
		for i, item := range n.Content {
			p := index(path, i)
			pos[p] = item.Line
			if err := f.walk(item, t.Elem(), p, pos); err != nil {
				return err
			}
		}
	default:
		if n.Kind != yaml.ScalarNode {
			return &Error{Line: n.Line, Msg: msgf("%s must be a single value, not a %s", describe(path), nodeKind(n))}
		}
	}
	return nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// fieldByTag finds the struct field that YAML key name decodes into.
func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if yamlName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func yamlFields(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if n := yamlName(t.Field(i)); n != "" {
			names = append(names, n)
		}
	}
	return names
}

func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	switch tag {
	case "-":
		return ""
	case "":
		return strings.ToLower(f.Name)
	}
	return tag
}

// describe names a place in a card the way a teacher would: "component 3",
// "hop 4", "option B of question 2".
func describe(path string) string {
	var comp, hop, question, option int
	var rest string
	switch {
	case path == "":
		return "the card"
	case scan(path, "components[%d]%s", &comp, &rest):
		return within(rest, fmt.Sprintf("component %d", comp+1))
	case scan(path, "flow[%d]%s", &hop, &rest):
		return within(rest, fmt.Sprintf("hop %d", hop+1))
	case scan(path, "quiz[%d].options[%d]%s", &question, &option, &rest):
		return within(rest, fmt.Sprintf("option %s of question %d", letter(option), question+1))
	case scan(path, "quiz[%d]%s", &question, &rest):
		return within(rest, fmt.Sprintf("question %d", question+1))
	case path == "failure":
		return "the failure scenario"
	}
	return path
}

// scan is fmt.Sscanf that tolerates an empty rest.
func scan(s, format string, args ...any) bool {
	n, _ := fmt.Sscanf(s+"\x00", format, args...)
	return n == len(args)
}

func within(rest, what string) string {
	rest = strings.TrimSuffix(strings.TrimPrefix(rest, "."), "\x00")
	if rest == "" {
		return what
	}
	return "the " + rest + " of " + what
}
