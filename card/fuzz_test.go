package card

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// The seed corpora under testdata/fuzz hold the shipped cards in both forms
// and small cards that reach the importer's corners; CI runs each target
// briefly. The targets check that reading never panics, that every error is
// one *Error line, and that whatever reads fine is valid and survives
// Format and Parse unchanged.

var fuzzKey = sync.OnceValue(func() *Card {
	data, err := os.ReadFile("../cards/production.yaml")
	if err != nil {
		panic(err)
	}
	c, err := Parse("production.yaml", data)
	if err != nil {
		panic(err)
	}
	return c
})

func FuzzParse(f *testing.F) {
	f.Add([]byte(tinyYAML))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		checkRead(t, c, err)
	})
}

func FuzzImportText(f *testing.F) {
	f.Add([]byte(tinyText))
	key := fuzzKey()
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ImportText("fuzz.txt", data, WithAnswerKey(key))
		checkRead(t, c, err)
		c, err = ImportText("fuzz.txt", data)
		checkRead(t, c, err)
	})
}

func checkRead(t *testing.T, c *Card, err error) {
	t.Helper()
	if err != nil {
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("error %v is a %T, not a *card.Error", err, err)
		}
		if strings.ContainsAny(err.Error(), "\n\r") {
			t.Fatalf("error spans lines: %q", err)
		}
		return
	}
	if err := Validate(c); err != nil {
		t.Fatalf("read card does not validate: %v", err)
	}
	out := Format(c)
	back, err := Parse("formatted.yaml", out)
	if err != nil {
		t.Fatalf("Format output does not parse: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(back, c) {
		t.Fatalf("Format round trip differs:\n%#v\n%#v\n%s", c, back, out)
	}
}
