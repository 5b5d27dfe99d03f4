// Package savefile keeps a learner's progress in a JSON file the way
// archex keeps every such file: read strictly, so that a file that does not
// decode (truncated, edited, another format) is moved aside and never
// silently lost; written atomically, so that quitting or crashing at any
// moment leaves the old file or the new one, never a part of either. The
// quiz's progress and the challenges' progress both live in one.
package savefile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// File is one save file and the words its warnings use.
type File struct {
	Path string
	Noun string // "progress file"
	// Loses says what is not saved when the file cannot be used: "this
	// session's answers".
	Loses string
}

// Open reads the file and hands its contents to decode. It returns where to
// save from now on and, when not empty, a one-line account of a problem it
// recovered from:
//
//   - no file yet: decode is not called; save to the file, no warning;
//   - a file that decode refuses: it is moved aside to <path>.corrupt-<time>
//     (never over another file) and the caller starts fresh;
//   - a file that cannot be read, or moved aside: save nowhere ("") for
//     this session, so the file is never overwritten.
func (f File) Open(now time.Time, decode func([]byte) error) (saveTo, warning string) {
	data, err := os.ReadFile(f.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return f.Path, ""
	case err != nil:
		return "", fmt.Sprintf("cannot read the %s %s (%v): %s will not be saved", f.Noun, f.Path, err, f.Loses)
	}
	derr := decode(data)
	if derr == nil {
		return f.Path, ""
	}
	aside, err := moveAside(f.Path, now)
	if err != nil {
		return "", fmt.Sprintf("%s %s is unreadable (%v) and could not be moved aside (%v): %s will not be saved", f.Noun, f.Path, derr, err, f.Loses)
	}
	return f.Path, fmt.Sprintf("%s %s was unreadable (%v): moved it to %s and started fresh", f.Noun, f.Path, derr, filepath.Base(aside))
}

// Save writes data to path atomically, making its directory (0700) first.
func Save(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return WriteAtomic(path, data)
}

// moveAside renames path to path.corrupt-<time>, never over an existing file.
func moveAside(path string, now time.Time) (string, error) {
	base := path + ".corrupt-" + now.UTC().Format("20060102T150405Z")
	aside := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(aside); errors.Is(err, fs.ErrNotExist) {
			break
		}
		aside = fmt.Sprintf("%s-%d", base, i)
	}
	return aside, os.Rename(path, aside)
}

// WriteAtomic replaces path with data so that a reader (or a crash) sees
// either the old file or the new one, never a part: write a temporary file
// in the same directory, flush it to disk, rename it over path, then flush
// the directory so the rename itself is durable.
func WriteAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	// Best effort: not every platform can open or sync a directory.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// EnvConfigDir is the environment variable that, when set, names the
// directory archex keeps the learner's files in, instead of
// os.UserConfigDir()/archex. Tests and classroom machines use it.
const EnvConfigDir = "ARCHEX_CONFIG_DIR"

// ConfigDir returns the directory archex keeps the learner's files in:
// $ARCHEX_CONFIG_DIR when set, otherwise os.UserConfigDir()/archex
// (~/.config/archex on Linux).
func ConfigDir() (string, error) {
	if dir := os.Getenv(EnvConfigDir); dir != "" {
		return dir, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no config directory for the progress (set %s to choose one): %w", EnvConfigDir, err)
	}
	return filepath.Join(base, "archex"), nil
}

// DecodeJSON reads data into v, refusing what is not JSON, or is of another
// format version than want (version reads it from v once decoded).
func DecodeJSON(data []byte, v any, version func() int, want int) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if got := version(); got != want {
		return fmt.Errorf("format version %d, want %d", got, want)
	}
	return nil
}

// SaveJSON writes v to path as indented JSON, atomically (see Save).
func SaveJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err == nil {
		err = Save(path, append(data, '\n'))
	}
	if err != nil {
		return fmt.Errorf("progress not saved to %s: %w", path, err)
	}
	return nil
}

// Remove deletes path, reporting whether it was there.
func Remove(path string) (removed bool, err error) {
	err = os.Remove(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, err
}
