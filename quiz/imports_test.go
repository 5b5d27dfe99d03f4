package quiz

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The quiz is logic and data: drawing belongs to tui/quizview.
func TestNoUIImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "github.com/charmbracelet/") || strings.HasPrefix(path, "github.com/muesli/") ||
				strings.HasPrefix(path, "github.com/archex/archex/tui") {
				t.Errorf("%s imports %s", f, path)
			}
		}
	}
}
