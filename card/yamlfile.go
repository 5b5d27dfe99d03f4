package card

import (
	"bytes"
	"errors"
	"io"
	"reflect"

	"gopkg.in/yaml.v3"
)

// YAMLFile is a kind of YAML file archex reads strictly, as it reads a card:
// unknown, repeated and misplaced fields are errors naming their line, and
// the line of every place is kept for the validation that follows. Its
// fields are the words its errors use. Cards use it; so do challenges.
type YAMLFile struct {
	Empty    string // the error for an empty file
	One      string // why a second document is wrong: "a card file holds one card"
	Shape    string // what the top must be: "a card is a YAML mapping (title:, ...)"
	What     string // the file's contents: "a card"
	Describe func(path string) string
}

// Lines are the lines of the places of a decoded file, by path: "" for the
// top, "challenges[2].goal.window" for a field, "challenges[2]" for an item.
type Lines struct{ pos positions }

// Of is the line of path, or of its nearest enclosing place that has one,
// or 0.
func (l Lines) Of(path string) int { return l.pos.line(path) }

// Decode reads data, named name in errors, into v (a pointer to a struct)
// strictly; an error is an *Error with the file and the line.
func (f YAMLFile) Decode(name string, data []byte, v any) (Lines, error) {
	pos, err := decodeDoc(name, data, v, f)
	if err != nil {
		return Lines{}, err
	}
	return Lines{pos: pos}, nil
}

// Errorf makes an error at a line of file, quoting each %q string as an
// excerpt of at most 60 characters.
func Errorf(file string, line int, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Msg: msgf(format, args...)}
}

// Index is the path of item i of the list at path; Field of a field of the
// mapping at path.
func Index(path string, i int) string { return index(path, i) }

// Field is the path of a field of the mapping at path.
func Field(path, name string) string { return field(path, name) }

// decodeDoc decodes data into v and the lines of its places.
func decodeDoc(name string, data []byte, v any, f YAMLFile) (positions, *Error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: name, Msg: f.Empty}
		}
		return nil, yamlError(name, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, &Error{File: name, Line: extra.Line, Msg: "a second YAML document (after ---): " + f.One}
	case !errors.Is(err, io.EOF):
		return nil, yamlError(name, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	pos := positions{"": root.Line}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: name, Line: root.Line, Msg: f.Shape + ", not a " + nodeKind(root)}
	}
	if err := f.walk(root, reflect.TypeOf(v).Elem(), "", pos); err != nil {
		err.File = name
		return nil, err
	}
	if err := root.Decode(v); err != nil {
		return nil, yamlError(name, err)
	}
	return pos, nil
}
