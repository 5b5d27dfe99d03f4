package serve

import (
	"errors"

	"golang.org/x/time/rate"

	"github.com/archex/archex/classroom"
	"github.com/archex/archex/tui"
)

// Step mode's rate per student: a few requests a second, so that a class
// stepping at once stays a small part of the traffic.
const (
	stepRate  = 2
	stepBurst = 3
)

// seat is one member's place in the class, as their dashboard sees it
// (tui.Class): it adds to the class what only the server knows (how to
// join, the results file) and does (run experiments).
type seat struct {
	srv  *Server
	id   classroom.ID
	ends bool // quitting this dashboard ends the class
	step *rate.Limiter
}

var _ tui.Class = (*seat)(nil)

func (s *Server) newSeat(m classroom.Member, ends bool) *seat {
	st := &seat{srv: s, id: m.ID, ends: ends}
	if m.Role == classroom.Student {
		st.step = rate.NewLimiter(stepRate, stepBurst)
	}
	return st
}

// Seat joins the class as the presenter at the server's own terminal:
// quitting that dashboard ends the class. Leave it with Leave.
func (s *Server) Seat(nick string) (tui.Class, classroom.ID) {
	m := s.class.Join(nick, classroom.Presenter, s.opts.Now())
	s.logf("%s presents from the server's terminal", m.Nick)
	return s.newSeat(m, true), m.ID
}

func (st *seat) Version() uint64      { return st.srv.class.Version() }
func (st *seat) View() classroom.View { return st.srv.class.View(st.id) }
func (st *seat) QuitEndsClass() bool  { return st.ends }

func (st *seat) SummaryLines() []string { return st.srv.Summary() }

func (st *seat) JoinHint() string {
	if st.View().Me.Role != classroom.Presenter {
		return ""
	}
	return st.srv.opts.JoinHint
}

func (st *seat) AllowStep() bool { return st.step == nil || st.step.Allow() }

func (st *seat) Vote(option int) error {
	return st.srv.class.Vote(st.id, option, st.srv.opts.Now())
}

func (st *seat) OpenNext() error {
	err := st.srv.class.OpenNext(st.id)
	if err == nil {
		if p := st.View().Poll; p != nil {
			st.srv.logf("poll %d opened: %s", p.Seq, p.ID)
		}
		st.srv.saveSoon()
	}
	return err
}

func (st *seat) Lock() error     { return st.srv.class.Lock(st.id) }
func (st *seat) Revote() error   { return st.srv.class.Revote(st.id) }
func (st *seat) TakeBack() error { return st.srv.class.TakeBack(st.id) }

// Reveal reveals the poll, or starts its experiment on the live system.
func (st *seat) Reveal() error {
	exp, seq, err := st.srv.class.Reveal(st.id)
	if err != nil {
		return err
	}
	if exp != nil {
		st.srv.runExperiment(seq, *exp)
		return nil
	}
	st.srv.logf("poll %d revealed", seq)
	st.srv.saveSoon()
	return nil
}

func (st *seat) Hand(nick string) error {
	for _, m := range st.srv.class.Students() {
		if m.Nick == nick {
			return st.srv.class.Hand(st.id, m.ID)
		}
	}
	return errors.New(nick + " has left")
}
