package card

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Form is how a card is written down.
type Form int

const (
	// FormYAML is the card file (cards/*.yaml), read by Parse.
	FormYAML Form = iota
	// FormText is the text of a card's page (cards/*.txt), read by
	// ImportText.
	FormText
)

func (f Form) String() string {
	if f == FormText {
		return "text"
	}
	return "yaml"
}

// DetectForm tells the form of a card from its file name, and from its
// content when the name does not say: .yaml and .yml are YAML, .txt is text;
// any other name (or "-" for standard input) is text when a line reads
// "System Overview - ..." or "Request Flow - N Hops" (lines no YAML card has
// at the start of a line), YAML otherwise.
func DetectForm(name string, data []byte) Form {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		return FormYAML
	case ".txt":
		return FormText
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for sc.Scan() {
		s := strings.TrimSpace(sc.Text())
		if titleRE.MatchString(s) || headerRE["flow"].MatchString(s) {
			return FormText
		}
	}
	return FormYAML
}

// Read reads a card in either form (DetectForm) and validates it; an
// answer key applies to the text form, AllowUnanswered to both. Both forms
// go through the same validation.
func Read(name string, data []byte, opts ...ImportOption) (*Card, error) {
	if DetectForm(name, data) == FormText {
		return ImportText(name, data, opts...)
	}
	return Parse(name, data, opts...)
}

// Load reads the card file at path in either form and validates it. Every
// error starts with path: "mycard.txt:23: hop 4 names ...", or
// "mycard.txt: no such file or directory".
func Load(path string, opts ...ImportOption) (*Card, error) {
	data, err := readFile(path)
	var ce *Error
	if errors.As(err, &ce) {
		return nil, ce
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkSize(path, int64(len(data))); err != nil {
		return nil, err
	}
	return Read(path, data, opts...)
}

// readFile reads at most one byte more than MaxFileSize of path: enough to
// tell a card from a file too large to be one (or from /dev/zero), without
// reading the rest.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > MaxFileSize {
		return nil, checkSize(path, st.Size())
	}
	return io.ReadAll(io.LimitReader(f, MaxFileSize+1))
}
