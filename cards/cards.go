// Package cards holds the design cards archex ships, embedded in the binary,
// each in both forms: the YAML card (name.yaml) and the text of its page
// (name.txt). The production card is the default: the card the product was
// created from. The others (a URL shortener with a CDN, a chat system with a
// queue and no cache, a read-heavy news feed with two caches) show archex
// running cards it was not built around.
package cards

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/archex/archex/card"
)

//go:embed *.yaml *.txt
var files embed.FS

// DefaultName is the file name of the default card.
const DefaultName = "production.yaml"

// Default returns the embedded production card.
func Default() *card.Card {
	c, err := Load(DefaultName)
	if err != nil {
		// The embedded card is part of the binary and tested; failing here
		// means the build itself is broken.
		panic(fmt.Sprintf("embedded default card: %v", err))
	}
	return c
}

// Load reads one embedded card by file name, in either form. A text card is
// read with the embedded YAML cards as its answer key (AnswerKey), so
// production.txt, whose page hides most of its quiz, reads complete.
func Load(name string) (*card.Card, error) {
	data, err := files.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if card.DetectForm(name, data) == card.FormText {
		return card.ImportText(name, data, card.WithAnswerKey(AnswerKey()...))
	}
	return card.Parse(name, data)
}

// Files lists the embedded card files.
func Files() []string {
	entries, _ := files.ReadDir(".")
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// Names lists the embedded cards by name (the file name without its
// extension), sorted: "chat", "news-feed", "production", "url-shortener".
func Names() []string {
	var names []string
	for _, f := range Files() {
		if path.Ext(f) == ".yaml" {
			names = append(names, strings.TrimSuffix(f, ".yaml"))
		}
	}
	sort.Strings(names)
	return names
}

// AnswerKey returns the embedded YAML cards, the default first: the answer
// key for importing the text of their pages (card.WithAnswerKey).
func AnswerKey() []*card.Card {
	keys := []*card.Card{Default()}
	for _, name := range Names() {
		if name+".yaml" == DefaultName {
			continue
		}
		if c, err := Load(name + ".yaml"); err == nil {
			keys = append(keys, c)
		}
	}
	return keys
}

// Open reads the card that ref names: a card file on disk in either form
// (card.Load, with AnswerKey for the text form, and opts) or, when no such
// file exists, an embedded card by name ("chat"). This is what --card
// takes.
func Open(ref string, opts ...card.ImportOption) (*card.Card, error) {
	if _, err := os.Stat(ref); err != nil && errors.Is(err, fs.ErrNotExist) {
		for _, name := range Names() {
			if ref == name {
				return Load(name + ".yaml")
			}
		}
		return nil, fmt.Errorf("%s: no such file, nor an embedded card (embedded: %s)", ref, strings.Join(Names(), ", "))
	}
	return card.Load(ref, append([]card.ImportOption{card.WithAnswerKey(AnswerKey()...)}, opts...)...)
}
