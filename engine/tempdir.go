package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// An engine keeps its database in a temporary directory, archex-*, that
// Close removes. A process that dies first (SIGKILL, a crash, a power cut)
// leaves its directory behind, so the next engine to start removes those.
// Each directory holds a lock file its engine keeps locked (flock) while it
// runs; the kernel releases the lock when the process ends, however it
// ends, so a directory whose lock anyone can take belongs to nobody. One
// without a lock file is left alone: it is not archex's, or it is being
// made this instant (the lock file is locked before it takes its name).
const (
	tempPrefix = "archex-"
	lockName   = "archex.lock"
)

// makeTempDir removes the directories of engines that died, then makes
// this engine's own, locked. release unlocks it; remove the directory
// first.
func makeTempDir() (dir string, release func(), err error) {
	sweepTempDirs(os.TempDir())
	dir, err = os.MkdirTemp("", tempPrefix+"*")
	if err != nil {
		return "", nil, fmt.Errorf("engine: temporary directory: %w", err)
	}
	release, err = lockDir(dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("engine: temporary directory: %w", err)
	}
	return dir, release, nil
}

// sweepTempDirs removes the archex-* directories in tmp whose engine has
// died, and returns how many it removed.
func sweepTempDirs(tmp string) int {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return 0
	}
	removed := 0
	for _, ent := range entries {
		if !ent.IsDir() || !strings.HasPrefix(ent.Name(), tempPrefix) {
			continue
		}
		dir := filepath.Join(tmp, ent.Name())
		if removeIfAbandoned(dir) {
			removed++
		}
	}
	return removed
}
