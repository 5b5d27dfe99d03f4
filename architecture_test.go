package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The layout tells the architecture: the running system (engine/,
// components/), the quiz's logic, the cards and the headless front end never
// import a UI package; only tui/ draws.
func TestOnlyTheTUIImportsUIPackages(t *testing.T) {
	for _, dir := range []string{"engine", "components", "quiz", "card", "cards", "headless", "lesson"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if strings.HasPrefix(p, "github.com/charmbracelet/") || strings.HasPrefix(p, "github.com/muesli/") ||
					strings.HasPrefix(p, "github.com/archex/archex/tui") {
					t.Errorf("%s imports %s", path, p)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
