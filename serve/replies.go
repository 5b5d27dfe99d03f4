package serve

import (
	"bytes"
	"strconv"
	"strings"
)

// The terminal queries a session starts with: its background colour (OSC
// 11) and its primary device attributes (DA1), which every terminal answers,
// so that its answer ends the wait for one that does not know OSC 11.
const (
	queryBackground = "\x1b]11;?\x07"
	queryDA1        = "\x1b[c"
)

// reply is a terminal's answer to a query.
type reply struct {
	background bool // an OSC 11 answer; else a DA1 answer
	dark       bool // the background's lightness is under a half
	parsed     bool // the colour could be read
}

// replyFilter takes the terminal's answers out of what a client sends, so
// that they never reach the dashboard as keys, and so that no key is lost
// to the wait for them (the first keystroke of a client that never answers
// goes to the dashboard like any other). An answer split across two reads is
// held until it is whole; a lone ESC (the Esc key) passes at once.
type replyFilter struct {
	held []byte
	// escEnded is set when the last read ended with a lone ESC that was
	// passed on: an answer may go on in the next read.
	escEnded bool
}

// maxHeld bounds what the filter holds while it waits for the end of an
// answer: past it, the bytes are not an answer and go on as they are.
const maxHeld = 128

// feed filters one read: keys is what goes on to the dashboard, replies
// the answers found.
func (f *replyFilter) feed(in []byte) (keys []byte, replies []reply) {
	b := append(f.held, in...)
	f.held = nil
	if f.escEnded {
		f.escEnded = false
		// The ESC went on already (the dashboard took it for the Esc
		// key); the rest of an answer must not.
		withEsc := append([]byte{0x1b}, b...)
		switch n, r, ok := parseReply(withEsc); {
		case ok:
			replies = append(replies, r)
			b = b[n-1:]
		case n < 0 && len(withEsc) < maxHeld:
			f.held = withEsc
			return nil, nil
		}
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, 0x1b)
		if i < 0 {
			keys = append(keys, b...)
			break
		}
		keys = append(keys, b[:i]...)
		b = b[i:]
		n, r, ok := parseReply(b)
		switch {
		case ok:
			replies = append(replies, r)
			b = b[n:]
		case n < 0 && len(b) < maxHeld && len(b) > 1:
			// The start of an answer: wait for the rest.
			f.held = append([]byte(nil), b...)
			return keys, replies
		default:
			if len(b) == 1 {
				f.escEnded = true
			}
			keys = append(keys, b[0])
			b = b[1:]
		}
	}
	return keys, replies
}

// parseReply reads an answer at the start of b (which starts with ESC): its
// length and what it says. n is -1 when b could be the start of an answer
// that has not arrived whole; ok is false when b is no answer.
func parseReply(b []byte) (n int, r reply, ok bool) {
	switch {
	case bytes.HasPrefix(b, []byte("\x1b]11;")):
		// The colour, ended by BEL or ST (ESC \ or 0x9c).
		for i := len("\x1b]11;"); i < len(b); i++ {
			end := 0
			switch {
			case b[i] == 0x07 || b[i] == 0x9c:
				end = i + 1
			case b[i] == 0x1b && i+1 == len(b):
				return -1, reply{}, false
			case b[i] == 0x1b && b[i+1] == '\\':
				end = i + 2
			case b[i] == 0x1b:
				return 0, reply{}, false
			default:
				continue
			}
			r = reply{background: true}
			r.dark, r.parsed = darkColour(string(b[len("\x1b]11;"):i]))
			return end, r, true
		}
		return -1, reply{}, false
	case bytes.HasPrefix(b, []byte("\x1b[?")):
		for i := 3; i < len(b); i++ {
			switch c := b[i]; {
			case c == 'c':
				return i + 1, reply{}, true
			case c == ';' || (c >= '0' && c <= '9'):
			default:
				return 0, reply{}, false
			}
		}
		return -1, reply{}, false
	case len(b) < 5 && bytes.HasPrefix([]byte("\x1b]11;"), b), len(b) < 3 && bytes.HasPrefix([]byte("\x1b[?"), b):
		if len(b) == 1 {
			return 0, reply{}, false // a lone ESC is the Esc key
		}
		return -1, reply{}, false
	}
	return 0, reply{}, false
}

// darkColour reads an X11 colour spec ("rgb:RRRR/GGGG/BBBB", 1 to 4 hex
// digits each, or "#RRGGBB") and reports whether it is dark: its HSL
// lightness under a half.
func darkColour(spec string) (dark, ok bool) {
	var parts []string
	switch {
	case strings.HasPrefix(spec, "rgb:"):
		parts = strings.Split(spec[4:], "/")
	case strings.HasPrefix(spec, "#") && len(spec) == 7:
		parts = []string{spec[1:3], spec[3:5], spec[5:7]}
	}
	if len(parts) != 3 {
		return false, false
	}
	lo, hi := 1.0, 0.0
	for _, p := range parts {
		if len(p) < 1 || len(p) > 4 {
			return false, false
		}
		v, err := strconv.ParseUint(p, 16, 16)
		if err != nil {
			return false, false
		}
		f := float64(v) / float64(uint64(1)<<(4*len(p))-1)
		lo, hi = min(lo, f), max(hi, f)
	}
	return (lo+hi)/2 < 0.5, true
}
