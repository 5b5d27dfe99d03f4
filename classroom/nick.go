package classroom

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNick is the longest nickname, in characters.
const MaxNick = 16

// fallbackNick is the nickname of a user name with nothing printable in it.
const fallbackNick = "student"

// Sanitize turns an SSH user name into a nickname that is safe to show on
// every screen of the class: terminal escape sequences are removed whole
// (so "\x1b]0;pwned\x07bob" is "bob", not "0pwnedbob"), then only letters,
// digits, '-', '_' and '.' stay (a space becomes '-'), cut to MaxNick
// characters. Nothing a student names themselves can move a cursor, change
// a colour or a window title, or hide behind a right-to-left mark on another
// screen.
func Sanitize(user string) string {
	var b strings.Builder
	n := 0
	for _, r := range stripEscapes(user) {
		if n == MaxNick {
			break
		}
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.':
		case r == ' ':
			r = '-'
		default:
			continue
		}
		b.WriteRune(r)
		n++
	}
	nick := strings.Trim(b.String(), "-.")
	if nick == "" {
		return fallbackNick
	}
	return nick
}

// stripEscapes removes ANSI escape sequences (CSI, OSC, DCS, APC, PM, SOS
// and two-byte ESC sequences, in their 7-bit and C1 forms) and invalid
// UTF-8.
func stripEscapes(s string) []rune {
	out := make([]rune, 0, min(len(s), 4*MaxNick))
	rs := []rune(strings.ToValidUTF8(s, ""))
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		intro := rune(0) // the sequence's kind: '[', ']', 'P' ...
		switch {
		case r == 0x1b && i+1 < len(rs):
			i++
			intro = rs[i]
		case r == 0x1b:
			continue
		case r >= 0x80 && r <= 0x9f:
			intro = r - 0x40 // C1: U+009B is CSI, U+009D is OSC ...
		default:
			if r != utf8.RuneError {
				out = append(out, r)
			}
			continue
		}
		switch intro {
		case '[':
			// Parameters and intermediates, then one final byte.
			for i+1 < len(rs) && !(rs[i+1] >= 0x40 && rs[i+1] <= 0x7e) {
				i++
			}
			i++
		case ']', 'P', 'X', '^', '_':
			// A string, ended by BEL or ST (ESC \ or U+009C).
			for i+1 < len(rs) {
				i++
				if rs[i] == 0x07 || rs[i] == 0x9c {
					break
				}
				if rs[i] == 0x1b && i+1 < len(rs) && rs[i+1] == '\\' {
					i++
					break
				}
			}
		}
		// Any other ESC x is two characters long: both are gone.
	}
	return out
}

// unique returns nick, or nick with a suffix ("alice-2") when taken says it
// is in use; names are compared without case.
func unique(nick string, taken func(string) bool) string {
	if !taken(nick) {
		return nick
	}
	for n := 2; ; n++ {
		suffix := "-" + strconv.Itoa(n)
		base := []rune(nick)
		if len(base)+len(suffix) > MaxNick {
			base = base[:MaxNick-len(suffix)]
		}
		if candidate := string(base) + suffix; !taken(candidate) {
			return candidate
		}
	}
}
