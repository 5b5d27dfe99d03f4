package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
)

func importEnv(stdin string) (*cliEnv, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &cliEnv{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut}, &out, &errOut
}

func TestImportPrintsTheYAMLCard(t *testing.T) {
	for _, name := range cards.Names() {
		env, out, _ := importEnv("")
		if err := cmdImport(env, []string{filepath.Join("cards", name+".txt")}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := card.Parse("out.yaml", out.Bytes())
		if err != nil {
			t.Fatalf("%s: output does not parse: %v\n%s", name, err, out)
		}
		want, _ := cards.Load(name + ".yaml")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: archex import prints\n%s", name, out)
		}
	}
}

func TestImportFromStdinToFile(t *testing.T) {
	data, _ := os.ReadFile("cards/chat.txt")
	env, out, _ := importEnv(string(data))
	path := filepath.Join(t.TempDir(), "chat.yaml")
	if err := cmdImport(env, []string{"-", "-o", path}); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("stdout = %q, want nothing with -o", out)
	}
	written, _ := os.ReadFile(path)
	want, _ := os.ReadFile("cards/chat.yaml")
	// The shipped card is Format's output under two comment lines.
	if !strings.HasSuffix(string(want), string(written)) {
		t.Errorf("written card differs from cards/chat.yaml:\n%s", written)
	}
}

// A bad card is a usage error (exit 2) of one line naming the file and the
// line, without the usage: the card, not the command line, is wrong.
func TestImportBadCardIsAUsageError(t *testing.T) {
	data, _ := os.ReadFile("cards/chat.txt")
	bad := filepath.Join(t.TempDir(), "bad.txt")
	os.WriteFile(bad, bytes.Replace(data, []byte("Message StoreChat Service"), []byte("Message StorChat Service"), 1), 0o644)
	tests := []struct {
		name      string
		args      []string
		want      string
		withUsage bool
	}{
		{"bad card", []string{bad}, bad + `:57: hop 5 "Message StorChat Service" names "Message Stor", which is not a component on this card; did you mean "Message Store"? (components: `, false},
		{"missing file", []string{"nosuch.txt"}, "nosuch.txt: no such file or directory", false},
		{"bad key", []string{"-key", "nokey.yaml", "cards/chat.txt"}, "import: answer key nokey.yaml: no such file or directory", false},
		{"no file", nil, "import: name the card file, e.g. archex import mycard.txt", true},
		{"two files", []string{"a.txt", "b.txt"}, `import: unexpected argument "b.txt"`, true},
		{"bad flag", []string{"-x", "a.txt"}, `import flag provided but not defined: -x`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, out, _ := importEnv("")
			err := cmdImport(env, tt.args)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v (%T), want a usage error", err, err)
			}
			if !strings.HasPrefix(ue.msg, tt.want) || strings.Contains(ue.msg, "\n") {
				t.Errorf("message = %q\nwant one line starting %q", ue.msg, tt.want)
			}
			if (ue.usage != nil) != tt.withUsage {
				t.Errorf("usage printed = %v, want %v", ue.usage != nil, tt.withUsage)
			}
			if out.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", out)
			}
		})
	}
}

func TestImportHelp(t *testing.T) {
	env, out, _ := importEnv("")
	if err := cmdImport(env, []string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("err = %v, want flag.ErrHelp", err)
	}
	if !strings.Contains(out.String(), "usage: archex import") || !strings.Contains(out.String(), "-key") {
		t.Errorf("help = %q", out)
	}
}

// A bad card on standard input is a one-line usage error, not a crash.
func TestImportBadCardFromStdin(t *testing.T) {
	code, stdout, stderr := func() (int, string, string) {
		env, out, errOut := importEnv("title: x\ncomponents: []\n")
		return runMain(env, []string{"import", "-"}), out.String(), errOut.String()
	}()
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "stdin:2: the card has no components") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
