package engine

import (
	"sync"
	"time"
)

// Level is how much a notice matters.
type Level int

// Levels of notices.
const (
	LevelInfo Level = iota
	LevelWarn
	LevelError
)

// Notice is something that happened to the system as a whole: a fault, a
// recovery, a breaker tripping, a replica leaving rotation, a panic.
type Notice struct {
	Seq       uint64
	At        time.Time
	Component string
	Text      string
	Level     Level
}

// noticeLog keeps the most recent notices.
type noticeLog struct {
	mu   sync.Mutex
	seq  uint64
	ring []Notice
	max  int
}

func newNoticeLog(max int) *noticeLog { return &noticeLog{max: max} }

func (l *noticeLog) add(at time.Time, component, text string, level Level) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	l.ring = append(l.ring, Notice{Seq: l.seq, At: at, Component: component, Text: text, Level: level})
	if len(l.ring) > l.max {
		l.ring = append(l.ring[:0], l.ring[len(l.ring)-l.max:]...)
	}
}

// since returns the notices after cursor and the new cursor.
func (l *noticeLog) since(cursor uint64) ([]Notice, uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Notice
	for _, n := range l.ring {
		if n.Seq > cursor {
			out = append(out, n)
		}
	}
	return out, l.seq
}

// Notices returns what happened after cursor (0: everything kept) and the
// cursor to pass next time.
func (e *Engine) Notices(cursor uint64) ([]Notice, uint64) { return e.notes.since(cursor) }
