package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
)

// cmdImport runs `archex import CARD.txt`: it reads a card in the text form
// of a card's page (or a YAML card, which it checks and tidies) and prints
// it as a YAML card, which Parse reads back to the same card. The embedded
// cards answer the quizzes of their own pages; -key adds another card. A
// question still without an answer is kept, unmarked, with a warning line
// on stderr (-strict refuses it). A card with a problem is bad input: one
// line naming the file and the line, exit 2.
func cmdImport(env *cliEnv, args []string) error {
	var fs *flag.FlagSet
	usage := flagUsage("archex import [-o FILE] [-key CARD.yaml] [-strict] CARD.txt   (- reads standard input)", &fs)
	fs = newFlagSet("import", usage)
	out := fs.String("o", "", "write the YAML card to `FILE` instead of standard output")
	keyPath := fs.String("key", "", "also take quiz answers from the card `FILE` (for a page that hides its answers)")
	strict := registerStrict(fs)
	path, err := parseFlagsAndFile(env, fs, usage, args)
	if err != nil {
		return err
	}

	keys := cards.AnswerKey()
	if *keyPath != "" {
		key, err := card.Load(*keyPath)
		if err != nil {
			return badUsage(nil, "import: answer key %v", err)
		}
		keys = append([]*card.Card{key}, keys...)
	}
	opts := append([]card.ImportOption{card.WithAnswerKey(keys...)}, unanswered(*strict, env.stderr)...)
	var c *card.Card
	if path == "-" {
		// One byte more than a card may have is enough to refuse it.
		data, rerr := io.ReadAll(io.LimitReader(env.stdin, card.MaxFileSize+1))
		if rerr != nil {
			return fmt.Errorf("import: reading standard input: %w", rerr)
		}
		c, err = card.Read("stdin", data, opts...)
	} else {
		c, err = card.Load(path, opts...)
	}
	if err != nil {
		return badUsage(nil, "%v", err)
	}

	yaml := card.Format(c)
	if *out == "" {
		_, err = env.stdout.Write(yaml)
		return err
	}
	if err := os.WriteFile(*out, yaml, 0o644); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

// parseFlagsAndFile parses a command line with one file argument, with flags
// before or after it ("import CARD.txt -o card.yaml" works too).
func parseFlagsAndFile(env *cliEnv, fs *flag.FlagSet, usage func(io.Writer), args []string) (string, error) {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		usage(env.stdout)
		return "", err
	}
	if err != nil {
		return "", badUsage(usage, "%s %v", fs.Name(), err)
	}
	if fs.NArg() == 0 {
		return "", badUsage(usage, "%s: name the card file, e.g. archex %s mycard.txt", fs.Name(), fs.Name())
	}
	return fs.Arg(0), parseFlags(env, fs, usage, fs.Args()[1:])
}
