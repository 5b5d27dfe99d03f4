package narrate

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Wrap breaks plain text into lines of at most width cells, at spaces; a
// word longer than a line is cut. Unlike ansi.Wrap it never breaks at a
// hyphen, and a number keeps its unit on its line ("13.3 ms"). Runs of
// spaces collapse to one. Empty text is one empty line.
func Wrap(s string, width int) []string {
	width = max(width, 1)
	var (
		lines []string
		line  strings.Builder
		used  int
	)
	flush := func() {
		lines = append(lines, line.String())
		line.Reset()
		used = 0
	}
	for _, word := range glueUnits(strings.Fields(s)) {
		w := ansi.StringWidth(word)
		switch {
		case used > 0 && used+1+w <= width:
			line.WriteByte(' ')
			used++
		case used > 0:
			flush()
		}
		for used+w > width {
			// Cut the word at the end of the line.
			room := width - used
			head := ansi.Truncate(word, room, "")
			if head == "" { // a wide rune that does not fit
				if used > 0 {
					flush()
					continue
				}
				_, size := utf8.DecodeRuneInString(word)
				head = word[:size] // a line of its own, however wide
			}
			line.WriteString(head)
			flush()
			word = strings.TrimPrefix(word, head)
			w = ansi.StringWidth(word)
		}
		line.WriteString(word)
		used += w
	}
	if used > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// glueUnits joins a unit of time to the number before it, so that a line
// never ends in a number whose unit starts the next.
func glueUnits(words []string) []string {
	out := words[:0:0]
	for _, w := range words {
		if n := len(out); n > 0 && isUnit(w) && endsInDigit(out[n-1]) {
			out[n-1] += " " + w
			continue
		}
		out = append(out, w)
	}
	return out
}

func isUnit(w string) bool {
	w = strings.TrimRight(w, ".,;:)")
	return w == "ms" || w == "s"
}

func endsInDigit(w string) bool { return w != "" && w[len(w)-1] >= '0' && w[len(w)-1] <= '9' }
