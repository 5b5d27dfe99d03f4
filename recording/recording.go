// Package recording writes a terminal session as an asciicast v2 recording
// (what `asciinema play` plays): a header line, then one JSON array a line
// for each piece of output, [seconds, "o", text], and for each resize,
// [seconds, "r", "WxH"]. It records by teeing a program's output (Tee) and
// by watching its window sizes (Watch); it needs nothing of the program
// else.
package recording

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
	"unicode/utf8"
)

// Header is the recording's first line.
type Header struct {
	Version   int               `json:"version"`
	Width     int               `json:"width"`
	Height    int               `json:"height"`
	Timestamp int64             `json:"timestamp,omitempty"`
	Title     string            `json:"title,omitempty"`
	Env       map[string]string `json:"env,omitempty"`
}

// Recorder writes one recording. Its methods are safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	w       *bufio.Writer
	closer  io.Closer
	start   time.Time
	now     func() time.Time
	w0, h0  int
	pending []byte // the start of a character split between two writes
	err     error
}

// New starts a recording of a w×h terminal on out, writing its header.
// title may be empty; TERM is taken from the environment. Close flushes
// it (and closes out when it is a Closer).
func New(out io.Writer, w, h int, title string) (*Recorder, error) {
	return newAt(out, w, h, title, time.Now)
}

func newAt(out io.Writer, w, h int, title string, now func() time.Time) (*Recorder, error) {
	r := &Recorder{w: bufio.NewWriterSize(out, 64<<10), start: now(), now: now, w0: w, h0: h}
	if c, ok := out.(io.Closer); ok {
		r.closer = c
	}
	hdr := Header{Version: 2, Width: w, Height: h, Timestamp: r.start.Unix(), Title: title}
	if term := os.Getenv("TERM"); term != "" {
		hdr.Env = map[string]string{"TERM": term}
	}
	line, err := json.Marshal(hdr)
	if err != nil {
		return nil, err
	}
	r.w.Write(line)
	if err := r.w.WriteByte('\n'); err != nil {
		return nil, err
	}
	return r, r.w.Flush()
}

// Create starts a recording in a new file at path (see New); an existing
// file is replaced.
func Create(path string, w, h int, title string) (*Recorder, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	r, err := New(f, w, h, title)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// Output records what the program wrote. A character split between two
// writes is recorded whole, with the second.
func (r *Recorder) Output(p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	data := append(r.pending, p...)
	cut := completeUpTo(data)
	r.pending = append([]byte(nil), data[cut:]...)
	if cut > 0 {
		r.event("o", string(data[:cut]))
	}
}

// completeUpTo is the length of data's longest prefix that does not end in
// the middle of a UTF-8 character.
func completeUpTo(data []byte) int {
	for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax; i-- {
		if utf8.RuneStart(data[i]) {
			if !utf8.FullRune(data[i:]) {
				return i
			}
			break
		}
	}
	return len(data)
}

// Resize records a new terminal size; the same size again records nothing.
func (r *Recorder) Resize(w, h int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w == r.w0 && h == r.h0 {
		return
	}
	r.w0, r.h0 = w, h
	r.event("r", fmt.Sprintf("%dx%d", w, h))
}

// event writes one event line; callers hold mu.
func (r *Recorder) event(code, data string) {
	if r.err != nil {
		return
	}
	t := float64(r.now().Sub(r.start).Microseconds()) / 1e6
	line, err := json.Marshal([]any{t, code, data})
	if err == nil {
		r.w.Write(line)
		err = r.w.WriteByte('\n')
	}
	if err == nil && r.w.Buffered() > 32<<10 {
		err = r.w.Flush()
	}
	r.err = err
}

// Close writes what is left and closes the output; it returns the first
// error the recording met.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) > 0 {
		r.event("o", string(r.pending))
		r.pending = nil
	}
	err := r.err
	if ferr := r.w.Flush(); err == nil {
		err = ferr
	}
	if r.closer != nil {
		if cerr := r.closer.Close(); err == nil {
			err = cerr
		}
		r.closer = nil
	}
	r.err = fmt.Errorf("recording closed")
	return err
}
