package challenge

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
	"github.com/archex/archex/components/traffic"
	"github.com/archex/archex/engine"
)

// The file form. A path file is a mapping with a name and a list of
// challenges; every field of a challenge is checked, and an error names
// the file, the line and what to write instead.
type fileDoc struct {
	Path       string         `yaml:"path"`
	Challenges []challengeDoc `yaml:"challenges"`
}

type challengeDoc struct {
	ID          string     `yaml:"id"`
	Title       string     `yaml:"title"`
	Card        string     `yaml:"card"`
	Seed        uint64     `yaml:"seed"`
	Story       string     `yaml:"story"`
	Traffic     trafficDoc `yaml:"traffic"`
	Start       []string   `yaml:"start"`
	Faults      []string   `yaml:"faults"`
	Levers      []string   `yaml:"levers"`
	Budget      *int       `yaml:"budget"`
	Goal        goalDoc    `yaml:"goal"`
	Hints       []string   `yaml:"hints"`
	Explanation string     `yaml:"explanation"`
	Solution    []string   `yaml:"solution"`
}

type trafficDoc struct {
	Rate    *float64 `yaml:"rate"`
	Pattern string   `yaml:"pattern"`
	Reads   *float64 `yaml:"reads"`
	Zipf    *float64 `yaml:"zipf"`
	Noisy   float64  `yaml:"noisy"`
}

type goalDoc struct {
	Warmup     string   `yaml:"warmup"`
	Window     string   `yaml:"window"`
	Conditions []string `yaml:"conditions"`
}

// pathFile is how a path file's errors name it.
var pathFile = card.YAMLFile{
	Empty:    "the file is empty: a path of challenges has a name (path:) and challenges:",
	One:      "a file holds one path of challenges",
	Shape:    "a path of challenges is a YAML mapping (path:, challenges:)",
	What:     "a challenge file",
	Describe: describeChallenge,
}

// describeChallenge names a place in the file: "challenge 3", "the goal of
// challenge 3".
func describeChallenge(path string) string {
	var i int
	var rest string
	if path == "" {
		return "the file"
	}
	if n, _ := fmt.Sscanf(path+"\x00", "challenges[%d]%s", &i, &rest); n == 2 || n == 1 {
		rest = strings.TrimSuffix(strings.TrimPrefix(rest, "."), "\x00")
		if rest == "" {
			return fmt.Sprintf("challenge %d", i+1)
		}
		return fmt.Sprintf("the %s of challenge %d", rest, i+1)
	}
	return path
}

// MaxFileSize bounds a challenge file.
const MaxFileSize = 1 << 20

// Limits of a challenge's times.
const (
	maxWindow = 10 * time.Minute
	maxWarmup = 5 * time.Minute
)

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Load reads a path file.
func Load(file string) (*Path, error) {
	f, err := os.Open(file)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(data) > MaxFileSize {
		return nil, card.Errorf(file, 0, "the file is over %d KiB: a path of challenges is far smaller", MaxFileSize>>10)
	}
	return Parse(file, data)
}

// Parse reads a path of challenges from data; name starts every error.
func Parse(name string, data []byte) (*Path, error) {
	var doc fileDoc
	lines, err := pathFile.Decode(name, data, &doc)
	if err != nil {
		return nil, err
	}
	p := &Path{Name: doc.Path, File: name}
	bad := func(at, format string, args ...any) error {
		return card.Errorf(name, lines.Of(at), format, args...)
	}
	if !idRE.MatchString(doc.Path) {
		return nil, bad("path", "the path needs a name of lowercase letters, digits and dashes (path: my-course), not %q", doc.Path)
	}
	if len(doc.Challenges) == 0 {
		return nil, bad("challenges", "the path has no challenges: add challenges: with at least one")
	}
	seen := map[string]int{}
	for i, cd := range doc.Challenges {
		at := card.Index("challenges", i)
		if first, dup := seen[cd.ID]; dup {
			return nil, bad(card.Field(at, "id"), "challenge id %q is used twice (first at line %d)", cd.ID, first)
		}
		seen[cd.ID] = lines.Of(card.Field(at, "id"))
		c, err := build(cd, at, bad)
		if err != nil {
			return nil, err
		}
		c.Number = i + 1
		p.Challenges = append(p.Challenges, c)
	}
	return p, nil
}

