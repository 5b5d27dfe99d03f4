package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"

	"github.com/archex/archex/screenshot"
)

// archex -h lists the commands, one line each, then the dashboard's flags.
func TestHelpListsTheCommands(t *testing.T) {
	q := newQuizEnv(t)
	code, out, _ := q.run("", "-h")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, c := range commands() {
		if want := fmt.Sprintf("\n  %-8s %s\n", c.name, c.summary); !strings.Contains(out, want) {
			t.Errorf("archex -h lacks the line of %s", c.name)
		}
	}
	for _, flag := range []string{"-script LESSON", "-loop", "-record FILE", "-shots folder", "-fault", "-theme", "-strict"} {
		if !strings.Contains(out, "  "+flag) {
			t.Errorf("archex -h lacks %s", flag)
		}
	}
}

func writeLesson(t *testing.T, dir, src string) string {
	t.Helper()
	path := filepath.Join(dir, "demo.lesson")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Bad input to the dashboard's demo flags is one line, exit 2, before any
// terminal is needed.
func TestDashboardDemoFlagsBadInput(t *testing.T) {
	q := newQuizEnv(t)
	dir := t.TempDir()
	good := writeLesson(t, dir, "0s caption hi\n10s end\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"loop alone", []string{"--loop"}, "archex: --loop plays a --script again and again: give the lesson to play"},
		{"fault and script", []string{"--script", good, "--fault", "kill cache @1s"}, "archex: --fault and --script together: write the faults into the lesson"},
		{"a bad fault", []string{"--fault", "kil cache @1s"}, `archex: --fault: bad fault "kil cache @1s": unknown action "kil"`},
		{"a fault for no component", []string{"--fault", "kill cach @1s"}, `archex: --fault: bad fault "kill cach @1s": unknown component "cach"`},
		{"too much traffic", []string{"--fault", "rate 2000 @1s", "--fault", "pattern spike @2s"}, `archex: --fault "pattern spike @2s": `},
		{"no such lesson", []string{"--script", filepath.Join(dir, "missing.lesson")}, "archex: --script: open " + filepath.Join(dir, "missing.lesson") + ": no such file or directory"},
		{"a bad lesson", []string{"--script", writeLesson(t, t.TempDir(), "0s kill\n5s end\n")}, `demo.lesson:1: "kill": kill takes a component`},
		{"a lesson's unknown component", []string{"--script", writeLesson(t, t.TempDir(), "0s step\n2s kill cach\n5s end\n")}, `demo.lesson:2: bad fault "kill cach": unknown component "cach"`},
		{"a lesson's component another card has", []string{"--script", writeLesson(t, t.TempDir(), "card chat\n2s kill cache\n5s end\n")}, `demo.lesson:2: bad fault "kill cache": unknown component "cache"`},
		{"a lesson's traffic", []string{"--script", writeLesson(t, t.TempDir(), "1s rate 2000\n2s pattern spike\n5s end\n")}, `demo.lesson:2: "pattern spike": `},
		{"a lesson for another card", []string{"--card", "chat", "--script", writeLesson(t, t.TempDir(), "title x\ncard production\n0s step\n5s end\n")}, `demo.lesson:2: the lesson is written for the card "production"`},
		{"a lesson's missing card", []string{"--script", writeLesson(t, t.TempDir(), "card nope\n0s step\n5s end\n")}, `archex: nope: no such file, nor an embedded card`},
		{"a loop with a pause for a key", []string{"--loop", "--script", writeLesson(t, t.TempDir(), "0s pause\n5s end\n")}, "demo.lesson:1: pause waits for the presenter's key (n), and with --loop nobody is there to press it: give it a time, such as pause 10s"},
		{"no shots folder", []string{"--shots", filepath.Join(dir, "nope")}, "archex: --shots " + filepath.Join(dir, "nope") + ": not a folder"},
		{"two themes", []string{"--theme", "default", "--high-contrast"}, "archex: --high-contrast and --theme default ask for two themes: give one"},
		{"an unknown theme", []string{"--theme", "dark"}, `archex: --theme "dark": use default or high-contrast`},
		{"all good but no terminal", []string{"--script", good, "--loop"}, "archex: the dashboard needs a terminal, and stdout is not one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := q.run("", tc.args...)
			first := strings.SplitN(errOut, "\n", 2)[0]
			if code != exitUsage || !strings.Contains(first, tc.want) {
				t.Errorf("exit %d, stderr %q, want %q", code, first, tc.want)
			}
		})
	}
	// The quiz takes the same theme flags.
	code, _, errOut := q.run("", "quiz", "--plain", "--theme", "dark")
	if code != exitUsage || !strings.HasPrefix(errOut, `archex: --theme "dark": use default or high-contrast`) {
		t.Errorf("quiz --theme dark: exit %d, %q", code, errOut)
	}
	if code, _, errOut := q.run("", "quiz", "--reset", "--theme", "high-contrast"); code != exitOK {
		t.Errorf("quiz --theme high-contrast: exit %d, %q", code, errOut)
	}
}

