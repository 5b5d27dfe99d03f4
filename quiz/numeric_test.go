package quiz

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestParseNumber(t *testing.T) {
	for in, want := range map[string]float64{
		"375": 375, " 2.4 ": 2.4, "1,200": 1200, "6,7": 6.7, "27 reads/s": 27, "80%": 80, "9.6 %": 9.6,
		"-3": -3, ".5": 0.5, "12,345.5": 12345.5, "6.7s": 6.7,
	} {
		got, ok := ParseNumber(in)
		if !ok || math.Abs(got-want) > 1e-12 {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "abc", "1.2.3", "12 34", "NaN", "Inf", "1e400", "b", "--3"} {
		if v, ok := ParseNumber(in); ok {
			t.Errorf("ParseNumber(%q) = %v, want no number", in, v)
		}
	}
}

func TestProblemTolerance(t *testing.T) {
	p := Problem{Answer: 375, Tolerance: 0.02, Unit: "statements/s"}
	for v, want := range map[float64]bool{375: true, 368: true, 382.5: true, 367: false, 383: false, 125: false, math.NaN(): false} {
		if got := p.Accepts(v); got != want {
			t.Errorf("Accepts(%v) = %v, want %v (375 within 2 %%)", v, got, want)
		}
	}
	if got := p.Within(); got != "an answer within 2 % of the right one counts" {
		t.Errorf("Within = %q", got)
	}
	if got := p.Range(); got != "367.5 to 382.5 statements/s" {
		t.Errorf("Range = %q", got)
	}
	exact := Problem{Answer: 9}
	if !exact.Accepts(9) || exact.Accepts(9.5) || exact.Within() != "the exact number counts" || exact.Range() != "" {
		t.Errorf("an exact answer: accepts 9 %v, 9.5 %v, %q", exact.Accepts(9), exact.Accepts(9.5), exact.Within())
	}
	abs := Problem{Answer: 0.2, Abs: 0.05, Unit: "%"}
	if !abs.Accepts(0.24) || abs.Accepts(0.26) || abs.Within() != "an answer within 0.05 percentage points of the right one counts" {
		t.Errorf("an absolute tolerance: %v %v %q", abs.Accepts(0.24), abs.Accepts(0.26), abs.Within())
	}
	// A prediction is graded against what was measured, and says so.
	measured := Problem{Answer: 152, Tolerance: 0.25, Unit: "reads/s", Measured: true}
	if got := measured.Within(); got != "a prediction within 25 % of the measured one counts" || measured.MethodTitle() != "Why it came out so" || p.MethodTitle() != "How to work it out" {
		t.Errorf("a measured problem: %q, %q", got, measured.MethodTitle())
	}
	if got := (Problem{Abs: 2, Unit: "ms"}).Within(); got != "an answer within 2 ms of the right one counts" {
		t.Errorf("an absolute tolerance in ms: %q", got)
	}
	for v, want := range map[float64]string{27: "27", 2.4: "2.4", 6.666666: "6.67", 0.15: "0.15", 1234.56: "1234.6", 0.0952: "0.1"} {
		if got := Number(v); got != want {
			t.Errorf("Number(%v) = %q, want %q", v, got, want)
		}
	}
}

// Every template, drawn many times: a positive answer, a prompt with its
// numbers, a method that arrives at the answer, and the same draw for the
// same seed.
func TestTemplatesDraw(t *testing.T) {
	ts := Templates()
	if len(ts) < 5 {
		t.Fatalf("%d numeric templates, want at least 5", len(ts))
	}
	for _, tp := range ts {
		if !idPattern.MatchString(tp.ID) || tp.Topic == "" || difficultyRank(tp.Difficulty) == len(Difficulties) {
			t.Errorf("template %+v: bad id, topic or difficulty", tp)
		}
		answers := map[float64]bool{}
		for seed := range uint64(200) {
			p := tp.Draw(rand.New(rand.NewPCG(seed, 1)))
			again := tp.Draw(rand.New(rand.NewPCG(seed, 1)))
			if p.Prompt != again.Prompt || p.Answer != again.Answer {
				t.Fatalf("%s: seed %d drew two different problems", tp.ID, seed)
			}
			answers[p.Answer] = true
			method := strings.Join(p.Method, "\n")
			switch {
			case !(p.Answer > 0) || math.IsInf(p.Answer, 0):
				t.Fatalf("%s seed %d: answer %v", tp.ID, seed, p.Answer)
			case !strings.Contains(method, Number(p.Answer)):
				t.Fatalf("%s seed %d: the method does not reach the answer %s:\n%s", tp.ID, seed, Number(p.Answer), method)
			case strings.Contains(p.Prompt, "%!") || strings.Contains(method, "%!"):
				t.Fatalf("%s seed %d: a formatting slip: %s\n%s", tp.ID, seed, p.Prompt, method)
			case !p.Accepts(p.Answer) || !p.Accepts(mustParse(t, Number(p.Answer))):
				t.Fatalf("%s seed %d: its own answer %s is refused", tp.ID, seed, Number(p.Answer))
			case !strings.Contains(method, "Live:"):
				t.Fatalf("%s: the method does not say where to see it live", tp.ID)
			case strings.Contains(method, " 0 s") || strings.Contains(method, "= 1 ^") || strings.Contains(method, "(1 - 1)") ||
				strings.Contains(p.Prompt+method, "00000") || strings.Contains(p.Prompt+method, "99999"):
				t.Fatalf("%s seed %d: a given value was rounded away:\n%s", tp.ID, seed, method)
			}
			if tp.ID == "num-retry-amplification" {
				n, _ := strconv.Atoi(strings.Fields(p.Prompt)[0])
				if chain := p.Prompt[strings.Index(p.Prompt, "(")+1 : strings.Index(p.Prompt, ")")]; strings.Count(chain, " calls ")+1 != n {
					t.Fatalf("%s: %d services, but the chain is %q", tp.ID, n, chain)
				}
			}
		}
		if len(answers) < 5 {
			t.Errorf("%s: 200 draws gave only %d different answers", tp.ID, len(answers))
		}
	}
}

func mustParse(t *testing.T, s string) float64 {
	t.Helper()
	v, ok := ParseNumber(s)
	if !ok {
		t.Fatalf("ParseNumber(%q) failed", s)
	}
	return v
}

// A session draws a numeric question's values per attempt, from its seed.
func TestNumericInASession(t *testing.T) {
	cfg := Config{Set: SetAll, Numeric: Templates()[:1], Bank: testBank(t), Seed: 5, Now: t0}
	s, _ := NewSession(cfg)
	s2, _ := NewSession(cfg)
	var it, it2 Item
	for _, x := range s.Items() {
		if x.Numeric() {
			it = x
		}
	}
	for _, x := range s2.Items() {
		if x.Numeric() {
			it2 = x
		}
	}
	if it.Problem == nil || it.Prompt() != it2.Prompt() {
		t.Fatalf("the same seed drew %q and %q", it.Prompt(), it2.Prompt())
	}
	if it.Judged() || it.Len() != 0 {
		t.Error("a numeric question counts as an experiment or has options")
	}
	prompts := map[string]bool{}
	for seed := range uint64(20) {
		cfg.Seed = seed
		s, _ := NewSession(cfg)
		for _, x := range s.Items() {
			if x.Numeric() {
				prompts[x.Prompt()] = true
			}
		}
	}
	if len(prompts) < 5 {
		t.Errorf("20 seeds drew %d different problems", len(prompts))
	}
	// Answered with a letter: refused; with a number: graded.
	for !s.Done() {
		cur, _ := s.Current()
		if !cur.Numeric() {
			answerWith(t, s, true)
			continue
		}
		if _, err := s.Answer(0); err == nil {
			t.Error("a numeric question took a letter")
		}
		a, err := s.AnswerNumber(cur.Problem.Answer * 1.01)
		if err != nil || !a.Right() || a.Value != cur.Problem.Answer*1.01 {
			t.Errorf("a number within 2 %%: %+v, %v", a, err)
		}
	}
	// Missed, it comes back with fresh numbers.
	cfg.Seed = 11
	s, _ = NewSession(cfg)
	for !s.Done() {
		cur, _ := s.Current()
		if cur.Numeric() && !cur.Again {
			if _, err := s.AnswerNumber(-1); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if cur.Again {
			if cur.Problem == nil || !cur.Numeric() {
				t.Fatal("the numeric question came back without a problem")
			}
		}
		answerRight(t, s, true)
	}
	if r := s.Results(); r.Again != 1 {
		t.Errorf("the missed numeric question was asked again %d times, want once", r.Again)
	}
}
