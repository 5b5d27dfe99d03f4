package challenge

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// valid is a one-challenge path; the tests below break it one way each.
const valid = `path: my-course
challenges:
  - id: cache-down
    title: The cache is down
    story: The cache died.
    traffic: {rate: 200, noisy: 100}
    start: [breaker off]
    faults: ["kill cache @0s"]
    levers: [breaker, pool]
    budget: 2
    goal:
      warmup: 2s
      window: 10s
      conditions: ["failed = 0", "p99 < 80ms", "others.failed = 0"]
    hints: [Look at the breaker.]
    explanation: The breaker fails fast.
    solution: [breaker on]
`

func TestParseAValidPath(t *testing.T) {
	p, err := Parse("my.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	c := p.Challenges[0]
	if p.Name != "my-course" || c.Number != 1 || c.Budget != 2 || len(c.Goal.Conditions) != 3 || c.Traffic.Noisy != 100 ||
		c.Goal.Window.Seconds() != 10 || len(c.Start) != 1 || c.Solution[0].Text != "breaker on" || c.Card.Title == "" {
		t.Errorf("parsed %+v", c)
	}
}

// The loader refuses each kind of malformed file with one line naming the
// file, the line and what to write.
func TestParseRefusesMalformedFiles(t *testing.T) {
	for _, tc := range []struct {
		name, old, new string
		want           string // "file:line: ..." fragment
	}{
		{"empty file", valid, "", "my.yaml: the file is empty"},
		{"not a mapping", valid, "- a\n- b\n", "my.yaml:1: a path of challenges is a YAML mapping"},
		{"a second document", "solution: [breaker on]\n", "solution: [breaker on]\n---\npath: b\n", ": a second YAML document (after ---): a file holds one path of challenges"},
		{"YAML syntax", "budget: 2", "budget: [2", "my.yaml:"},
		{"unknown field, a typo", "    hints:", "    hint:", `my.yaml:15: unknown field "hint" in challenge 1; did you mean "hints"?`},
		{"no path name", "path: my-course", "path: My Course", `my.yaml:1: the path needs a name`},
		{"no challenges", valid[strings.Index(valid, "  - id"):], "", "my.yaml:2: the path has no challenges"},
		{"a bad id", "id: cache-down", "id: Cache Down", `my.yaml:3: a challenge needs an id`},
		{"no title", "title: The cache is down", "title: ''", `my.yaml:4: challenge "cache-down" has no title`},
		{"no story", "story: The cache died.", "story: ''", `my.yaml:5: challenge "cache-down" has no story`},
		{"no explanation", "explanation: The breaker fails fast.", "explanation: ''", `my.yaml:16: challenge "cache-down" has no explanation`},
		{"no hints", "hints: [Look at the breaker.]", "hints: []", `my.yaml:15: challenge "cache-down" has no hints`},
		{"an empty hint", "hints: [Look at the breaker.]", "hints: [a, '']", `my.yaml:15: hint 2 is empty`},
		{"an unknown card", "    traffic:", "    card: nosuch\n    traffic:", `my.yaml:6: card "nosuch"`},
		{"no rate", "{rate: 200, noisy: 100}", "{noisy: 100}", `my.yaml:6: challenge "cache-down" has no traffic rate`},
		{"a rate over the top", "{rate: 200, noisy: 100}", "{rate: 4900, noisy: 200}", `my.yaml:6: `},
		{"a bad pattern", "{rate: 200, noisy: 100}", "{rate: 200, pattern: zigzag}", `my.yaml:6: `},
		{"reads over 1", "{rate: 200, noisy: 100}", "{rate: 200, reads: 1.5}", `my.yaml:6: reads is the share of reads`},
		{"a rate as text", "{rate: 200, noisy: 100}", "{rate: fast}", `my.yaml:6: "fast" is a string`},
		{"no budget", "    budget: 2\n", "", `budget of 0 or more credits`},
		{"a negative budget", "budget: 2", "budget: -1", `my.yaml:10: challenge "cache-down" needs a budget of 0 or more`},
		{"a window not in whole seconds", "window: 10s", "window: 1.5s", `my.yaml:13: the goal's window "1.5s": give whole seconds`},
		{"no window", "      window: 10s\n", "", `the goal's window ""`},
		{"no conditions", `conditions: ["failed = 0", "p99 < 80ms", "others.failed = 0"]`, "conditions: []", `my.yaml:14: challenge "cache-down"'s goal has no conditions`},
		{"a bad condition", `"p99 < 80ms"`, `"p99 < 80"`, `my.yaml:14: condition "p99 < 80": p99 is a time`},
		{"others without a noisy client", "{rate: 200, noisy: 100}", "{rate: 200}", `my.yaml:14: condition "others.failed = 0" measures the others`},
		{"an unknown lever", "levers: [breaker, pool]", "levers: [breaker, memory]", `my.yaml:9: unknown lever "memory"`},
		{"a lever twice", "levers: [breaker, pool]", "levers: [pool, pool]", `my.yaml:9: lever "pool" is listed twice`},
		{"no levers", "levers: [breaker, pool]", "levers: []", `my.yaml:9: challenge "cache-down" allows no levers`},
		{"a start that is no lever", "start: [breaker off]", "start: [kill cache]", `my.yaml:7: bad lever "kill cache": kill is not a lever`},
		{"a start lever with a time", "start: [breaker off]", `start: ["breaker off @1s"]`, `my.yaml:7: bad lever "breaker off @1s": a lever takes no time`},
		{"a solution not allowed", "solution: [breaker on]", "solution: [shedding on]", `my.yaml:17: the solution turns shedding, which the challenge does not allow`},
		{"a solution too big", "solution: [breaker on]", "solution: [scale service 12]", `my.yaml:17: bad lever "scale service 12"`},
		{"a bad fault", `faults: ["kill cache @0s"]`, `faults: ["kill cache"]`, `my.yaml:8: bad fault "kill cache": no time`},
		{"an unknown component", `faults: ["kill cache @0s"]`, `faults: ["kill search @0s"]`, `my.yaml:8: bad fault "kill search @0s": unknown component "search"`},
		{"a replica the card does not start", `faults: ["kill cache @0s"]`, `faults: ["kill service-5 @0s"]`, `my.yaml:8: bad fault "kill service-5 @0s": unknown component "service-5": the service has replicas service-1 to service-3`},
		{"a lever in the faults", `faults: ["kill cache @0s"]`, `faults: ["shedding on @2s"]`, `my.yaml:8: "shedding on @2s" turns a lever`},
		{"a fault after the end", `faults: ["kill cache @0s"]`, `faults: ["kill cache @12s"]`, `my.yaml:8: fault "kill cache @12s" comes at 12s, after the challenge ends`},
		{"a rate fault over the top", `faults: ["kill cache @0s"]`, `faults: ["rate 9000 @1s"]`, `my.yaml:8: `},
		{"an id twice", "", "", ""}, // built below
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(valid, tc.old, tc.new, 1)
			if tc.name == "an id twice" {
				src = valid + valid[strings.Index(valid, "  - id"):]
				tc.want = `my.yaml:18: challenge id "cache-down" is used twice (first at line 3)`
			}
			if src == valid && tc.old != "" {
				t.Fatalf("the test's %q is not in the valid file", tc.old)
			}
			_, err := Parse("my.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Parse: %v\nwant one line with %q", err, tc.want)
			}
		})
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "none.yaml")); err == nil || !strings.Contains(err.Error(), "none.yaml: no such file") {
		t.Errorf("missing file: %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "big.yaml: the file is over 1024 KiB") {
		t.Errorf("big file: %v", err)
	}
	ok := filepath.Join(dir, "ok.yaml")
	if err := os.WriteFile(ok, []byte(valid), 0o600); err != nil {
		t.Fatal(err)
	}
	if p, err := Load(ok); err != nil || len(p.Challenges) != 1 {
		t.Errorf("valid file: %v", err)
	}
}

// The shipped path reads, and climbs: at least 12 challenges, each with a
// reference solution within its budget's levers.
func TestShippedPath(t *testing.T) {
	p := Shipped()
	if len(p.Challenges) < 12 {
		t.Errorf("%d challenges; the path has at least 12", len(p.Challenges))
	}
	for _, c := range p.Challenges {
		if len(c.Solution) == 0 {
			t.Errorf("challenge %d (%s) has no reference solution", c.Number, c.ID)
		}
		if c.Card.Title != Shipped().Challenges[0].Card.Title {
			t.Errorf("challenge %d runs another card than the production card", c.Number)
		}
	}
}
