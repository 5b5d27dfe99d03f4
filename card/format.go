package card

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// proseWidth is where Format folds the overview and the principle.
const proseWidth = 84

// Format writes c as a YAML card in the house layout of cards/*.yaml: one
// hop per line in flow style, the overview and the principle folded (>-) at
// about 84 columns, empty optional fields left out. Parse reads the result
// back to a card equal to c. Every scalar is quoted by yaml.v3 itself, so
// names with colons, quotes or leading spaces survive.
func Format(c *Card) []byte {
	var w formatter
	w.scalar(0, "", "title", c.Title)
	w.prose("overview", c.Overview)
	if sv := c.Serves; sv != nil {
		kv := []string{"resource", sv.Resource}
		if sv.Plural != "" {
			kv = append(kv, "plural", sv.Plural)
		}
		w.line(0, "serves: "+flowMap(append(kv, "field", sv.Field)...))
	}
	w.line(0, "components:")
	for _, comp := range c.Components {
		w.scalar(2, "- ", "name", comp.Name)
		w.scalar(4, "", "kind", string(comp.Kind))
		w.optional(4, "description", comp.Description)
		if comp.Replicas != 0 {
			w.line(4, "replicas: "+strconv.Itoa(comp.Replicas))
		}
		if l := comp.Latency; l != nil {
			lat := []string{"base", durationText(l.Base)}
			if l.Jitter != 0 {
				lat = append(lat, "jitter", durationText(l.Jitter))
			}
			w.line(4, "latency: "+flowMap(lat...))
		}
		if comp.Capacity != 0 {
			w.line(4, "capacity: "+strconv.Itoa(comp.Capacity))
		}
	}
	w.line(0, "flow:")
	for _, h := range c.Flow {
		kv := []string{"from", h.From, "to", h.To}
		if h.Async {
			kv = append(kv, "async", "true")
		}
		w.line(2, "- "+flowMap(kv...))
	}
	if f := c.Failure; f != nil {
		w.line(0, "failure:")
		w.scalar(2, "", "component", f.Component)
		w.scalar(2, "", "impact", f.Impact)
		w.scalar(2, "", "mitigation", f.Mitigation)
	}
	if len(c.Quiz) > 0 {
		w.line(0, "quiz:")
	}
	for _, q := range c.Quiz {
		w.scalar(2, "- ", "id", q.ID)
		w.optional(4, "topic", q.Topic)
		w.optional(4, "difficulty", q.Difficulty)
		w.scalar(4, "", "prompt", q.Prompt)
		w.line(4, "options:")
		for _, o := range q.Options {
			w.scalar(6, "- ", "text", o.Text)
			if o.Correct {
				w.line(8, "correct: true")
			}
			w.optional(8, "explanation", o.Explanation)
		}
	}
	w.prose("principle", c.Principle)
	return w.buf.Bytes()
}

func durationText(d Duration) string { return d.D().String() }

type formatter struct{ buf bytes.Buffer }

func (w *formatter) line(indent int, s string) {
	w.buf.WriteString(strings.Repeat(" ", indent))
	w.buf.WriteString(s)
	w.buf.WriteByte('\n')
}

// scalar writes "key: value" at indent, after the list marker if any.
func (w *formatter) scalar(indent int, marker, key, value string) {
	w.line(indent, marker+key+": "+quote(value))
}

func (w *formatter) optional(indent int, key, value string) {
	if value != "" {
		w.scalar(indent, "", key, value)
	}
}

// prose writes a top-level paragraph, folded if it is long and folds
// safely, as one plain or quoted line otherwise.
func (w *formatter) prose(key, value string) {
	switch {
	case value == "":
	case len(value) <= proseWidth || !foldable(value):
		w.scalar(0, "", key, value)
	default:
		w.line(0, key+": >-")
		var line strings.Builder
		for _, word := range strings.Split(value, " ") {
			if line.Len() > 0 && line.Len()+1+len(word) > proseWidth-2 {
				w.line(2, line.String())
				line.Reset()
			}
			if line.Len() > 0 {
				line.WriteByte(' ')
			}
			line.WriteString(word)
		}
		w.line(2, line.String())
	}
}

// foldable reports whether a folded block scalar wrapped at single spaces
// reads back as s: single spaces between words, no line breaks, nothing but
// printable characters (no tabs, no non-ASCII spaces that YAML may treat as
// white space).
func foldable(s string) bool {
	if s != strings.TrimSpace(s) || strings.Contains(s, "  ") {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// quote renders s as a YAML scalar on one line: plain when yaml.v3 can
// write it plain, quoted otherwise.
func quote(s string) string {
	return encodeNode(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: scalarStyle(s)})
}

// flowMap renders key/value pairs as a one-line flow mapping
// ({from: A, to: B}); "true" values are booleans, others strings.
func flowMap(kv ...string) string {
	m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	for i := 0; i+1 < len(kv); i += 2 {
		v := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: kv[i+1], Style: scalarStyle(kv[i+1])}
		if kv[i] == "async" {
			v.Tag = "!!bool"
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: kv[i]}, v)
	}
	return encodeNode(m)
}

// scalarStyle keeps a value with a line break on one line, double quoted
// with escapes, instead of a block scalar spanning lines.
func scalarStyle(s string) yaml.Style {
	if strings.ContainsAny(s, "\n\r\u0085\u2028\u2029") {
		return yaml.DoubleQuotedStyle
	}
	return 0
}

func encodeNode(n *yaml.Node) string {
	out, err := yaml.Marshal(n)
	if err != nil {
		// A string node always encodes; keep the value readable if it
		// ever does not.
		return strconv.Quote(n.Value)
	}
	return strings.TrimSuffix(string(out), "\n")
}
