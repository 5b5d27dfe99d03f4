package quiz

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
)

// testBank is a bank of 12 questions, b1 to b12, over three topics; in the
// file the right answer is always A.
func testBank(t *testing.T) *Bank {
	t.Helper()
	var sb strings.Builder
	sb.WriteString("questions:\n")
	topics := []string{"cache", "queue", "database"}
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&sb, "  - id: b%d\n    topic: %s\n    difficulty: %s\n    prompt: Question %d?\n    options:\n",
			i, topics[i%3], Difficulties[i%3], i)
		for j := range 4 {
			fmt.Fprintf(&sb, "      - text: answer %d%s\n        explanation: because %d%s\n", i, Letter(j), i, Letter(j))
			if j == 0 {
				sb.WriteString("        correct: true\n")
			}
		}
	}
	b, err := LoadBank("test.yaml", []byte(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseSet(t *testing.T) {
	for _, s := range []string{"card", "practice", "all", "experiments"} {
		if got, err := ParseSet(s); err != nil || string(got) != s {
			t.Errorf("ParseSet(%q) = %q, %v", s, got, err)
		}
	}
	_, err := ParseSet("everything")
	if err == nil || err.Error() != `unknown set "everything": use practice, card, all or experiments` {
		t.Errorf("ParseSet(everything) error = %v", err)
	}
}

func orderOf(s *Session) [][]string {
	var out [][]string
	for _, it := range s.Items() {
		var texts []string
		for _, o := range it.Options() {
			texts = append(texts, o.Text)
		}
		out = append(out, texts)
	}
	return out
}

func TestCardSetShuffledBySeed(t *testing.T) {
	c := cards.Default()
	s1, err := NewSession(Config{Set: SetCard, Card: c, Bank: DefaultBank(), Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	if s1.Len() != 3 {
		t.Fatalf("card set has %d questions, want the card's 3", s1.Len())
	}
	for i, it := range s1.Items() {
		if it.Question.ID != c.Quiz[i].ID {
			t.Errorf("question %d is %s, want the card's order (%s)", i+1, it.Question.ID, c.Quiz[i].ID)
		}
		shown := slices.Clone(orderOf(s1)[i])
		var orig []string
		for _, o := range c.Quiz[i].Options {
			orig = append(orig, o.Text)
		}
		slices.Sort(shown)
		slices.Sort(orig)
		if !slices.Equal(shown, orig) {
			t.Errorf("question %d: shown options %v are not the question's", i+1, shown)
		}
		if it.Option(it.Correct()).Text != c.Quiz[i].Options[c.Quiz[i].Answer()].Text {
			t.Errorf("question %d: Correct() points at the wrong option", i+1)
		}
	}
	s2, _ := NewSession(Config{Set: SetCard, Card: c, Seed: 42})
	if !slices.EqualFunc(orderOf(s1), orderOf(s2), slices.Equal) {
		t.Error("the same seed gave different orders")
	}
	letters := map[int]bool{}
	for seed := range uint64(20) {
		s, _ := NewSession(Config{Set: SetCard, Card: c, Seed: seed})
		it, _ := s.Current()
		letters[it.Correct()] = true
	}
	if len(letters) < 3 {
		t.Errorf("over 20 seeds the right answer of the first question was at only %d letters", len(letters))
	}
}

func TestAllSet(t *testing.T) {
	c, b := cards.Default(), DefaultBank()
	s, err := NewSession(Config{Set: SetAll, Card: c, Bank: b, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	pool, _ := Pool(c, b)
	ids := IDs(pool)
	var got []string
	for _, it := range s.Items() {
		got = append(got, it.Question.ID)
	}
	if slices.Equal(got, ids) {
		t.Error("all: questions are not shuffled")
	}
	slices.Sort(got)
	slices.Sort(ids)
	if !slices.Equal(got, ids) {
		t.Errorf("all asks %d questions, want each of the %d once", len(got), len(ids))
	}
}

func TestPoolRejectsSharedIDs(t *testing.T) {
	b := testBank(t)
	b.Questions[3].ID = "card-load-balancer"
	_, err := NewSession(Config{Set: SetPractice, Card: cards.Default(), Bank: b})
	if err == nil || !strings.Contains(err.Error(), `question id "card-load-balancer" is used by both the card`) {
		t.Errorf("error = %v", err)
	}
}

func practiceIDs(t *testing.T, cfg Config) []string {
	t.Helper()
	s, err := NewSession(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range s.Items() {
		ids = append(ids, it.Question.ID)
	}
	return ids
}

func TestPracticeForANewLearner(t *testing.T) {
	ids := practiceIDs(t, Config{Card: cards.Default(), Bank: testBank(t), Seed: 5, Now: t0})
	if len(ids) != DefaultPracticeSize {
		t.Fatalf("practice set of %d, want %d", len(ids), DefaultPracticeSize)
	}
	for _, id := range IDs(cards.Default().Quiz) {
		if !slices.Contains(ids, id) {
			t.Errorf("a new learner's first set lacks the card's %s", id)
		}
	}
	// Easy before hard among new questions: no hard question is asked while
	// an easy one is left out.
	b := testBank(t)
	diff := map[string]string{}
	for _, q := range b.Questions {
		diff[q.ID] = q.Difficulty
	}
	for _, q := range b.Questions {
		if q.Difficulty == Easy && !slices.Contains(ids, q.ID) {
			for _, id := range ids {
				if diff[id] == Hard {
					t.Errorf("hard %s asked while easy %s is left out", id, q.ID)
				}
			}
		}
	}
}

func TestPracticeBringsBackMissesAndDue(t *testing.T) {
	b := testBank(t)
	p := NewProgress()
	// Everything answered right a week ago (box 2: due after a day) ...
	for _, q := range b.Questions {
		p.Record(q.ID, true, t0.Add(-7*24*time.Hour))
	}
	// ... then b1..b8 right again today (box 3: not due for three days) ...
	for i := 1; i <= 8; i++ {
		p.Record(fmt.Sprintf("b%d", i), true, t0)
	}
	// ... and b5 and b6 missed today: due at once.
	p.Record("b5", false, t0)
	p.Record("b6", false, t0.Add(time.Minute))
	now := t0.Add(time.Hour)
	ids := practiceIDs(t, Config{Bank: b, Progress: p, Seed: 9, Now: now, PracticeSize: 6})
	slices.Sort(ids)
	// Misses first, then the due ones (b9..b12), nothing that is not due.
	want := []string{"b10", "b11", "b12", "b5", "b6", "b9"}
	if !slices.Equal(ids, want) {
		t.Errorf("practice set = %v, want %v", ids, want)
	}
	// With room for only two, the two misses.
	ids = practiceIDs(t, Config{Bank: b, Progress: p, Seed: 9, Now: now, PracticeSize: 2})
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"b5", "b6"}) {
		t.Errorf("practice set of 2 = %v, want the misses", ids)
	}
	// However large the set may be, what is not due stays out.
	ids = practiceIDs(t, Config{Bank: b, Progress: p, Seed: 9, Now: now, PracticeSize: 20})
	slices.Sort(ids)
	if want := []string{"b10", "b11", "b12", "b5", "b6", "b9"}; !slices.Equal(ids, want) {
		t.Errorf("practice set of up to 20 = %v, want only the due ones %v", ids, want)
	}
}

func TestPracticeIsDeterministic(t *testing.T) {
	b := testBank(t)
	p := NewProgress()
	p.Record("b2", false, t0)
	cfg := Config{Card: cards.Default(), Bank: b, Progress: p, Seed: 77, Now: t0}
	s1, _ := NewSession(cfg)
	s2, _ := NewSession(cfg)
	if !slices.EqualFunc(orderOf(s1), orderOf(s2), slices.Equal) {
		t.Error("same seed, progress and time gave different sessions")
	}
	cfg.Seed = 78
	s3, _ := NewSession(cfg)
	if slices.EqualFunc(orderOf(s1), orderOf(s3), slices.Equal) {
		t.Error("another seed gave the same session")
	}
}

// answerWith answers the current question with its right option or, if
// right is false, the next one.
func answerWith(t *testing.T, s *Session, right bool) Answer {
	t.Helper()
	it, ok := s.Current()
	if !ok {
		t.Fatal("no current question")
	}
	c := it.Correct()
	if !right {
		c = (c + 1) % it.Len()
	}
	a, err := s.Answer(c)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestScoring(t *testing.T) {
	s, err := NewSession(Config{Set: SetCard, Card: cards.Default(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Answer(7); err == nil || s.Pos() != 0 {
		t.Errorf("answering option 8 of 4: err %v, pos %d", err, s.Pos())
	}
	answerWith(t, s, true)          // load balancer
	miss := answerWith(t, s, false) // cache
	r := s.Results()
	if r.Finished() || r.Right != 1 || r.Answered != 2 || r.Asked != 3 || r.Score() != "1/2" {
		t.Errorf("after 2 answers: %+v", r)
	}
	answerWith(t, s, true) // queue
	if !s.Done() {
		t.Fatal("not done after 3 answers")
	}
	if _, err := s.Answer(0); err == nil {
		t.Error("answered a fourth question")
	}
	r = s.Results()
	if !r.Finished() || r.Right != 2 || r.Answered != 3 || r.Score() != "2/3" || r.Percent() != 66 {
		t.Errorf("results = %+v", r)
	}
	want := []TopicScore{{"cache", 1, 0}, {"load balancer", 1, 1}, {"queue", 1, 1}}
	if !slices.Equal(r.Topics, want) {
		t.Errorf("topics = %v, want %v", r.Topics, want)
	}
	if len(r.Misses) != 1 || r.Misses[0].Item.Question.ID != "card-cache-failure" || r.Misses[0].Chosen != miss.Chosen || r.Misses[0].Right() {
		t.Errorf("misses = %+v", r.Misses)
	}
}

func TestAnswerMeasuredAtRunTime(t *testing.T) {
	// An experiment question: no option is marked correct; the learner
	// predicts a number and the measurement grades it.
	predict := card.Question{ID: "predict-cache-kill", Topic: "cache", Prompt: "Kill the cache: DB queries per second?",
		Options: []card.Option{{Text: "fall"}, {Text: "stay"}, {Text: "rise a little"}, {Text: "rise many times"}}}
	again := predict
	again.ID = "predict-again"
	s, err := NewSession(Config{Set: SetAll, Experiments: []card.Question{predict, again}, Bank: testBank(t), Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	// toExperiment answers the bank's questions up to the next experiment.
	toExperiment := func() {
		for it, _ := s.Current(); !it.Judged(); it, _ = s.Current() {
			if _, err := s.Answer(it.Correct()); err != nil {
				t.Fatal(err)
			}
		}
	}
	toExperiment()
	it, _ := s.Current()
	if it.Correct() != -1 || !it.Judged() || it.Numeric() {
		t.Errorf("an experiment: correct %d, judged %v, numeric %v", it.Correct(), it.Judged(), it.Numeric())
	}
	if _, err := s.Answer(0); err == nil {
		t.Error("Answer graded an experiment")
	}
	if _, err := s.AnswerNumber(150); err == nil {
		t.Error("AnswerNumber graded an experiment without its measurement")
	}
	measured := Problem{Prompt: "23 reads/s at 87 % hits: how many after the kill?", Answer: 152, Unit: "reads/s", Tolerance: 0.25, Method: []string{"23 / (1 - 0.87) = 177"}}
	a, err := s.AnswerMeasured(177, measured, "database reads went from 23/s to 152/s")
	if err != nil {
		t.Fatal(err)
	}
	if !a.Right() || !a.Item.Numeric() || !a.Item.Problem.Measured || a.Item.Prompt() != measured.Prompt || a.Evidence == "" {
		t.Errorf("a prediction within the tolerance graded %+v", a)
	}
	// A wrong prediction is not asked again in the session: the experiment
	// would run again to show what the learner has just been shown.
	toExperiment()
	n := s.Len()
	a, err = s.AnswerMeasured(23, measured, "database reads went from 23/s to 152/s")
	if err != nil {
		t.Fatal(err)
	}
	if a.Right() || s.Len() != n {
		t.Errorf("a wrong prediction: right %v, %d questions (was %d)", a.Right(), s.Len(), n)
	}
	if r := s.Results(); len(r.Misses) != 1 || MissLine(r.Misses[0]) != "You predicted 23; measured 152 reads/s" {
		t.Errorf("results = %+v", r)
	}
	for !s.Done() {
		it, _ := s.Current()
		if _, err := s.Answer(it.Correct()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AnswerMeasured(0, measured, ""); err == nil {
		t.Error("AnswerMeasured after the end succeeded")
	}
}

func TestNoQuestions(t *testing.T) {
	_, err := NewSession(Config{Set: SetCard, Card: &card.Card{Title: "empty"}})
	if !errors.Is(err, ErrNoQuestions) {
		t.Errorf("card set of a card without a quiz: %v", err)
	}
	_, err = NewSession(Config{Set: SetAll})
	if !errors.Is(err, ErrNoQuestions) {
		t.Errorf("all of nothing: %v", err)
	}
	_, err = NewSession(Config{Set: "most"})
	if err == nil {
		t.Error("unknown set accepted")
	}
}

func TestPickPracticeTieBreakUsesRNG(t *testing.T) {
	b := testBank(t)
	pick := func(seed uint64) []string {
		rng := rand.New(rand.NewPCG(seed, seed))
		return IDs(pickPractice(b.Questions, 0, NewProgress(), t0, 3, rng))
	}
	seen := map[string]bool{}
	for seed := range uint64(10) {
		seen[strings.Join(pick(seed), ",")] = true
	}
	if len(seen) < 2 {
		t.Error("ten seeds drew the same three new questions")
	}
}
