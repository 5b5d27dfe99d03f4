package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The layout tells the architecture: the running system (engine/,
// components/), the quiz's logic, the class's state, the cards and the
// headless front end never import a UI package; only tui/ draws (and
// serve/ serves it).
func TestOnlyTheTUIImportsUIPackages(t *testing.T) {
	for _, dir := range []string{"engine", "components", "quiz", "card", "cards", "headless", "lesson", "classroom", "challenge", "savefile"} {
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

// Over SSH every session draws with its own renderer (its client's colour
// profile and background): no style in tui/ may come from the process's
// default renderer, which lipgloss.NewStyle() uses.
func TestNoStyleFromTheDefaultRenderer(t *testing.T) {
	err := filepath.WalkDir("tui", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "lipgloss" && sel.Sel.Name == "NewStyle" {
				t.Errorf("%s calls lipgloss.NewStyle: build styles from the session's renderer (theme.New)", path)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
