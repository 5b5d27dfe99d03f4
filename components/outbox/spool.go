package outbox

import "github.com/archex/archex/components/event"

// spool is a bounded first-in first-out list of events. Only the relay's
// publisher takes from the front; anyone may add at the back. Not safe for
// concurrent use: the relay's mutex guards it.
type spool struct {
	max   int
	items []event.Event
	head  int
}

func (s *spool) len() int { return len(s.items) - s.head }

// push adds ev at the back; false when the spool is full.
func (s *spool) push(ev event.Event) bool {
	if s.len() >= s.max {
		return false
	}
	if s.head > 0 && s.head >= len(s.items)/2 {
		// Reuse the space the front has freed.
		n := copy(s.items, s.items[s.head:])
		clear(s.items[n:])
		s.items, s.head = s.items[:n], 0
	}
	s.items = append(s.items, ev)
	return true
}

// front copies up to n events from the front.
func (s *spool) front(n int) []event.Event {
	n = min(n, s.len())
	return append([]event.Event(nil), s.items[s.head:s.head+n]...)
}

// drop removes n events from the front.
func (s *spool) drop(n int) {
	n = min(n, s.len())
	clear(s.items[s.head : s.head+n])
	s.head += n
	if s.head == len(s.items) {
		s.items, s.head = s.items[:0], 0
	}
}
