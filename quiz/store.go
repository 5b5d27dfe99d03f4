package quiz

import (
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/archex/archex/savefile"
)

// EnvConfigDir is the environment variable that, when set, names the
// directory the progress is kept in, instead of os.UserConfigDir()/archex.
// Tests and classroom machines use it.
const EnvConfigDir = savefile.EnvConfigDir

// ProgressFile is the progress file's name within the config directory.
const ProgressFile = "progress.json"

// ConfigDir returns the directory archex keeps the learner's progress in:
// $ARCHEX_CONFIG_DIR when set, otherwise os.UserConfigDir()/archex
// (~/.config/archex on Linux).
func ConfigDir() (string, error) { return savefile.ConfigDir() }

// Store is the learner's progress and the file it lives in. Every answer is
// saved at once, atomically, so quitting at any moment loses nothing. A Store
// is safe for concurrent use.
type Store struct {
	path string // "" for a store that is never saved

	mu sync.Mutex
	p  *Progress
}

// OpenStore reads the progress kept in dir. It always returns a usable
// store; warning, when not empty, is a one-line account of a problem it
// recovered from:
//
//   - no file yet: empty progress, no warning;
//   - a file that is not valid progress (truncated, edited, another format):
//     it is moved aside to progress.json.corrupt-<time> and progress starts
//     empty, so the old data is never silently lost;
//   - a file that cannot be read, or moved aside: progress is kept in memory
//     only for this session, so the file is never overwritten.
func OpenStore(dir string, now time.Time) (s *Store, warning string) {
	file := savefile.File{Path: filepath.Join(dir, ProgressFile), Noun: "progress file", Loses: "this session's answers"}
	p := NewProgress()
	saveTo, warning := file.Open(now, func(data []byte) error {
		decoded, err := decodeProgress(data)
		if err == nil {
			p = decoded
		}
		return err
	})
	return &Store{path: saveTo, p: p}, warning
}

// MemoryStore returns a store that keeps progress for this process only.
func MemoryStore() *Store { return &Store{p: NewProgress()} }

// Path is the progress file, or "" for a memory store.
func (s *Store) Path() string { return s.path }

// Progress returns a copy of the progress.
func (s *Store) Progress() *Progress {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.p.Clone()
}

// Record notes an answer (Progress.Record) and saves the progress. The
// answer stays recorded in memory even when saving fails.
func (s *Store) Record(id string, right bool, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.p.Record(id, right, now)
	if s.path == "" {
		return nil
	}
	return savefile.SaveJSON(s.path, s.p)
}

// ResetProgress deletes the progress kept in dir. It reports whether there
// was any; files moved aside as corrupt are left alone.
func ResetProgress(dir string) (removed bool, err error) {
	return savefile.Remove(filepath.Join(dir, ProgressFile))
}

// decodeProgress parses a progress file, refusing anything that is not
// progress this version of archex wrote.
func decodeProgress(data []byte) (*Progress, error) {
	var p Progress
	if err := savefile.DecodeJSON(data, &p, func() int { return p.Version }, progressVersion); err != nil {
		return nil, err
	}
	if p.Questions == nil {
		p.Questions = map[string]*Record{}
	}
	for id, r := range p.Questions {
		if r == nil || r.Box < 1 || r.Box > Boxes {
			return nil, fmt.Errorf("question %q is in no box 1 to %d", id, Boxes)
		}
	}
	return &p, nil
}

// Recorder saves a session's answers to a store, each answer once however
// often it is asked to (a question asked again after a miss has two answers,
// told apart by Answer.Seq). The TUI saves every answer in a command, which
// may still be in flight when the program ends; the caller then hands it all
// the session's answers (Flush), and none is counted twice.
type Recorder struct {
	store *Store
	now   func() time.Time

	mu   sync.Mutex // held across a save, so Flush waits for one in flight
	done map[int]bool
}

// Recorder returns a recorder that stamps answers with now().
func (s *Store) Recorder(now func() time.Time) *Recorder {
	return &Recorder{store: s, now: now, done: map[int]bool{}}
}

// Record saves a, unless it was saved already.
func (r *Recorder) Record(a Answer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done[a.Seq] {
		return nil
	}
	r.done[a.Seq] = true
	return r.store.Record(a.Item.Question.ID, a.Right(), r.now())
}

// Flush saves every answer not saved yet and returns the first error.
func (r *Recorder) Flush(answers []Answer) error {
	var first error
	for _, a := range answers {
		if err := r.Record(a); err != nil && first == nil {
			first = err
		}
	}
	return first
}
