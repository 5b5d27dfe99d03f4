// Package classroom is the state of a class watching one live system
// together (archex serve): who is connected under which nickname, who is a
// presenter, who drives the system, the polls the presenter runs and every
// answer given. It is pure state: no network, no screen, no goroutine; time
// is passed in. Each session reads the class on its own frame tick (Version
// says whether anything changed), so a change never waits for any session.
package classroom

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/archex/archex/quiz"
)

// Role is what a member of the class may do.
type Role int

// The roles.
const (
	// Student: watches, answers polls, drives the system only when a
	// presenter hands over the controls.
	Student Role = iota
	// Presenter: drives the system and runs the polls.
	Presenter
)

func (r Role) String() string {
	if r == Presenter {
		return "presenter"
	}
	return "student"
}

// ID names a member for the class's lifetime; 0 is nobody.
type ID uint64

// Member is one connected session.
type Member struct {
	ID     ID
	Nick   string
	Role   Role
	Joined time.Time
}

// Errors a member's action may meet. Their text is shown to the member.
var (
	ErrNotPresenter = errors.New("only the presenter does that")
	ErrNotInClass   = errors.New("this session has left the class")
	ErrNoPoll       = errors.New("no poll is open")
)

// Class is one class. It is safe for concurrent use: every method locks it
// briefly and none waits for anything.
type Class struct {
	version atomic.Uint64

	mu        sync.Mutex
	nextID    ID
	members   []Member // connected, in the order they joined
	seen      map[string]bool
	driver    ID // the student with the controls; 0: the presenters drive
	questions []quiz.Item
	next      int     // the question the next poll asks
	polls     []*poll // every poll opened, in order
}

// New makes a class whose polls ask questions, in this order (see
// Questions).
func New(questions []quiz.Item) *Class {
	return &Class{questions: questions, seen: map[string]bool{}}
}

// Version counts the changes: a session redraws the class when it moves.
func (c *Class) Version() uint64 { return c.version.Load() }

func (c *Class) changed() { c.version.Add(1) }

// Join adds a session to the class under the nickname made from user
// (Sanitize), with a suffix when a connected member has it already.
func (c *Class) Join(user string, role Role, now time.Time) Member {
	c.mu.Lock()
	defer c.mu.Unlock()
	nick := unique(Sanitize(user), func(n string) bool {
		for _, m := range c.members {
			if strings.EqualFold(m.Nick, n) {
				return true
			}
		}
		return false
	})
	c.nextID++
	m := Member{ID: c.nextID, Nick: nick, Role: role, Joined: now}
	c.members = append(c.members, m)
	if role == Student {
		c.seen[nick] = true
	}
	c.changed()
	return m
}

// Leave takes a session out of the class. Its answers stay; controls it
// held go back to the presenters.
func (c *Class) Leave(id ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, m := range c.members {
		if m.ID == id {
			c.members = append(c.members[:i:i], c.members[i+1:]...)
			break
		}
	}
	if c.driver == id {
		c.driver = 0
	}
	c.changed()
}

// member finds a connected member; c.mu is held.
func (c *Class) member(id ID) (Member, bool) {
	for _, m := range c.members {
		if m.ID == id {
			return m, true
		}
	}
	return Member{}, false
}

// presenter checks that id is a connected presenter; c.mu is held.
func (c *Class) presenter(id ID) error {
	m, ok := c.member(id)
	switch {
	case !ok:
		return ErrNotInClass
	case m.Role != Presenter:
		return ErrNotPresenter
	}
	return nil
}

// Students lists the connected students, in the order they joined.
func (c *Class) Students() []Member {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.students()
}

func (c *Class) students() []Member {
	var out []Member
	for _, m := range c.members {
		if m.Role == Student {
			out = append(out, m)
		}
	}
	return out
}

// CanDrive reports whether id may change the system: a presenter, or the
// student the controls were handed to.
func (c *Class) CanDrive(id ID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.canDrive(id)
}

func (c *Class) canDrive(id ID) bool {
	m, ok := c.member(id)
	return ok && (m.Role == Presenter || c.driver == id)
}

// Hand gives the controls to student to; a presenter asks.
func (c *Class) Hand(by, to ID) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.presenter(by); err != nil {
		return err
	}
	m, ok := c.member(to)
	if !ok || m.Role != Student {
		return errors.New("that student has left")
	}
	c.driver = to
	c.changed()
	return nil
}

// TakeBack returns the controls to the presenters.
func (c *Class) TakeBack(by ID) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.presenter(by); err != nil {
		return err
	}
	c.driver = 0
	c.changed()
	return nil
}

// Driver is the student who has the controls, if any.
func (c *Class) Driver() (Member, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.driver == 0 {
		return Member{}, false
	}
	return c.member(c.driver)
}

// View is the class as one member sees it.
type View struct {
	Version uint64
	Me      Member
	// InClass is false once the member has left.
	InClass  bool
	CanDrive bool
	// Driver is the nickname of the student with the controls; empty
	// while the presenters drive.
	Driver string
	// Students is how many students are connected; Names are their
	// nicknames, in the order they joined, on a presenter's view only.
	Students   int
	Names      []string
	Presenters int
	// Poll is the poll on screen, if any.
	Poll *PollView
	// Asked is how many polls were opened; Left how many questions remain.
	Asked, Left int
}

// View returns the class as member id sees it now.
func (c *Class) View(id ID) View {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := View{Version: c.Version(), Asked: len(c.polls), Left: len(c.questions) - c.next}
	v.Me, v.InClass = c.member(id)
	v.CanDrive = c.canDrive(id)
	if d, ok := c.member(c.driver); ok {
		v.Driver = d.Nick
	}
	for _, m := range c.members {
		if m.Role == Presenter {
			v.Presenters++
			continue
		}
		v.Students++
		if v.Me.Role == Presenter {
			v.Names = append(v.Names, m.Nick)
		}
	}
	if p := c.current(); p != nil {
		pv := c.pollView(p, v.Me)
		v.Poll = &pv
	}
	return v
}
