package quiz

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/archex/archex/card"
)

// Set is which questions a session asks.
type Set string

// The sets.
const (
	// SetCard asks the card's own questions, in the card's order.
	SetCard Set = "card"
	// SetPractice asks a practice set drawn from the card and the bank,
	// the learner's due and missed questions first.
	SetPractice Set = "practice"
	// SetAll asks every question of the card and the bank, and the
	// experiments.
	SetAll Set = "all"
	// SetExperiments asks only the "predict, then observe" experiments.
	SetExperiments Set = "experiments"
)

// Sets lists the sets, the default (practice) first.
var Sets = []Set{SetPractice, SetCard, SetAll, SetExperiments}

// ParseSet reads a set's name.
func ParseSet(s string) (Set, error) {
	for _, set := range Sets {
		if s == string(set) {
			return set, nil
		}
	}
	names := make([]string, len(Sets))
	for i, set := range Sets {
		names[i] = string(set)
	}
	return "", fmt.Errorf("unknown set %q: use %s", s, orList(names))
}

// DefaultPracticeSize is how many questions a practice set asks.
const DefaultPracticeSize = 10

// Config says what a session asks.
type Config struct {
	Set Set // "" means SetPractice
	// Card is the card whose quiz the session includes; nil for none.
	Card *card.Card
	// Bank is the question bank; nil for none.
	Bank *Bank
	// Progress is the learner's history, which a practice set is drawn
	// from; nil for a new learner.
	Progress *Progress
	// Seed fixes the choice of practice questions and the order of every
	// question's options: the same seed, progress and time give the same
	// session.
	Seed uint64
	// Now is the time due questions are reckoned at.
	Now time.Time
	// PracticeSize is the size of a practice set; 0 means
	// DefaultPracticeSize.
	PracticeSize int
	// Experiments are the "predict, then observe" questions, graded at
	// run time (see Judge): quiz/experiment.Questions(), or nil for none.
	// A practice set includes one when one is due or new (in place of a
	// question of the bank); SetAll includes them all; SetExperiments asks
	// only them.
	Experiments []card.Question
	// Numeric are the questions answered by typing a number (Templates()),
	// or nil for none. Practice and SetAll draw on them like on the bank.
	Numeric []Template
}

// Questions lists every question a session of cfg's set can ask, in the
// order the learner's standing is counted over: for SetCard the card's
// quiz; for SetExperiments the experiments; otherwise the card's quiz, the
// bank, the numeric questions and the experiments.
func (cfg Config) Questions() ([]card.Question, error) {
	switch cfg.Set {
	case SetCard:
		return cardQuestions(cfg.Card), nil
	case SetExperiments:
		return cfg.Experiments, nil
	}
	pool, err := cfg.pool()
	if err != nil {
		return nil, err
	}
	return append(pool, cfg.Experiments...), nil
}

// pool is what practice and SetAll draw from besides the experiments: the
// card's quiz, the bank, then the numeric questions.
func (cfg Config) pool() ([]card.Question, error) {
	pool, err := Pool(cfg.Card, cfg.Bank)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, q := range pool {
		ids[q.ID] = true
	}
	for _, t := range cfg.Numeric {
		if ids[t.ID] {
			return nil, fmt.Errorf("question id %q is used by a numeric question and another question: ids must be unique, because progress is stored by id", t.ID)
		}
		ids[t.ID] = true
		pool = append(pool, t.Question())
	}
	return pool, nil
}

// Pool is every question a session can draw from: the card's quiz, then the
// bank, each in file order. A question id used by both is an error, since
// progress is stored by id.
func Pool(c *card.Card, b *Bank) ([]card.Question, error) {
	var qs []card.Question
	where := map[string]string{}
	add := func(from string, list []card.Question) error {
		for _, q := range list {
			if prev, ok := where[q.ID]; ok {
				return fmt.Errorf("question id %q is used by both %s and %s: ids must be unique, because progress is stored by id", q.ID, prev, from)
			}
			where[q.ID] = from
			qs = append(qs, q)
		}
		return nil
	}
	if c != nil {
		if err := add(fmt.Sprintf("the card %q", c.Title), cardQuestions(c)); err != nil {
			return nil, err
		}
	}
	if b != nil {
		if err := add("the bank "+b.Name, b.Questions); err != nil {
			return nil, err
		}
	}
	return qs, nil
}

