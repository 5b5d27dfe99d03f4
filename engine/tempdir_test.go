//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package engine

import (
	"os"
	"path/filepath"
	"testing"
)

// A directory left by a dead engine goes at the next start; a running
// engine's, and anything that is not an engine's, stays.
func TestStartRemovesOnlyAbandonedTempDirs(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	mk := func(name string) string {
		dir := filepath.Join(tmp, name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "products.db"), []byte("x"), 0o600)
		return dir
	}
	dead := mk("archex-dead")
	os.WriteFile(filepath.Join(dead, lockName), nil, 0o600) // locked by nobody
	alive := mk("archex-alive")
	release, err := lockDir(alive)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	noLock := mk("archex-nolock")
	other := mk("other-dead")
	os.WriteFile(filepath.Join(other, lockName), nil, 0o600)

	e := newEngine(t, Options{})
	for dir, want := range map[string]bool{dead: false, alive: true, noLock: true, other: true, e.dir: true} {
		if _, err := os.Stat(dir); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", filepath.Base(dir), err == nil, want)
		}
	}
	if filepath.Dir(e.dir) != tmp {
		t.Fatalf("the engine's directory %s is not in TMPDIR", e.dir)
	}
	// The running engine's own directory is locked: another start leaves it.
	if n := sweepTempDirs(tmp); n != 0 {
		t.Errorf("a second sweep removed %d directories", n)
	}
	e.Close()
	if _, err := os.Stat(e.dir); !os.IsNotExist(err) {
		t.Errorf("Close left %s", e.dir)
	}
}
