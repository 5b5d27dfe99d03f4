package serve

import (
	"errors"
	"fmt"
	"os"

	"github.com/archex/archex/classroom"
	"github.com/archex/archex/quiz"
)

// Summary sums the class up, a line per poll, with where the answers were
// written.
func (s *Server) Summary() []string {
	lines := s.class.Summary().Lines()
	if s.opts.Results != "" {
		lines = append(lines, fmt.Sprintf("Every answer is in %s (nickname, question, answer, correct, time, vote).", s.opts.Results))
	}
	return lines
}

// saveSoon asks for the results to be written, without waiting.
func (s *Server) saveSoon() {
	select {
	case s.save <- struct{}{}:
	default:
	}
}

// writeResults writes the results when asked, until Shutdown.
func (s *Server) writeResults() {
	defer s.wg.Done()
	for {
		select {
		case <-s.save:
			if err := s.saveResults(); err != nil {
				s.logf("the results could not be written: %v", err)
			}
		case <-s.ctx.Done():
			return
		}
	}
}

// saveResults writes the results file whole, so that it is never half
// written.
func (s *Server) saveResults() error {
	if s.opts.Results == "" {
		return nil
	}
	tmp := s.opts.Results + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("--results %s: %w", s.opts.Results, err)
	}
	err = classroom.WriteCSV(f, s.class.Results())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.opts.Results)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("--results %s: %w", s.opts.Results, err)
	}
	return nil
}

// runExperiment runs poll seq's experiment on the live system while the
// class watches, and reveals its verdict.
func (s *Server) runExperiment(seq int, it quiz.Item) {
	if s.opts.Judge == nil {
		s.class.Measured(seq, quiz.Verdict{}, errors.New("no experiment can run on this system"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return
	}
	s.logf("poll %d: the experiment %s runs", seq, it.Question.ID)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		v, err := s.opts.Judge(s.ctx, it, func(p string) { s.class.Progress(seq, p) })
		s.class.Measured(seq, v, err)
		if err != nil {
			s.logf("poll %d: the experiment could not run: %v", seq, err)
		}
		s.saveSoon()
	}()
}
