package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/archex/archex/engine"
	"github.com/archex/archex/lesson"
)

// demoPlan is what the dashboard plays besides its keys: the --fault
// timeline or a lesson (--script).
type demoPlan struct {
	faults []engine.Fault
	lesson *lesson.Lesson
}

// prepare reads --fault, --script and --loop, and the lesson's card line
// (which picks the card when --card does not), and checks --shots: what
// can be checked before the system starts.
func (d *dashboardFlags) prepare(env *cliEnv, usage func(io.Writer)) (demoPlan, error) {
	var p demoPlan
	for _, s := range d.faults {
		f, err := engine.ParseFault(s)
		if err != nil {
			return p, badUsage(usage, "--fault: %v", err)
		}
		p.faults = append(p.faults, f)
	}
	switch {
	case d.loop && d.script == "":
		return p, badUsage(usage, "--loop plays a --script again and again: give the lesson to play")
	case d.script != "" && len(d.faults) > 0:
		return p, badUsage(usage, "--fault and --script together: write the faults into the lesson, as lines like 5s kill cache")
	}
	if d.shots != "" {
		if st, err := os.Stat(d.shots); err != nil || !st.IsDir() {
			return p, badUsage(nil, "--shots %s: not a folder: give one that exists", d.shots)
		}
	}
	if d.script == "" {
		return p, nil
	}
	l, err := loadLesson(d.script)
	if err != nil {
		return p, badUsage(nil, "%v", err)
	}
	if c := l.WaitsForKey(); c != nil && d.loop {
		return p, badUsage(nil, "%s:%d: pause waits for the presenter's key (n), and with --loop nobody is there to press it: give it a time, such as pause 10s", l.File, c.Line)
	}
	if err := d.lessonCard(l); err != nil {
		return p, badUsage(nil, "%v", err)
	}
	p.lesson = l
	return p, nil
}

// loadLesson reads a lesson file.
func loadLesson(path string) (*lesson.Lesson, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--script: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, lesson.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("--script %s: %w", path, err)
	}
	return lesson.Parse(path, data)
}

// lessonCard makes the lesson's card line the card to run, or checks that
// --card names the same card. A card file the line names is found next to
// the lesson.
func (d *dashboardFlags) lessonCard(l *lesson.Lesson) error {
	if l.Card == "" {
		return nil
	}
	ref := l.Card
	if near := filepath.Join(filepath.Dir(l.File), ref); !filepath.IsAbs(ref) && fileExists(near) {
		ref = near
	}
	if d.sys.card == "" {
		d.sys.card = ref
		return nil
	}
	want, err := loadCard(ref, *d.sys.strict, io.Discard)
	if err != nil {
		return fmt.Errorf("%s:%d: %v", l.File, l.CardLine, err)
	}
	got, err := loadCard(d.sys.card, *d.sys.strict, io.Discard)
	if err != nil {
		return err
	}
	if got.Title != want.Title {
		return fmt.Errorf("%s:%d: the lesson is written for the card %q (%q), and --card gives %q: give one of them", l.File, l.CardLine, l.Card, want.Title, got.Title)
	}
	return nil
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// checkTraffic checks that the rate and pattern faults never ask for more
// than the user can send, from the rate and pattern the system starts at.
func (p demoPlan) checkTraffic(opts engine.Options) error {
	if p.lesson == nil {
		return checkTraffic(opts.Rate, opts.Pattern, p.faults)
	}
	var cues []lesson.Cue
	for _, c := range p.lesson.Cues {
		if c.Kind == lesson.Fault {
			cues = append(cues, c)
		}
	}
	if i, err := trafficLimit(opts.Rate, opts.Pattern, p.lesson.Faults()); err != nil {
		return fmt.Errorf("%s:%d: %q: %v", p.lesson.File, cues[i].Line, cues[i].Text, err)
	}
	return nil
}

// checkFaults checks that every fault names a component of the card.
func (p demoPlan) checkFaults(e *engine.Engine) error {
	for _, f := range p.faults {
		if err := e.CheckFault(f); err != nil {
			return fmt.Errorf("--fault: %v", err)
		}
	}
	if p.lesson == nil {
		return nil
	}
	for _, c := range p.lesson.Cues {
		if c.Kind != lesson.Fault {
			continue
		}
		if err := e.CheckFault(c.Fault); err != nil {
			return fmt.Errorf("%s:%d: %v", p.lesson.File, c.Line, err)
		}
	}
	return nil
}