// The dashboard on a terminal, playing a lesson, recording itself: S saves
// the screen, q ends it, and the recording's replay shows the dashboard's
// last frame, caption and all.
func TestDashboardRecordsAndSavesTheScreen(t *testing.T) {
	if testing.Short() {
		t.Skip("the dashboard on a pseudo-terminal")
	}
	tmp := t.TempDir()
	shots := filepath.Join(tmp, "shots")
	if err := os.Mkdir(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	cast := filepath.Join(tmp, "session.cast")
	lessonPath := writeLesson(t, tmp, "title Recording test\n0s caption The caption of the test.\n60s end\n")
	c, out, screen := startDashboard(t, tmp, "--rate", "5", "--record", cast, "--shots", shots, "--script", lessonPath)
	waitFor(t, 10*time.Second, "the caption never showed", func() bool { return strings.Contains(out.String(), "The caption of the test.") })
	screen.WriteString("S")
	shot := filepath.Join(shots, "archex-001.txt")
	waitFor(t, 10*time.Second, "no screenshot saved", func() bool { _, err := os.Stat(shot); return err == nil })
	waitFor(t, 10*time.Second, "the screenshot's name is not on screen", func() bool { return strings.Contains(out.String(), "screen saved: ") })
	screen.WriteString("q")
	if code := c.exit(t, 15*time.Second); code != exitOK {
		t.Fatalf("exit %d: %s", code, tail(out.String(), 300))
	}
	if !strings.Contains(out.String(), "recorded the session in "+cast+" (play it with: asciinema play "+cast+")") {
		t.Errorf("the end does not say where the recording is: %q", tail(out.String(), 300))
	}

	text, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	if len(lines) != 30 || !strings.HasPrefix(lines[0], "archex · ") || !strings.Contains(string(text), "▌ The caption of the test.") {
		t.Errorf("the screenshot (%d lines):\n%s", len(lines), text)
	}
	if svg, err := os.ReadFile(strings.TrimSuffix(shot, ".txt") + ".svg"); err != nil || !bytes.Contains(svg, []byte("<svg")) {
		t.Errorf("the SVG: %v", err)
	}

	data, err := os.ReadFile(cast)
	if err != nil {
		t.Fatal(err)
	}
	last := replayCast(t, data)
	if !strings.HasPrefix(last, "archex · ") || !strings.Contains(last, "▌ The caption of the test.") || !strings.Contains(last, "screen saved: ") {
		t.Errorf("the replay's last frame:\n%s", last)
	}
}

// replayCast checks that a recording's lines are asciicast v2 and plays its
// output, up to the program's leaving the alternate screen, into a virtual
// terminal of the header's size; it returns the screen then.
func replayCast(t *testing.T, data []byte) string {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<24)
	if !sc.Scan() {
		t.Fatal("an empty recording")
	}
	var hdr struct {
		Version, Width, Height int
		Env                    map[string]string
	}
	if err := json.Unmarshal(sc.Bytes(), &hdr); err != nil || hdr.Version != 2 || hdr.Width != 100 || hdr.Height != 30 || hdr.Env["TERM"] != "xterm-256color" {
		t.Fatalf("header %s: %v", sc.Text(), err)
	}
	em := vt.NewEmulator(hdr.Width, hdr.Height)
	defer screenshot.Drain(em)()
	left := false
	for n := 2; sc.Scan(); n++ {
		var ev []any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || len(ev) != 3 {
			t.Fatalf("line %d: %s: %v", n, sc.Text(), err)
		}
		text, _ := ev[2].(string)
		if ev[1] != "o" {
			continue
		}
		if i := strings.Index(text, "\x1b[?1049l"); i >= 0 {
			em.WriteString(text[:i])
			left = true
			break
		}
		em.WriteString(text)
	}
	if !left || !em.IsAltScreen() {
		t.Errorf("the recording does not enter the alternate screen (%v) and leave it (%v)", em.IsAltScreen(), left)
	}
	return screenshot.FromEmulator(em).Text()
}
