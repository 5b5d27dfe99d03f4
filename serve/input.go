package serve

import (
	"bytes"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// input is a session's keyboard: the only reader of what its client sends.
// It takes the terminal's answers to the queries out (replyFilter), hands
// everything else to the dashboard, and notes when the last key came, for
// --idle: keys, not the frames written, say a student is there. Keys typed
// before the dashboard reads (while the session waits for its terminal's
// answer) wait in order; the answer is read meanwhile.
type input struct {
	src     io.Reader
	keys    chan []byte // to the dashboard; closed when the client is gone
	left    []byte      // what the dashboard has not read of the last chunk
	done    chan struct{}
	once    sync.Once
	now     func() time.Time
	lastKey atomic.Int64 // unix nanoseconds
	replies chan reply
}

// keyChunks bounds the reads of keys waiting for the dashboard: past it the
// client waits (its window fills), nothing is dropped.
const keyChunks = 64

func newInput(src io.Reader, now func() time.Time) *input {
	in := &input{src: src, keys: make(chan []byte, keyChunks), done: make(chan struct{}), now: now, replies: make(chan reply, 4)}
	in.lastKey.Store(now().UnixNano())
	return in
}

// pump copies the client's keys to the dashboard until the client or the
// dashboard is gone.
func (in *input) pump() {
	var f replyFilter
	buf := make([]byte, 4096)
	for {
		n, err := in.src.Read(buf)
		if n > 0 {
			keys, replies := f.feed(buf[:n])
			for _, r := range replies {
				select {
				case in.replies <- r:
				default: // nobody asked: an answer that came late
				}
			}
			if len(keys) > 0 {
				in.lastKey.Store(in.now().UnixNano())
				select {
				case in.keys <- bytes.Clone(keys):
				case <-in.done:
					return // the dashboard has ended
				}
			}
		}
		if err != nil {
			close(in.keys)
			return
		}
	}
}

// Read gives the dashboard the client's keys, in order.
func (in *input) Read(p []byte) (int, error) {
	if len(in.left) == 0 {
		select {
		case chunk, ok := <-in.keys:
			if !ok {
				return 0, io.EOF
			}
			in.left = chunk
		case <-in.done:
			return 0, io.EOF
		}
	}
	n := copy(p, in.left)
	in.left = in.left[n:]
	return n, nil
}

// Close ends the dashboard's side: a Read waiting returns at once.
func (in *input) Close() error {
	in.once.Do(func() { close(in.done) })
	return nil
}

// LastKey is when the client last pressed a key (or connected).
func (in *input) LastKey() time.Time { return time.Unix(0, in.lastKey.Load()) }

// background asks the client's terminal for its background colour and
// waits at most wait for the answer; a terminal that answers DA1 but not
// OSC 11 ends the wait at once. known is false when nothing answered.
func (in *input) background(out io.Writer, wait time.Duration) (dark, known bool) {
	if _, err := io.WriteString(out, queryBackground+queryDA1); err != nil {
		return false, false
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case r := <-in.replies:
			if !r.background {
				return dark, known
			}
			dark, known = r.dark, r.parsed
		case <-timer.C:
			return dark, known
		}
	}
}
