// Package lesson is a teacher's script for the dashboard (archex --script
// FILE): at each time, a fault, a caption shown on screen, a pause or a
// narrated request. It reads the file (Parse) and plays it (Player), with
// the time passed in; it draws nothing and runs nothing itself: the
// dashboard shows the captions and carries out the cues.
//
// The format, one line each, '#' starting a comment line:
//
//	title What a cache is for        (optional, before the first timed line)
//	card production                  (optional: the card it is written for)
//	0s    caption Reads ask the cache first: most of them are hits.
//	5s    step                       (send one request, narrated hop by hop)
//	20s   kill cache                 (a fault, as archex run --fault takes it, without its @)
//	20s   caption The cache is down: every read goes to the database.
//	40s   pause                      (the lesson waits for the presenter's key)
//	40s   pause 10s                  (the lesson waits 10 s, or for the key)
//	60s   end                        (the last line: with --loop, it starts again)
//
// Times count on the lesson's own clock, which a pause stops; they never go
// back. Every problem is one line naming the file and the line.
package lesson

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/archex/archex/engine"
)

// Kind is what a cue does.
type Kind int

// Kinds of cues.
const (
	Fault   Kind = iota // a change to the system (Cue.Fault)
	Caption             // text on the caption line, until the next caption or the end
	Step                // one request, sent and narrated hop by hop
	Pause               // the lesson's clock stops: for Cue.For, or until Resume when 0
	End                 // the lesson ends (with a loop: it starts again from a reset system)
)

var kindNames = [...]string{"fault", "caption", "step", "pause", "end"}

func (k Kind) String() string { return kindNames[k] }

// Cue is one timed line.
type Cue struct {
	At   time.Duration // on the lesson's clock
	Kind Kind
	Line int // in the file
	// Text is a caption's text, or the line as written for the others.
	Text  string
	Fault engine.Fault  // for Fault; its At is the cue's
	For   time.Duration // for Pause: how long; 0 until the presenter goes on
}

// Lesson is a parsed script.
type Lesson struct {
	File  string
	Title string // "" when the file gives none
	Card  string // the card it is written for, as written ("" for any)
	// CardLine is the line of the card header, for messages.
	CardLine int
	Cues     []Cue
}

// Length is the lesson's time on its own clock: its end's time.
func (l *Lesson) Length() time.Duration {
	if n := len(l.Cues); n > 0 {
		return l.Cues[n-1].At
	}
	return 0
}

// Faults are the lesson's faults, in order.
func (l *Lesson) Faults() []engine.Fault {
	var out []engine.Fault
	for _, c := range l.Cues {
		if c.Kind == Fault {
			out = append(out, c.Fault)
		}
	}
	return out
}

// Limits of a lesson.
const (
	MaxFileSize   = 64 << 10
	MaxCues       = 1000
	MaxLength     = 2 * time.Hour
	MaxCaption    = 160 // runes: two lines at 80 columns
	MaxTitle      = 60  // runes
	maxQuote      = 40  // runes of the input an error quotes
	maxLineLength = 1000
)

