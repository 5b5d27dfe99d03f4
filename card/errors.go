package card

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error is one problem with a card, in one line: the file, the line in it
// and what is wrong. File is empty for a card built in Go (Validate), Line is
// 0 when the problem belongs to no single line.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	if e.Line > 0 {
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(":")
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	b.WriteString(cut(oneLine(e.Msg), maxMessage))
	return b.String()
}

// Bounds of what an error quotes of the input: a card's file may hold a
// name, a line or a value of any length, and the error about it stays a
// short line.
const (
	maxQuote   = 60   // runes of a value quoted in a message
	maxMessage = 1000 // runes of a whole message
)

// msgf is fmt.Sprintf for error messages, with each string quoted by %q,
// and each name of a hop, cut to an excerpt of maxQuote runes.
func msgf(format string, args ...any) string {
	args = slices.Clone(args)
	n := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		for i++; i < len(format) && strings.IndexByte("+-# 0123456789.", format[i]) >= 0; i++ {
		}
		if i >= len(format) || format[i] == '%' {
			continue
		}
		switch v := argAt(args, n).(type) {
		case string:
			if format[i] == 'q' {
				args[n] = cut(v, maxQuote)
			}
		case Hop:
			args[n] = Hop{From: cut(v.From, maxQuote), To: cut(v.To, maxQuote), Async: v.Async}
		}
		n++
	}
	return fmt.Sprintf(format, args...)
}

func argAt(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

// cut shortens s to at most n runes, the last of them an ellipsis.
func cut(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	i, kept := 0, 0
	for kept < n-1 {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		kept++
	}
	return s[:i] + "…"
}

// oneLine escapes line breaks and other control characters that a name
// from the card may bring into a message, so an error stays one line.
func oneLine(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// positions maps a place in a card to its line in the source. Keys are paths
// like "components[2].name", "flow[3]" or "quiz[0].options[1]"; the empty
// path is the card itself.
type positions map[string]int

// line returns the line of path, or of its nearest enclosing place that has
// one, or 0.
func (p positions) line(path string) int {
	for {
		if l, ok := p[path]; ok {
			return l
		}
		if path == "" {
			return 0
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			path = ""
		} else {
			path = path[:i]
		}
	}
}

// index returns the path of item i of the list at path.
func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// field returns the path of a field of the mapping at path.
func field(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// letter names option i the way a page does: A, B, C ...
func letter(i int) string {
	if i >= 0 && i < 26 {
		return string(rune('A' + i))
	}
	return strconv.Itoa(i + 1)
}

// closest returns the candidate nearest to s by edit distance if it is close
// enough to be a likely typo, or "".
func closest(s string, candidates []string) string {
	best, bestD := "", 0
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if len([]rune(s)) <= 3 {
		limit = 1
	}
	if best == "" || bestD > limit || best == s {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		// Typos are in short names; long strings are simply different.
		if a == b {
			return 0
		}
		return 1 << 20
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
