package serve

import (
	"io"
	"sync/atomic"
	"time"
)

// output is a session's screen: what its dashboard writes goes through it,
// counted, with the time the write under way began. A client that stops
// reading makes that write wait on its own connection (the SSH window is
// full): the dashboard's program waits with it and draws no frames, which
// are dropped, not queued; nothing else waits for it. The log says so.
type output struct {
	w       io.Writer
	now     func() time.Time
	written atomic.Int64
	since   atomic.Int64 // unix nanoseconds; 0 when no write is under way
}

func (o *output) Write(p []byte) (int, error) {
	o.since.Store(o.now().UnixNano())
	n, err := o.w.Write(p)
	o.since.Store(0)
	o.written.Add(int64(n))
	return n, err
}

// stalled is how long the write under way has waited, 0 when none.
func (o *output) stalled(now time.Time) time.Duration {
	if s := o.since.Load(); s != 0 {
		return now.Sub(time.Unix(0, s))
	}
	return 0
}