// build checks one challenge and turns it into a Challenge.
func build(d challengeDoc, at string, bad func(at, format string, args ...any) error) (*Challenge, error) {
	f := func(name string) string { return card.Field(at, name) }
	c := &Challenge{ID: d.ID, Title: strings.TrimSpace(d.Title), Story: strings.TrimSpace(d.Story), Seed: d.Seed,
		Explanation: strings.TrimSpace(d.Explanation)}
	if c.Seed == 0 {
		c.Seed = 1
	}
	switch {
	case !idRE.MatchString(d.ID):
		return nil, bad(f("id"), "a challenge needs an id of lowercase letters, digits and dashes (id: cache-down), not %q", d.ID)
	case c.Title == "":
		return nil, bad(f("title"), "challenge %q has no title: add title:", d.ID)
	case c.Story == "":
		return nil, bad(f("story"), "challenge %q has no story: add story: telling the learner what is going on", d.ID)
	case c.Explanation == "":
		return nil, bad(f("explanation"), "challenge %q has no explanation: add explanation:, shown after a pass", d.ID)
	case len(d.Hints) == 0:
		return nil, bad(f("hints"), "challenge %q has no hints: add hints: with at least one", d.ID)
	}
	c.Card = cards.Default()
	if d.Card != "" {
		cd, err := cards.Open(d.Card)
		if err != nil {
			return nil, bad(f("card"), "card %q: %v", d.Card, err)
		}
		c.Card = cd
	}
	for i, h := range d.Hints {
		if strings.TrimSpace(h) == "" {
			return nil, bad(card.Index(f("hints"), i), "hint %d is empty", i+1)
		}
		c.Hints = append(c.Hints, strings.TrimSpace(h))
	}
	if err := buildTraffic(c, d.Traffic, f("traffic"), bad); err != nil {
		return nil, err
	}
	if err := buildGoal(c, d.Goal, f("goal"), bad); err != nil {
		return nil, err
	}
	if d.Budget == nil || *d.Budget < 0 {
		return nil, bad(f("budget"), "challenge %q needs a budget of 0 or more credits (budget: 4); see the costs of the levers", d.ID)
	}
	c.Budget = *d.Budget
	if err := buildLevers(c, d, at, bad); err != nil {
		return nil, err
	}
	return c, nil
}

func buildTraffic(c *Challenge, d trafficDoc, at string, bad func(at, format string, args ...any) error) error {
	t := Traffic{Reads: traffic.DefaultReadRatio, Zipf: traffic.DefaultZipf, Noisy: d.Noisy, Pattern: traffic.Steady}
	if d.Rate == nil {
		return bad(at, "challenge %q has no traffic rate: add traffic: {rate: 200}", c.ID)
	}
	t.Rate = *d.Rate
	if d.Pattern != "" {
		p, err := traffic.ParsePattern(d.Pattern)
		if err != nil {
			return bad(card.Field(at, "pattern"), "%v", err)
		}
		t.Pattern = p
	}
	if d.Reads != nil {
		if !(*d.Reads > 0 && *d.Reads <= 1) {
			return bad(card.Field(at, "reads"), "reads is the share of reads: give more than 0, up to 1 (reads: 0.9)")
		}
		t.Reads = *d.Reads
	}
	if d.Zipf != nil {
		if !(*d.Zipf > 1 && *d.Zipf <= 5) {
			return bad(card.Field(at, "zipf"), "zipf is the skew of popularity: give more than 1, up to 5 (zipf: 1.3)")
		}
		t.Zipf = *d.Zipf
	}
	if t.Noisy < 0 {
		return bad(card.Field(at, "noisy"), "noisy is the requests per second of the noisy client: give 0 or more")
	}
	if t.Rate <= 0 {
		return bad(card.Field(at, "rate"), "a rate of %v: give the requests per second, more than 0", t.Rate)
	}
	if err := traffic.CheckRate(t.Rate+t.Noisy, t.Pattern); err != nil {
		return bad(card.Field(at, "rate"), "%v", err)
	}
	c.Traffic = t
	return nil
}

