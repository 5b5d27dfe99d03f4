package quiz

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func readDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestStoreRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "archex") // not there yet
	s, warning := OpenStore(dir, t0)
	if warning != "" {
		t.Fatalf("warning on a fresh start: %s", warning)
	}
	if err := s.Record("a", true, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Record("b", false, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := readDir(t, dir); len(got) != 1 || got[0] != ProgressFile {
		t.Errorf("dir holds %v, want only %s (no temporary files)", got, ProgressFile)
	}
	again, warning := OpenStore(dir, t0)
	if warning != "" {
		t.Fatalf("warning reading back: %s", warning)
	}
	want := s.Progress()
	got := again.Progress()
	if len(got.Questions) != 2 {
		t.Fatalf("read back %d records, want 2", len(got.Questions))
	}
	for id, w := range want.Questions {
		g := got.Questions[id]
		if g == nil || g.Box != w.Box || !g.Due.Equal(w.Due) || g.Seen != w.Seen || g.Missed != w.Missed {
			t.Errorf("%s: read back %+v, want %+v", id, g, w)
		}
	}
}

func TestStoreCorruptFileMovedAside(t *testing.T) {
	for _, tt := range []struct{ name, content, why string }{
		{"truncated", `{"version": 1, "questions": {"a": {"bo`, "invalid JSON"},
		{"empty", ``, "invalid JSON"},
		{"other version", `{"version": 7, "questions": {}}`, "format version 7"},
		{"box out of range", `{"version": 1, "questions": {"a": {"box": 9}}}`, `question "a" is in no box`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, ProgressFile)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			s, warning := OpenStore(dir, t0)
			aside := ProgressFile + ".corrupt-20250310T090000Z"
			if !strings.Contains(warning, tt.why) || !strings.Contains(warning, "moved it to "+aside) || strings.Contains(warning, "\n") {
				t.Errorf("warning = %q, want one line saying %q and naming %s", warning, tt.why, aside)
			}
			kept, err := os.ReadFile(filepath.Join(dir, aside))
			if err != nil || string(kept) != tt.content {
				t.Fatalf("the corrupt file was not kept as it was: %q, %v", kept, err)
			}
			if n := len(s.Progress().Questions); n != 0 {
				t.Errorf("fresh progress has %d records", n)
			}
			if err := s.Record("a", true, t0); err != nil {
				t.Fatal(err)
			}
			if _, w := OpenStore(dir, t0); w != "" {
				t.Errorf("the fresh file does not read back: %s", w)
			}
			// A second corrupt file in the same second does not overwrite
			// the first one moved aside.
			if err := os.WriteFile(path, []byte("junk"), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, w := OpenStore(dir, t0); !strings.Contains(w, aside+"-2") {
				t.Errorf("second warning = %q, want %s-2", w, aside)
			}
			if kept2, _ := os.ReadFile(filepath.Join(dir, aside)); string(kept2) != tt.content {
				t.Error("the first corrupt file was overwritten")
			}
		})
	}
}

func TestStoreUnreadableFileIsLeftAlone(t *testing.T) {
	dir := t.TempDir()
	// A directory where the file should be: it cannot be read as a file.
	path := filepath.Join(dir, ProgressFile)
	if err := os.MkdirAll(filepath.Join(path, "keep"), 0o700); err != nil {
		t.Fatal(err)
	}
	s, warning := OpenStore(dir, t0)
	if !strings.Contains(warning, "cannot read") || !strings.Contains(warning, "will not be saved") {
		t.Errorf("warning = %q", warning)
	}
	if s.Path() != "" {
		t.Errorf("store saves to %q, want a memory store", s.Path())
	}
	if err := s.Record("a", true, t0); err != nil {
		t.Errorf("memory store: %v", err)
	}
	if _, err := os.Stat(filepath.Join(path, "keep")); err != nil {
		t.Errorf("the unreadable path was touched: %v", err)
	}
}

