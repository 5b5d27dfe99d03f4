package card

import (
	"fmt"
	"strconv"
)

// Limits of a card archex runs. Every component runs as a live server with
// its own sockets, goroutines and memory, so a card's size is a machine's
// load: measured on the 2-core machine archex is built on, at 200 req/s, a
// chain of 20 proxying stages in front of the service answered with a p50
// of 50 ms; one of 24 stopped answering in time (9,500 open files, 240 MB);
// 500 ran out of file descriptors. The shipped cards have at most 9
// components, 16 hops and 7 KB.
const (
	MaxComponents = 20
	MaxHops       = 64
	MaxFileSize   = 256 << 10 // bytes of a card file, in either form
)

// checkSize refuses a card file too large to be a card, before reading it.
func checkSize(name string, size int64) *Error {
	if size <= MaxFileSize {
		return nil
	}
	return &Error{File: name, Msg: fmt.Sprintf("the file is %s bytes; a card file is at most %s (256 KiB; the shipped cards are under 7 KB): is this the right file?",
		commas(size), commas(MaxFileSize))}
}

// commas writes n with a comma every three digits.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// checkLimits refuses a card larger than archex runs.
func checkLimits(c *Card, src source) *Error {
	if n := len(c.Components); n > MaxComponents {
		return src.errorf(index("components", MaxComponents), "the card has %d components; archex runs at most %d (each is a live server): merge some, or split the card", n, MaxComponents)
	}
	if n := len(c.Flow); n > MaxHops {
		return src.errorf(index("flow", MaxHops), "the flow has %d hops; archex runs at most %d: shorten it", n, MaxHops)
	}
	return nil
}