// IDs returns the questions' ids, in order.
func IDs(qs []card.Question) []string {
	ids := make([]string, len(qs))
	for i, q := range qs {
		ids[i] = q.ID
	}
	return ids
}

// Session is one round of questions, asked in order. In a practice set (and
// SetAll) a question answered wrong comes back once, AgainAfter questions
// later (or last), with its options shuffled anew or its numbers drawn
// again. It is not safe for concurrent use.
type Session struct {
	set     Set
	seed    uint64
	items   []Item
	answers []Answer

	rng       *rand.Rand
	templates map[string]Template
	again     bool     // ask a miss again later in the session
	leftOut   []string // the card's questions left out: no answer is marked
}

// AgainAfter is how many questions come between a miss and its second
// asking, when that many are left.
const AgainAfter = 3

// ErrNoQuestions is returned by NewSession when the set is empty.
var ErrNoQuestions = errors.New("no questions to ask")

// NewSession picks the questions for cfg.Set and shuffles each question's
// options with cfg.Seed.
func NewSession(cfg Config) (*Session, error) {
	set := cfg.Set
	if set == "" {
		set = SetPractice
	}
	cfg.Set = set
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	progress := cfg.Progress
	if progress == nil {
		progress = NewProgress()
	}
	templates, err := templatesByID(cfg.Numeric)
	if err != nil {
		return nil, err
	}
	var qs []card.Question
	if set != SetCard && len(cfg.Experiments) > 0 {
		if err := checkExperiments(cfg); err != nil {
			return nil, err
		}
	}
	switch set {
	case SetCard:
		qs = cardQuestions(cfg.Card)
		switch {
		case len(qs) == 0 && len(LeftOut(cfg.Card)) > 0:
			return nil, fmt.Errorf("%w: the card's questions have no answers marked", ErrNoQuestions)
		case len(qs) == 0:
			return nil, fmt.Errorf("%w: the card has no quiz", ErrNoQuestions)
		}
	case SetAll, SetPractice:
		pool, err := cfg.pool()
		if err != nil {
			return nil, err
		}
		if len(pool) == 0 {
			return nil, fmt.Errorf("%w: neither the card nor the bank has questions", ErrNoQuestions)
		}
		if set == SetAll {
			qs = append(pool, cfg.Experiments...)
			rng.Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
		} else {
			size := cfg.PracticeSize
			if size <= 0 {
				size = DefaultPracticeSize
			}
			fromCard := len(cardQuestions(cfg.Card))
			// One experiment at most, in place of a question from the pool.
			exp := pickExperiment(cfg.Experiments, progress, cfg.Now, rng)
			if exp != nil {
				size--
			}
			qs = pickPractice(pool, fromCard, progress, cfg.Now, size, rng)
			if exp != nil {
				at := rng.IntN(len(qs) + 1)
				qs = slices.Insert(qs, at, *exp)
			}
		}
	case SetExperiments:
		if len(cfg.Experiments) == 0 {
			return nil, fmt.Errorf("%w: no experiments to run", ErrNoQuestions)
		}
		qs = slices.Clone(cfg.Experiments)
		rng.Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
	default:
		_, err := ParseSet(string(set))
		return nil, err
	}
	s := &Session{set: set, seed: cfg.Seed, items: make([]Item, len(qs)), rng: rng, templates: templates,
		again: set == SetPractice || set == SetAll}
	if set != SetExperiments {
		s.leftOut = LeftOut(cfg.Card)
	}
	for i, q := range qs {
		s.items[i] = s.newItem(q, progress.Status(q.ID, cfg.Now))
	}
	return s, nil
}