func TestStoreConcurrentRecords(t *testing.T) {
	dir := t.TempDir()
	s, _ := OpenStore(dir, t0)
	var wg sync.WaitGroup
	ids := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for _, id := range ids {
		wg.Go(func() {
			if err := s.Record(id, true, t0); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	back, w := OpenStore(dir, t0)
	if w != "" || len(back.Progress().Questions) != len(ids) {
		t.Errorf("read back %d records (warning %q), want %d", len(back.Progress().Questions), w, len(ids))
	}
}

func TestRecorderSavesEachAnswerOnce(t *testing.T) {
	s, _ := OpenStore(t.TempDir(), t0)
	sess, err := NewSession(Config{Set: SetAll, Bank: testBank(t), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	rec := s.Recorder(func() time.Time { return t0 })
	a, _ := sess.Answer(0)
	if err := rec.Record(a); err != nil {
		t.Fatal(err)
	}
	_, _ = sess.Answer(1)
	// The program ended with the second save still in flight: Flush saves
	// it, and the first is not counted twice.
	if err := rec.Flush(sess.Answers()); err != nil {
		t.Fatal(err)
	}
	if err := rec.Record(a); err != nil {
		t.Fatal(err)
	}
	p := s.Progress()
	if len(p.Questions) != 2 {
		t.Fatalf("%d records, want 2", len(p.Questions))
	}
	for id, r := range p.Questions {
		if r.Seen != 1 {
			t.Errorf("%s seen %d times, want 1", id, r.Seen)
		}
	}
}

func TestResetProgress(t *testing.T) {
	dir := t.TempDir()
	s, _ := OpenStore(dir, t0)
	if err := s.Record("a", true, t0); err != nil {
		t.Fatal(err)
	}
	aside := filepath.Join(dir, ProgressFile+".corrupt-x")
	if err := os.WriteFile(aside, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if removed, err := ResetProgress(dir); !removed || err != nil {
		t.Fatalf("ResetProgress = %v, %v", removed, err)
	}
	if removed, err := ResetProgress(dir); removed || err != nil {
		t.Errorf("second ResetProgress = %v, %v; want false, nil", removed, err)
	}
	if _, err := os.Stat(aside); err != nil {
		t.Error("reset removed a file moved aside")
	}
	if s, _ := OpenStore(dir, t0); len(s.Progress().Questions) != 0 {
		t.Error("progress survived the reset")
	}
}

func TestConfigDir(t *testing.T) {
	t.Setenv(EnvConfigDir, "/somewhere/else")
	if dir, err := ConfigDir(); dir != "/somewhere/else" || err != nil {
		t.Errorf("ConfigDir = %q, %v", dir, err)
	}
	t.Setenv(EnvConfigDir, "")
	t.Setenv("XDG_CONFIG_HOME", "/xdg")
	t.Setenv("HOME", "/home/u")
	if dir, err := ConfigDir(); err != nil || !strings.HasSuffix(dir, string(filepath.Separator)+"archex") {
		t.Errorf("ConfigDir = %q, %v; want .../archex", dir, err)
	}
}

// A progress file written before the scheduling became honest has the same
// format, and loads as it is: its boxes stand, and are read with today's
// rules.
func TestStoreReadsProgressOfEarlierVersions(t *testing.T) {
	dir := t.TempDir()
	old := `{
  "version": 1,
  "questions": {
    "cache-ttl": {"box": 4, "due": "2025-03-17T09:00:00Z", "seen": 3, "right": 3, "last": "2025-03-10T09:00:00Z", "streak": 3, "missed": false},
    "lb-health-check": {"box": 1, "due": "2025-03-10T09:00:00Z", "seen": 1, "right": 0, "last": "2025-03-10T09:00:00Z", "streak": 0, "missed": true}
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, ProgressFile), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	s, warning := OpenStore(dir, t0)
	if warning != "" {
		t.Fatalf("an earlier progress file gave a warning: %s", warning)
	}
	sum := s.Progress().Summary([]string{"cache-ttl", "lb-health-check", "new"}, t0.Add(time.Hour))
	if sum.Mastered != 1 || sum.Due != 1 || sum.New != 1 {
		t.Errorf("read as %s", sum.Standing())
	}
}
