package recording

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/vt"
	"go.uber.org/goleak"

	"github.com/archex/archex/screenshot"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// cast is a parsed recording.
type cast struct {
	header Header
	events []event
}

type event struct {
	t    float64
	code string
	data string
}

// parse reads a recording, failing the test on any line that is not what
// asciicast v2 says.
func parse(t *testing.T, data []byte) cast {
	t.Helper()
	var c cast
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<24)
	for n := 1; sc.Scan(); n++ {
		if n == 1 {
			if err := json.Unmarshal(sc.Bytes(), &c.header); err != nil {
				t.Fatalf("line 1, the header: %v: %s", err, sc.Text())
			}
			continue
		}
		var raw []json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil || len(raw) != 3 {
			t.Fatalf("line %d is not a 3-element JSON array: %v: %s", n, err, sc.Text())
		}
		var e event
		if json.Unmarshal(raw[0], &e.t) != nil || json.Unmarshal(raw[1], &e.code) != nil || json.Unmarshal(raw[2], &e.data) != nil {
			t.Fatalf("line %d: want [seconds, code, text]: %s", n, sc.Text())
		}
		if e.code != "o" && e.code != "r" {
			t.Fatalf("line %d: event code %q", n, e.code)
		}
		if len(c.events) > 0 && e.t < c.events[len(c.events)-1].t {
			t.Fatalf("line %d: time %v goes back", n, e.t)
		}
		c.events = append(c.events, e)
	}
	return c
}

// replay plays a recording into a virtual terminal, as asciinema play
// would, and returns the screen's text.
func replay(t *testing.T, c cast) string {
	t.Helper()
	em := vt.NewEmulator(c.header.Width, c.header.Height)
	defer screenshot.Drain(em)()
	for _, e := range c.events {
		switch e.code {
		case "o":
			em.WriteString(e.data)
		case "r":
			var w, h int
			if _, err := fmt.Sscanf(e.data, "%dx%d", &w, &h); err != nil {
				t.Fatalf("resize %q: %v", e.data, err)
			}
			em.Resize(w, h)
		}
	}
	return screenText(em)
}

func screenText(em *vt.Emulator) string {
	var lines []string
	for y := 0; y < em.Height(); y++ {
		var b strings.Builder
		for x := 0; x < em.Width(); x++ {
			if c := em.CellAt(x, y); c != nil && c.Width > 0 {
				b.WriteString(c.Content)
			}
		}
		lines = append(lines, strings.TrimRight(b.String(), " "))
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// counter draws its count and size, full screen.
type counter struct{ n, w, h int }

type bump struct{}

func (c counter) Init() tea.Cmd { return nil }
func (c counter) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		c.w, c.h = msg.Width, msg.Height
	case bump:
		c.n++
	}
	return c, nil
}
func (c counter) View() string {
	return fmt.Sprintf("frame %d ● at %dx%d\n╭──────╮\n│ cache │ %s\n╰──────╯", c.n, c.w, c.h, strings.Repeat("▮", c.n))
}

// syncBuffer is a buffer the program writes and the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// A program recorded through Tee and Watch gives a recording whose header
// and events parse, with its resize, and whose replay shows the program's
// last frame.
func TestARecordingReplaysToTheLastFrame(t *testing.T) {
	var file syncBuffer
	rec, err := New(&file, 60, 12, "archex test")
	if err != nil {
		t.Fatal(err)
	}
	// A file, as a terminal is: every way Bubble Tea writes to it must be
	// recorded (it writes the screen modes with WriteString).
	out, err := os.Create(filepath.Join(t.TempDir(), "terminal"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	p := tea.NewProgram(Watch(counter{}, rec), tea.WithOutput(rec.Tee(out)), tea.WithInput(nil),
		tea.WithAltScreen(), tea.WithoutSignalHandler())
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	p.Send(tea.WindowSizeMsg{Width: 60, Height: 12})
	for range 3 {
		p.Send(bump{})
	}
	p.Send(tea.WindowSizeMsg{Width: 70, Height: 14})
	for range 2 {
		p.Send(bump{})
	}
	want := counter{n: 5, w: 70, h: 14}.View()

	// The renderer draws on its own clock: wait for the last frame to
	// reach the recording.
	deadline := time.Now().Add(5 * time.Second)
	var got string
	for {
		rec.mu.Lock()
		rec.w.Flush()
		rec.mu.Unlock()
		got = replay(t, parse(t, file.Bytes()))
		if got == want || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.Quit()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("the replay shows\n%s\nwant the last frame\n%s", got, want)
	}
	c := parse(t, file.Bytes())
	if h := c.header; h.Version != 2 || h.Width != 60 || h.Height != 12 || h.Title != "archex test" || h.Timestamp == 0 {
		t.Errorf("header %+v", h)
	}
	var resizes []string
	for _, e := range c.events {
		if e.code == "r" {
			resizes = append(resizes, e.data)
		}
	}
	if strings.Join(resizes, " ") != "70x14" {
		t.Errorf("resizes %v, want only 70x14 (60x12 is the header's)", resizes)
	}
	var all strings.Builder
	for _, e := range c.events {
		if e.code == "o" {
			all.WriteString(e.data)
		}
	}
	written, _ := os.ReadFile(out.Name())
	if all.String() != string(written) {
		t.Errorf("the recording's output (%d bytes) is not what the program wrote (%d bytes):\n%q\n%q", all.Len(), len(written), all.String(), written)
	}
	for _, mode := range []string{"\x1b[?1049h", "\x1b[?25l", "\x1b[?1049l", "\x1b[?25h"} {
		if !strings.Contains(all.String(), mode) {
			t.Errorf("the recording lacks %q", mode)
		}
	}
}

// A character split between two writes is recorded whole; the clock is
// the recorder's.
func TestOutputKeepsCharactersWhole(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(1_800_000_000, 0)
	rec, err := newAt(&buf, 80, 24, "", func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	dot := []byte("a●b✖")
	rec.Output(dot[:2]) // "a" and the first byte of ●
	now = now.Add(1500 * time.Millisecond)
	rec.Output(dot[2:5]) // the rest of ●, "b"
	rec.Output(dot[5:6]) // the first byte of ✖, held until Close (JSON text holds no broken character: U+FFFD)
	rec.Resize(80, 24)
	rec.Resize(100, 30)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	c := parse(t, buf.Bytes())
	var got []string
	for _, e := range c.events {
		got = append(got, fmt.Sprintf("%g %s %q", e.t, e.code, e.data))
	}
	want := []string{`0 o "a"`, `1.5 o "●b"`, `1.5 r "100x30"`, "1.5 o \"\uFFFD\""}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("events\n got %s\nwant %s", strings.Join(got, "; "), strings.Join(want, "; "))
	}
}