// Error is one problem with a lesson: the file, the line, what is wrong.
type Error struct {
	File string
	Line int // 0 when no single line is at fault
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// verbs are the words a timed line may start with besides a fault's.
const verbs = "caption TEXT, step, pause, pause 10s, end, or a fault as archex run --fault takes it without its @ (kill cache, slow database 20ms, rate 800 ...)"

// Parse reads a lesson. name is the file's name, for messages.
func Parse(name string, data []byte) (*Lesson, error) {
	l := &Lesson{File: name}
	bad := func(line int, format string, args ...any) error {
		return &Error{File: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) > MaxFileSize {
		return nil, bad(0, "%d bytes: a lesson is at most %d KiB", len(data), MaxFileSize>>10)
	}
	if !utf8.Valid(data) {
		return nil, bad(0, "not UTF-8 text")
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxFileSize+1)
	n := 0
	var last time.Duration
	for sc.Scan() {
		n++
		raw := sc.Text()
		s := strings.TrimSpace(raw)
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if utf8.RuneCountInString(s) > maxLineLength {
			return nil, bad(n, "a line of %d characters: keep lines under %d", utf8.RuneCountInString(s), maxLineLength)
		}
		if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\t' }); i >= 0 {
			return nil, bad(n, "a control character (%U) in the line", []rune(s[i:])[0])
		}
		if len(l.Cues) > 0 && l.Cues[len(l.Cues)-1].Kind == End {
			return nil, bad(n, "a line after the end (line %d): end is the last line", l.Cues[len(l.Cues)-1].Line)
		}
		first, rest := cutWord(s)
		switch first {
		case "title", "card":
			if err := l.header(first, rest, n, bad); err != nil {
				return nil, err
			}
			continue
		}
		at, err := time.ParseDuration(first)
		if err != nil {
			return nil, bad(n, "%s: a line starts with a time (0s, 1m30s), then %s; or is title TEXT, card NAME or a # comment", quote(first), verbs)
		}
		switch {
		case at < 0:
			return nil, bad(n, "time %s is before the start: times count from 0s", first)
		case at > MaxLength:
			return nil, bad(n, "time %s is past %v: a lesson lasts at most %v", first, MaxLength, MaxLength)
		case at < last:
			return nil, bad(n, "time %s comes before the line above's %v: times never go back", first, last)
		}
		last = at
		if len(l.Cues) == MaxCues {
			return nil, bad(n, "more than %d timed lines: split the lesson", MaxCues)
		}
		c, err := parseCue(at, rest, n, bad)
		if err != nil {
			return nil, err
		}
		l.Cues = append(l.Cues, c)
	}
	if err := sc.Err(); err != nil {
		return nil, bad(n+1, "%v", err)
	}
	switch {
	case len(l.Cues) == 0:
		return nil, bad(0, "no timed lines: write at least one, such as 0s caption ..., and end with a line like 60s end")
	case l.Cues[len(l.Cues)-1].Kind != End:
		return nil, bad(n, "the lesson has no end: finish it with a line like %v end (its length, and where --loop starts again)", roundUp(last))
	case l.Length() == 0:
		return nil, bad(l.Cues[len(l.Cues)-1].Line, "the end is at 0s: give the lesson some time, such as 60s end")
	}
	return l, nil
}

// header reads a title or card line.
func (l *Lesson) header(word, rest string, n int, bad func(int, string, ...any) error) error {
	if len(l.Cues) > 0 {
		return bad(n, "%s comes before the first timed line", word)
	}
	if rest == "" {
		return bad(n, "%s needs a value: %s NAME", word, word)
	}
	switch word {
	case "title":
		if l.Title != "" {
			return bad(n, "a second title")
		}
		if c := utf8.RuneCountInString(rest); c > MaxTitle {
			return bad(n, "a title of %d characters: keep it to %d", c, MaxTitle)
		}
		l.Title = rest
	case "card":
		if l.Card != "" {
			return bad(n, "a second card (first at line %d)", l.CardLine)
		}
		l.Card, l.CardLine = rest, n
	}
	return nil
}

// parseCue reads what follows a line's time.
func parseCue(at time.Duration, rest string, n int, bad func(int, string, ...any) error) (Cue, error) {
	c := Cue{At: at, Line: n, Text: rest}
	verb, arg := cutWord(rest)
	switch verb {
	case "":
		return c, bad(n, "nothing after the time: write %s", verbs)
	case "caption":
		if arg == "" {
			return c, bad(n, "a caption needs its text: caption The cache is down")
		}
		if k := utf8.RuneCountInString(arg); k > MaxCaption {
			return c, bad(n, "a caption of %d characters: keep it to %d (two lines at 80 columns), or split it over two captions", k, MaxCaption)
		}
		c.Kind, c.Text = Caption, arg
	case "step":
		if arg != "" {
			return c, bad(n, "step takes nothing after it (it sends one request and narrates it): %s", quote(arg))
		}
		c.Kind = Step
	case "pause":
		c.Kind = Pause
		if arg != "" {
			d, err := time.ParseDuration(arg)
			if err != nil || d <= 0 || d > MaxLength {
				return c, bad(n, "pause %s: give a duration such as 10s, or nothing to wait for the presenter's key", quote(arg))
			}
			c.For = d
		}
	case "end":
		if arg != "" {
			return c, bad(n, "end takes nothing after it: %s", quote(arg))
		}
		c.Kind = End
	default:
		if i := strings.IndexByte(rest, '@'); i >= 0 {
			return c, bad(n, "%s: in a lesson the time comes first, at the start of the line: write %s %s", quote(rest), strings.TrimSpace(rest[i+1:]), strings.TrimSpace(rest[:i]))
		}
		f, err := engine.ParseFault(rest + " @" + at.String())
		var fe *engine.FaultError
		if errors.As(err, &fe) {
			if strings.HasPrefix(fe.Why, "unknown action") {
				return c, bad(n, "%s: write %s", fe.Why, verbs)
			}
			return c, bad(n, "%s: %s", quote(rest), fe.Why)
		}
		if err != nil {
			return c, bad(n, "%s: %v", quote(rest), err)
		}
		f.Text = rest
		c.Kind, c.Fault = Fault, f
	}
	return c, nil
}

// cutWord splits s at its first run of spaces.
func cutWord(s string) (word, rest string) {
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// quote quotes s for a message, cut to maxQuote runes.
func quote(s string) string {
	if r := []rune(s); len(r) > maxQuote {
		s = string(r[:maxQuote-1]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

// roundUp is d rounded up to the next 10 s, for a suggested end.
func roundUp(d time.Duration) time.Duration {
	return (d/(10*time.Second) + 1) * 10 * time.Second
}

// FromFaults makes a timeline of faults (--fault) a lesson with no end:
// its player is done after the last one.
func FromFaults(faults []engine.Fault) *Lesson {
	l := &Lesson{File: "--fault"}
	for _, f := range faults {
		l.Cues = append(l.Cues, Cue{At: f.At, Kind: Fault, Text: f.Text, Fault: f})
	}
	slices.SortStableFunc(l.Cues, func(a, b Cue) int { return cmp.Compare(a.At, b.At) })
	return l
}

// WaitsForKey reports the first pause that waits for the presenter, or nil:
// an unattended loop (--loop) cannot have one.
func (l *Lesson) WaitsForKey() *Cue {
	for i, c := range l.Cues {
		if c.Kind == Pause && c.For == 0 {
			return &l.Cues[i]
		}
	}
	return nil
}
