package tui

import "github.com/archex/archex/engine"

func (f *fakeSystem) Apply(fault engine.Fault) error { return f.record("apply %s", fault.Text) }

func (f *fakeSystem) Reset() error { return f.record("reset") }

func (f *fakeSystem) Settings() engine.Settings {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.settings
}

func (f *fakeSystem) Restore(s engine.Settings) error {
	f.mu.Lock()
	f.settings = s
	f.mu.Unlock()
	return f.record("restore")
}
