package recording

import (
	"io"
	"os"

	tea "github.com/charmbracelet/bubbletea"
)

// Tee returns a writer that writes to out and records what it wrote. When
// out is a terminal's *os.File, so is the writer to Bubble Tea (it has the
// file's descriptor), so that the program still reads the terminal's size
// and hears of its resizes.
func (r *Recorder) Tee(out io.Writer) io.Writer {
	if f, ok := out.(*os.File); ok {
		return &teeFile{f: f, rec: r}
	}
	return &tee{out: out, rec: r}
}

type tee struct {
	out io.Writer
	rec *Recorder
}

func (t *tee) Write(p []byte) (int, error) {
	n, err := t.out.Write(p)
	t.rec.Output(p[:n])
	return n, err
}

// teeFile is a terminal file whose writes are recorded: a term.File (Read,
// Write, Close, Fd) for Bubble Tea, and nothing more, so that no other
// way of writing (an *os.File's WriteString, ReadFrom) gets past the
// recording.
type teeFile struct {
	f   *os.File
	rec *Recorder
}

func (t *teeFile) Write(p []byte) (int, error) {
	n, err := t.f.Write(p)
	t.rec.Output(p[:n])
	return n, err
}

func (t *teeFile) Read(p []byte) (int, error) { return t.f.Read(p) }
func (t *teeFile) Close() error               { return t.f.Close() }
func (t *teeFile) Fd() uintptr                { return t.f.Fd() }

// Watch wraps a program's model so that the recording hears of each new
// window size, before the model draws for it.
func Watch(m tea.Model, r *Recorder) tea.Model { return watched{inner: m, rec: r} }

type watched struct {
	inner tea.Model
	rec   *Recorder
}

func (w watched) Init() tea.Cmd { return w.inner.Init() }

func (w watched) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if s, ok := msg.(tea.WindowSizeMsg); ok {
		w.rec.Resize(s.Width, s.Height)
	}
	var cmd tea.Cmd
	w.inner, cmd = w.inner.Update(msg)
	return w, cmd
}

func (w watched) View() string { return w.inner.View() }

// Inner is the model Watch wrapped.
func Inner(m tea.Model) tea.Model {
	if w, ok := m.(watched); ok {
		return w.inner
	}
	return m
}
