package classroom

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	cases := []struct{ user, want string }{
		{"alice", "alice"},
		{"Bob Smith", "Bob-Smith"},
		{"émile_07", "émile_07"},
		{"李雷", "李雷"},
		{"\x1b[31mred\x1b[0m", "red"},
		{"\x1b]0;pwned\x07bob", "bob"},
		{"\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"\x1b[2J\x1b[Hwipe", "wipe"},
		{"\u009b31mc1", "c1"},
		{"\u009d0;title\u009cok", "ok"},
		{"\x1bPdcs\x1b\\x", "x"},
		{"tab\there\nnew", "tabherenew"},
		{"rtl\u202egnp.exe", "rtlgnp.exe"},
		{"zero\u200bwidth", "zerowidth"},
		{"e\u0301", "e"}, // a combining mark alone is not a letter
		{"bad\xffutf8", "badutf8"},
		{"", fallbackNick},
		{"\x1b[31m", fallbackNick},
		{"---", fallbackNick},
		{"$(rm -rf)", "rm--rf"},
		{strings.Repeat("A", 500), strings.Repeat("A", MaxNick)},
		{"\x1b[31m" + strings.Repeat("é", 40), strings.Repeat("é", MaxNick)},
		{"unterminated\x1b]0;title", "unterminated"},
	}
	for _, c := range cases {
		if got := Sanitize(c.user); got != c.want {
			t.Errorf("Sanitize(%q) = %q, want %q", c.user, got, c.want)
		}
	}
}

// Whatever the user name, the nickname is short and printable.
func FuzzSanitize(f *testing.F) {
	f.Add("\x1b]0;x\x07" + strings.Repeat("é", 30))
	f.Add("\u009b\u009d\x1b")
	f.Fuzz(func(t *testing.T, user string) {
		n := Sanitize(user)
		if utf8.RuneCountInString(n) > MaxNick || n == "" {
			t.Fatalf("Sanitize(%q) = %q", user, n)
		}
		for _, r := range n {
			if r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == 0x1b {
				t.Fatalf("Sanitize(%q) = %q keeps control %U", user, n, r)
			}
		}
	})
}

func TestUnique(t *testing.T) {
	taken := map[string]bool{"alice": true, "alice-2": true, strings.Repeat("b", MaxNick): true}
	in := func(n string) bool { return taken[strings.ToLower(n)] }
	cases := []struct{ nick, want string }{
		{"carol", "carol"},
		{"alice", "alice-3"},
		{"ALICE", "ALICE-3"},
		{strings.Repeat("b", MaxNick), strings.Repeat("b", MaxNick-2) + "-2"},
	}
	for _, c := range cases {
		if got := unique(c.nick, in); got != c.want {
			t.Errorf("unique(%q) = %q, want %q", c.nick, got, c.want)
		}
	}
}
