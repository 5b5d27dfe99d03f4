package main

import (
	"fmt"
	"path/filepath"

	"github.com/archex/archex/savefile"
)

// openSaved opens a command's progress in the config directory. It never
// fails: a problem is a one-line warning, and the command runs with what
// could be recovered (in memory when nothing can be saved).
func openSaved[S any](env *cliEnv, command, what string, open func(dir string) (S, string), memory func() S) S {
	dir, err := savefile.ConfigDir()
	if err != nil {
		fmt.Fprintf(env.stderr, "archex %s: warning: %v; %s will not be saved\n", command, err, what)
		return memory()
	}
	store, warning := open(dir)
	if warning != "" {
		fmt.Fprintf(env.stderr, "archex %s: warning: %s\n", command, warning)
	}
	return store
}

// resetSaved deletes a command's progress file (--reset).
func resetSaved(env *cliEnv, command, file string, reset func(dir string) (bool, error)) error {
	dir, err := savefile.ConfigDir()
	if err != nil {
		return err
	}
	removed, err := reset(dir)
	if err != nil {
		return fmt.Errorf("could not clear the progress: %w", err)
	}
	path := filepath.Join(dir, file)
	if removed {
		fmt.Fprintf(env.stdout, "archex %s: progress cleared (%s deleted)\n", command, path)
	} else {
		fmt.Fprintf(env.stdout, "archex %s: no progress to clear (%s does not exist)\n", command, path)
	}
	return nil
}
