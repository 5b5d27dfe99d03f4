package challenge

import (
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/archex/archex/savefile"
)

// ProgressFile is the challenges' progress file within the config
// directory (savefile.ConfigDir), beside the quiz's.
const ProgressFile = "learn.json"

const progressVersion = 1

// Progress is the learner's standing on the paths of challenges.
type Progress struct {
	Version int `json:"version"`
	// Challenges by "path/id".
	Challenges map[string]*Record `json:"challenges"`
}

// Record is one challenge's history.
type Record struct {
	Passed   time.Time `json:"passed,omitzero"` // the first pass
	Attempts int       `json:"attempts"`        // runs to the end (or to a decided fail)
	Hints    int       `json:"hints"`           // the most hints revealed in one attempt
}

// State is a challenge's place on the learner's path.
type State int

// States on the path.
const (
	Locked State = iota // the challenges before it are not all done
	Next                // the first not done: open
	Done                // passed (open, to play again)
)

var stateNames = [...]string{"locked", "next", "done"}

func (s State) String() string { return stateNames[s] }

// Open reports whether a challenge in this state may be played.
func (s State) Open() bool { return s != Locked }

func key(p *Path, c *Challenge) string { return p.Name + "/" + c.ID }

// Store is the progress and the file it lives in; every change is saved at
// once, atomically. Safe for concurrent use.
type Store struct {
	path string // "": kept in memory only

	mu sync.Mutex
	p  Progress
}

// OpenStore reads the progress kept in dir (see savefile.File.Open for
// what happens to a file that cannot be read or decoded); warning is a
// one-line account of a problem it recovered from.
func OpenStore(dir string, now time.Time) (*Store, string) {
	file := savefile.File{Path: filepath.Join(dir, ProgressFile), Noun: "challenge progress file", Loses: "this session's results"}
	s := &Store{p: Progress{Version: progressVersion, Challenges: map[string]*Record{}}}
	saveTo, warning := file.Open(now, func(data []byte) error {
		p, err := decodeProgress(data)
		if err == nil {
			s.p = p
		}
		return err
	})
	s.path = saveTo
	return s, warning
}

// MemoryStore keeps progress for this process only.
func MemoryStore() *Store {
	return &Store{p: Progress{Version: progressVersion, Challenges: map[string]*Record{}}}
}

func decodeProgress(data []byte) (Progress, error) {
	var p Progress
	if err := savefile.DecodeJSON(data, &p, func() int { return p.Version }, progressVersion); err != nil {
		return p, err
	}
	if p.Challenges == nil {
		p.Challenges = map[string]*Record{}
	}
	for id, r := range p.Challenges {
		if r == nil || r.Attempts < 0 || r.Hints < 0 {
			return p, fmt.Errorf("challenge %q has a record that is not one", id)
		}
	}
	return p, nil
}

// Path is the file, or "" for a memory store.
func (s *Store) Path() string { return s.path }

// States are the challenges' states on the path, in order: every passed
// one is done, the first not passed is next, the rest are locked.
func (s *Store) States(p *Path) []State {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]State, len(p.Challenges))
	next := false
	for i, c := range p.Challenges {
		switch r := s.p.Challenges[key(p, c)]; {
		case r != nil && !r.Passed.IsZero():
			out[i] = Done
		case !next:
			out[i], next = Next, true
		default:
			out[i] = Locked
		}
	}
	return out
}

// Record returns a copy of a challenge's record (zero if none).
func (s *Store) Record(p *Path, c *Challenge) Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.p.Challenges[key(p, c)]; r != nil {
		return *r
	}
	return Record{}
}

// Attempt records one finished attempt at a challenge, with the hints it
// revealed, and saves.
func (s *Store) Attempt(p *Path, c *Challenge, passed bool, hints int, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(p, c)
	r := s.p.Challenges[k]
	if r == nil {
		r = &Record{}
		s.p.Challenges[k] = r
	}
	r.Attempts++
	r.Hints = max(r.Hints, hints)
	if passed && r.Passed.IsZero() {
		r.Passed = now
	}
	return s.save()
}

// save writes the progress; callers hold mu.
func (s *Store) save() error {
	if s.path == "" {
		return nil
	}
	return savefile.SaveJSON(s.path, s.p)
}

// ResetProgress deletes the challenges' progress kept in dir, reporting
// whether there was any.
func ResetProgress(dir string) (bool, error) {
	return savefile.Remove(filepath.Join(dir, ProgressFile))
}
