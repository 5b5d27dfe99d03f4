package serve

import (
	"strings"
	"testing"
)

func TestReplyFilter(t *testing.T) {
	cases := []struct {
		in, keys string
		replies  string // b for a background (d dark, l light, ? unread), a for DA1
	}{
		{"q", "q", ""},
		{"\x1b]11;rgb:0000/0000/0000\x07\x1b[?62;22c", "", "bd a"},
		{"\x1b]11;rgb:ffff/ffff/ffff\x1b\\\x1b[?1;2c", "", "bl a"},
		{"\x1b]11;rgb:1e/1e/2e\x07", "", "bd"},
		{"\x1b]11;#fdf6e3\x07", "", "bl"},
		{"\x1b]11;nonsense\x07", "", "b?"},
		{"c\x1b[?62c", "c", "a"},
		{"\x1b[?62cv", "v", "a"},
		{"\x1b", "\x1b", ""},           // the Esc key
		{"\x1b[A", "\x1b[A", ""},       // an arrow
		{"\x1b[1;5C", "\x1b[1;5C", ""}, // ctrl+right
		{"\x1b]0;title\x07", "\x1b]0;title\x07", ""},
		{"\x1b[?x", "\x1b[?x", ""},
		{"ab\x1b]11;rgb:0/0/0\x07cd", "abcd", "bd"},
	}
	for _, c := range cases {
		// Whole, then cut in two at every place.
		for cut := 0; cut <= len(c.in); cut++ {
			var f replyFilter
			k1, r1 := f.feed([]byte(c.in[:cut]))
			k2, r2 := f.feed([]byte(c.in[cut:]))
			keys, replies := string(k1)+string(k2), describe(append(r1, r2...))
			if len(f.held) > 0 {
				keys += string(f.held) // still waiting: would go on with the next read
			}
			// An answer cut right after its ESC costs one Esc key (a
			// lone ESC goes on at once): the rest of it is still taken out.
			escCut := cut > 0 && c.in[cut-1] == 0x1b && strings.Replace(keys, "\x1b", "", 1) == c.keys
			if (keys != c.keys && !escCut) || replies != c.replies {
				t.Errorf("%q cut at %d: keys %q replies %q, want %q %q", c.in, cut, keys, replies, c.keys, c.replies)
			}
		}
	}
}

// Keys typed while the answer is on its way are all kept, in order.
func TestReplyFilterKeepsEveryKey(t *testing.T) {
	var f replyFilter
	var keys []byte
	for _, chunk := range []string{"q", "\x1b]11;rgb:0000/", "0000/0000\x07", "v", "\x1b[?6", "2;22c", "T"} {
		k, _ := f.feed([]byte(chunk))
		keys = append(keys, k...)
	}
	if string(keys) != "qvT" {
		t.Errorf("keys %q, want qvT", keys)
	}
}

func describe(rs []reply) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += " "
		}
		switch {
		case !r.background:
			s += "a"
		case !r.parsed:
			s += "b?"
		case r.dark:
			s += "bd"
		default:
			s += "bl"
		}
	}
	return s
}