// ItemsOf are the items a session asks of exactly qs, in their order, each
// question's options shuffled from the seed as a session's are: for a front
// end that runs its own set (a class's polls), questions judged by an
// experiment included.
func ItemsOf(qs []card.Question, seed uint64) []Item {
	s := &Session{seed: seed, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	items := make([]Item, len(qs))
	for i, q := range qs {
		items[i] = s.newItem(q, StatusNew)
	}
	return items
}

// newItem makes an attempt at q: its options shuffled, or its numbers drawn.
func (s *Session) newItem(q card.Question, status Status) Item {
	it := Item{Question: q, Status: status}
	if t, ok := s.templates[q.ID]; ok {
		p := t.Draw(s.rng)
		it.Problem = &p
		return it
	}
	it.order = s.rng.Perm(len(q.Options))
	return it
}

// Set is the session's set.
func (s *Session) Set() Set { return s.set }

// Seed is the seed the session was made with.
func (s *Session) Seed() uint64 { return s.seed }

// Len is the number of questions.
func (s *Session) Len() int { return len(s.items) }

// Items returns the questions in the order asked.
func (s *Session) Items() []Item { return append([]Item(nil), s.items...) }

// Pos is the number of questions answered so far: the index of the current
// question.
func (s *Session) Pos() int { return len(s.answers) }

// Done reports whether every question has been answered.
func (s *Session) Done() bool { return len(s.answers) == len(s.items) }

// Current returns the question to answer next; false when the session is
// done.
func (s *Session) Current() (Item, bool) {
	if s.Done() {
		return Item{}, false
	}
	return s.items[len(s.answers)], true
}

// Answer answers the current question with the option shown at position
// shown, grades it against the option marked correct, and moves on.
func (s *Session) Answer(shown int) (Answer, error) {
	it, ok := s.Current()
	if !ok {
		return Answer{}, errors.New("the session is over: no question to answer")
	}
	if it.Correct() < 0 {
		return Answer{}, fmt.Errorf("question %q is an experiment: answer it with a prediction its trial measures (AnswerMeasured)", it.Question.ID)
	}
	return s.answer(it, shown, it.Correct())
}

// AnswerNumber answers the current question, a numeric one, with v, grades
// it against the drawn problem's tolerance, and moves on.
func (s *Session) AnswerNumber(v float64) (Answer, error) {
	it, ok := s.Current()
	if !ok {
		return Answer{}, errors.New("the session is over: no question to answer")
	}
	if it.Problem == nil {
		return Answer{}, fmt.Errorf("question %q is answered with a letter, not a number", it.Question.ID)
	}
	return s.record(Answer{Item: it, Chosen: -1, Correct: -1, Value: v}), nil
}

func (s *Session) answer(it Item, shown, correct int) (Answer, error) {
	if it.Problem != nil {
		return Answer{}, fmt.Errorf("question %q is answered with a number: use AnswerNumber", it.Question.ID)
	}
	if shown < 0 || shown >= it.Len() {
		return Answer{}, fmt.Errorf("no option %d: answer %s to %s", shown+1, Letter(0), Letter(it.Len()-1))
	}
	return s.record(Answer{Item: it, Chosen: shown, Correct: correct}), nil
}

// record keeps a graded answer and, for a first miss of a question that
// is not an experiment, asks it again later in the session. An experiment
// is not: it would run again, for minutes of the session, to measure what
// the learner has just been shown.
func (s *Session) record(a Answer) Answer {
	a.Seq = len(s.answers)
	s.answers = append(s.answers, a)
	if !s.again || a.Right() || a.Item.Again || a.Item.Problem != nil && a.Item.Problem.Measured {
		return a
	}
	at := min(len(s.answers)+AgainAfter, len(s.items))
	again := s.newItem(a.Item.Question, StatusDue)
	again.Again = true
	s.items = slices.Insert(s.items, at, again)
	return a
}

// Drop takes the current question out of the session without an answer,
// when its experiment could not run: it is not scored, and the learner's
// progress on it is unchanged. The next question becomes current.
func (s *Session) Drop() (Item, error) {
	it, ok := s.Current()
	if !ok {
		return Item{}, errors.New("the session is over: no question to drop")
	}
	s.items = slices.Delete(s.items, len(s.answers), len(s.answers)+1)
	return it, nil
}

// Answers returns the answers so far, in order.
func (s *Session) Answers() []Answer { return append([]Answer(nil), s.answers...) }

// Results scores the answers so far.
func (s *Session) Results() Results {
	asked := 0
	for _, it := range s.items {
		if !it.Again {
			asked++
		}
	}
	return Score(s.answers, asked)
}

// checkExperiments checks that the experiments' ids are unique and used by
// no question of the card or the bank (progress is stored by id), and that
// none has an option marked correct.
func checkExperiments(cfg Config) error {
	pool, err := cfg.pool()
	if err != nil {
		return err
	}
	ids := map[string]bool{}
	for _, q := range pool {
		ids[q.ID] = true
	}
	for _, q := range cfg.Experiments {
		if ids[q.ID] {
			return fmt.Errorf("question id %q is used by an experiment and another question: ids must be unique, because progress is stored by id", q.ID)
		}
		ids[q.ID] = true
		if q.Answer() >= 0 {
			return fmt.Errorf("experiment %q has an option marked correct: its measurements decide", q.ID)
		}
	}
	return nil
}