func buildGoal(c *Challenge, d goalDoc, at string, bad func(at, format string, args ...any) error) error {
	dur := func(field, s string, least, most time.Duration) (time.Duration, error) {
		v, err := time.ParseDuration(s)
		if err != nil || v < least || v > most || v%time.Second != 0 {
			return 0, bad(card.Field(at, field), "the goal's %s %q: give whole seconds from %v to %v, like 20s", field, s, least, most)
		}
		return v, nil
	}
	var err error
	if d.Warmup == "" {
		d.Warmup = "0s"
	}
	if c.Goal.Warmup, err = dur("warmup", d.Warmup, 0, maxWarmup); err != nil {
		return err
	}
	if c.Goal.Window, err = dur("window", d.Window, time.Second, maxWindow); err != nil {
		return err
	}
	if len(d.Conditions) == 0 {
		return bad(card.Field(at, "conditions"), "challenge %q's goal has no conditions: add conditions: like [failed = 0, p99 < 80ms]", c.ID)
	}
	for i, s := range d.Conditions {
		cond, err := ParseCondition(s)
		if err != nil {
			return bad(card.Index(card.Field(at, "conditions"), i), "%v", err)
		}
		if cond.Scope != "" && c.Traffic.Noisy == 0 {
			return bad(card.Index(card.Field(at, "conditions"), i), "condition %q measures the others than the noisy client, but the traffic has none: add noisy: to traffic:", s)
		}
		c.Goal.Conditions = append(c.Goal.Conditions, cond)
	}
	return nil
}

func buildLevers(c *Challenge, d challengeDoc, at string, bad func(at, format string, args ...any) error) error {
	f := func(name string) string { return card.Field(at, name) }
	for i, name := range d.Levers {
		name = strings.Join(strings.Fields(name), " ")
		if !knownLever(name) {
			return bad(card.Index(f("levers"), i), "unknown lever %q: the levers are %s", name, strings.Join(engine.LeverNames, ", "))
		}
		if c.Allows(name) {
			return bad(card.Index(f("levers"), i), "lever %q is listed twice", name)
		}
		if _, err := engine.LeverOn(c.Card, leverProbe(name)); err != nil {
			return bad(card.Index(f("levers"), i), "lever %q: %v", name, err)
		}
		c.Levers = append(c.Levers, name)
	}
	if len(c.Levers) == 0 {
		return bad(f("levers"), "challenge %q allows no levers: add levers: like [pool, shedding]", c.ID)
	}
	levers := func(field string, list []string, into *[]engine.Fault, allowed bool) error {
		for i, s := range list {
			l, err := engine.ParseLever(s)
			if err == nil {
				err = engine.CheckFaultOn(c.Card, l)
			}
			if err != nil {
				return bad(card.Index(f(field), i), "%v", err)
			}
			name, _ := engine.LeverOn(c.Card, l)
			if allowed && !c.Allows(name) {
				return bad(card.Index(f(field), i), "the solution turns %s, which the challenge does not allow (levers: %s)", name, strings.Join(c.Levers, ", "))
			}
			*into = append(*into, l)
		}
		return nil
	}
	if err := levers("start", d.Start, &c.Start, false); err != nil {
		return err
	}
	if err := levers("solution", d.Solution, &c.Solution, true); err != nil {
		return err
	}
	for i, s := range d.Faults {
		fl, err := engine.ParseFault(s)
		if err == nil {
			err = engine.CheckFaultOn(c.Card, fl)
		}
		if err != nil {
			return bad(card.Index(f("faults"), i), "%v", err)
		}
		if fl.IsLever() {
			return bad(card.Index(f("faults"), i), "%q turns a lever: the levers as the learner finds them go in start:, the faults are chaos and traffic", s)
		}
		if fl.At >= c.Goal.Total() {
			return bad(card.Index(f("faults"), i), "fault %q comes at %v, after the challenge ends (warmup + window = %v)", s, fl.At, c.Goal.Total())
		}
		if fl.Action == "rate" || fl.Action == "pattern" {
			if err := checkRateFault(c, fl); err != nil {
				return bad(card.Index(f("faults"), i), "%v", err)
			}
		}
		c.Faults = append(c.Faults, fl)
	}
	return nil
}

// checkRateFault checks that a traffic fault asks no more than the user can
// send. A rate fault sets the total rate, the noisy client's share in it.
func checkRateFault(c *Challenge, f engine.Fault) error {
	if f.Action == "pattern" {
		p, _ := traffic.ParsePattern(f.Value)
		return traffic.CheckRate(c.Traffic.Rate+c.Traffic.Noisy, p)
	}
	r, _ := strconv.ParseFloat(f.Value, 64)
	return traffic.CheckRate(r, c.Traffic.Pattern)
}

func knownLever(name string) bool {
	for _, l := range engine.LeverNames {
		if l == name {
			return true
		}
	}
	return false
}

// leverProbe is a lever command for name, to ask the card whether it has
// what the lever turns.
func leverProbe(name string) engine.Fault {
	switch name {
	case "scale service":
		return engine.Fault{Action: "scale", Target: "service", Text: name}
	case "scale worker":
		return engine.Fault{Action: "scale", Target: "worker", Text: name}
	}
	return engine.Fault{Action: name, Text: name}
}
