package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/archex/archex/tui/theme"
)

// Theme names --theme takes: one spelling for the dashboard and the quiz.
const (
	themeDefault      = "default"
	themeHighContrast = "high-contrast"
)

// themeFlag is --theme, and --high-contrast, the quiz's older spelling of
// --theme high-contrast, kept so that scripts written for it still run.
type themeFlag struct {
	fs    *flag.FlagSet
	name  *string
	alias *bool
}

func registerTheme(fs *flag.FlagSet) themeFlag {
	return themeFlag{
		fs:    fs,
		name:  fs.String("theme", themeDefault, "colour theme: default, or high-contrast for projectors and low vision (T switches it in the dashboard)"),
		alias: fs.Bool("high-contrast", false, "the same as --theme high-contrast (an older spelling, kept)"),
	}
}

// highContrast reports whether the high-contrast theme was asked for.
func (t themeFlag) highContrast() (bool, error) {
	switch *t.name {
	case themeHighContrast:
		return true, nil
	case themeDefault:
		if *t.alias && flagGiven(t.fs, "theme") {
			return false, fmt.Errorf("--high-contrast and --theme default ask for two themes: give one")
		}
		return *t.alias, nil
	}
	return false, fmt.Errorf("--theme %q: use default or high-contrast", *t.name)
}

// palette is the theme asked for, or a usage error.
func (t themeFlag) palette(usage func(io.Writer)) (*theme.Palette, error) {
	hc, err := t.highContrast()
	if err != nil {
		return nil, badUsage(usage, "%v", err)
	}
	if hc {
		return &theme.HighContrast, nil
	}
	return &theme.Default, nil
}
