package card

import (
	"errors"
	"strings"
	"testing"
)

// tinyYAML is a small valid card; the line numbers in the tests below refer
// to it.
const tinyYAML = `title: Tiny
components:
  - {name: User, kind: client}
  - {name: Service, kind: service}
  - {name: Cache, kind: cache}
  - {name: Queue, kind: queue}
  - {name: Worker, kind: worker}
flow:
  - {from: User, to: Service}
  - {from: Service, to: Cache}
  - {from: Cache, to: Service}
  - {from: Service, to: Queue}
  - {from: Queue, to: Worker, async: true}
  - {from: Service, to: User}
failure:
  component: Cache
  impact: Reads get slower
  mitigation: Read the database
quiz:
  - id: tiny-queue
    prompt: Why the queue?
    options:
      - {text: To answer first, correct: true}
      - {text: To go faster}
`

func TestParseTinyCard(t *testing.T) {
	c, err := Parse("tiny.yaml", []byte(tinyYAML))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(c.Flow); got != 6 || !c.Flow[4].Async || c.Flow[3].Async {
		t.Errorf("flow = %v, want 6 hops with only hop 5 async", c.Flow)
	}
}

func TestParseReportsFileLineAndProblem(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // edit of tinyYAML; doc replaces it when set
		doc      string
		line     int
		want     string
	}{
		{name: "unknown field", old: "{name: Service, kind: service}", new: "{name: Service, kind: service, replica: 2}",
			line: 4, want: `unknown field "replica" in component 2; did you mean "replicas"? (fields: name, kind, description, replicas, latency, capacity)`},
		{name: "unknown top-level field", old: "title: Tiny", new: "titel: Tiny",
			line: 1, want: `unknown field "titel" in the card; did you mean "title"?`},
		{name: "unknown field in an option", old: "{text: To go faster}", new: "{text: To go faster, right: false}",
			line: 24, want: `unknown field "right" in option B of question 1`},
		{name: "field twice", old: "  impact: Reads get slower", new: "  impact: Reads get slower\n  impact: again",
			line: 18, want: `field "impact" appears twice in the failure scenario (first at line 17)`},
		{name: "hop names a component not on the card", old: "{from: Service, to: Cache}", new: "{from: Service, to: Cahce}",
			line: 10, want: `hop 2 names "Cahce", which is not a component on this card; did you mean "Cache"? (components: User, Service, Cache, Queue, Worker)`},
		{name: "flow does not start at the client", old: "{from: User, to: Service}", new: "{from: Service, to: User}",
			line: 9, want: `the flow starts at "Service", not at the client "User": hop 1 must leave the client`},
		{name: "hop leaves a component not reached yet", old: "{from: Service, to: Cache}", new: "{from: Cache, to: Service}",
			line: 10, want: `hop 2 leaves "Cache", which no earlier hop reaches`},
		{name: "hop to itself", old: "{from: Cache, to: Service}", new: "{from: Cache, to: Cache}",
			line: 11, want: `hop 3 goes from "Cache" to itself`},
		{name: "hop without to", old: "{from: Cache, to: Service}", new: "{from: Cache}",
			line: 11, want: `hop 3 has no to`},
		{name: "component nothing reaches", old: "  - {name: Worker, kind: worker}", new: "  - {name: Worker, kind: worker}\n  - {name: Search, kind: search}",
			line: 8, want: `component "Search" is never reached: no hop of the flow goes to it`},
		{name: "duplicate names", old: "{name: Cache, kind: cache}", new: "{name: Service, kind: cache}",
			line: 5, want: `component name "Service" is used twice (components 2 and 3)`},
		{name: "missing name", old: "{name: Cache, kind: cache}", new: "{kind: cache}",
			line: 5, want: `component 3 has no name`},
		{name: "missing kind", old: "{name: Cache, kind: cache}", new: "{name: Cache}",
			line: 5, want: `component "Cache" has no kind: use one of client, load_balancer, api_gateway, service, cache, database, queue or worker`},
		{name: "kind not one word", old: "{name: Service, kind: service}", new: "{name: Service, kind: load balancer}",
			line: 4, want: `component "Service" has kind "load balancer", which is not one word; did you mean load_balancer?`},
		{name: "name with a line break", old: "{name: Service, kind: service}", new: "{name: \"Ser\\nvice\", kind: service}",
			line: 4, want: `component name "Ser\nvice" has a line break, a tab or spaces around it`},
		{name: "no client", old: "{name: User, kind: client}", new: "{name: User, kind: browser}",
			line: 2, want: `no component is of kind client`},
		{name: "two clients", old: "{name: Cache, kind: cache}", new: "{name: Cache, kind: client}",
			line: 5, want: `components "User" and "Cache" are both of kind client`},
		{name: "negative replicas", old: "{name: Service, kind: service}", new: "{name: Service, kind: service, replicas: -2}",
			line: 4, want: `component "Service" has -2 replicas: use 0 (the kind's default) or more`},
		{name: "negative capacity", old: "{name: Service, kind: service}", new: "{name: Service, kind: service, capacity: -1}",
			line: 4, want: `component "Service" has capacity -1`},
		{name: "replicas not a number", old: "{name: Service, kind: service}", new: "{name: Service, kind: service, replicas: two}",
			line: 4, want: `"two" is a string, but this must be a whole number`},
		{name: "bad duration", old: "{name: Service, kind: service}", new: "{name: Service, kind: service, latency: {base: fast}}",
			line: 4, want: `bad duration "fast": write it like 8ms or 250us`},
		{name: "negative duration", old: "{name: Service, kind: service}", new: "{name: Service, kind: service, latency: {base: -3ms}}",
			line: 4, want: `bad duration "-3ms": must not be negative`},
		{name: "jitter larger than base", old: "{name: Service, kind: service}", new: "{name: Service, kind: service, latency: {base: 2ms, jitter: 5ms}}",
			line: 4, want: `component "Service" has latency jitter 5ms larger than its base 2ms`},
		{name: "async hop not after a queue", old: "{from: Service, to: Cache}", new: "{from: Service, to: Cache, async: true}",
			line: 10, want: `hop 2 (Service -> Cache) is async, but hop 1 (User -> Service) does not publish to a queue`},
		{name: "async hop breaking the chain", old: "{from: Service, to: User}", new: "{from: Service, to: User, async: true}",
			line: 14, want: `hop 6 (Service -> User) is async but does not leave "Worker", where hop 5 arrived`},
		{name: "sync hop out of a queue", old: "{from: Queue, to: Worker, async: true}", new: "{from: Queue, to: Worker}",
			line: 13, want: `hop 5 (Queue -> Worker) leaves the queue "Queue" right after the request published to it: mark it async: true`},
		{name: "first hop async", old: "{from: User, to: Service}", new: "{from: User, to: Service, async: true}",
			line: 9, want: `hop 1 is async`},
		{name: "failure names no component on the card", old: "component: Cache", new: "component: Cash",
			line: 16, want: `the failure scenario names "Cash", which is not a component on this card; did you mean "Cache"?`},
		{name: "question without a correct answer", old: "{text: To answer first, correct: true}", new: "{text: To answer first}",
			line: 20, want: `question 1 ("Why the queue?") has no correct answer: mark one option with correct: true`},
		{name: "question with two correct answers", old: "{text: To go faster}", new: "{text: To go faster, correct: true}",
			line: 20, want: `question 1 ("Why the queue?") has 2 correct answers (A, B): mark exactly one`},
		{name: "question with one option", old: "      - {text: To go faster}\n", new: "",
			line: 20, want: `question 1 ("Why the queue?") has 1 option(s): a question needs at least two`},
		{name: "duplicate question ids", old: "      - {text: To go faster}\n", new: "      - {text: To go faster}\n  - id: tiny-queue\n    prompt: Again?\n    options: [{text: a, correct: true}, {text: b}]\n",
			line: 25, want: `question id "tiny-queue" is used twice (questions 1 and 2)`},
		{name: "serves without a field", old: "title: Tiny", new: "title: Tiny\nserves: {resource: message}",
			line: 2, want: `serves names no field (the number of a row a write sets): write serves: {resource: message, field: reactions}`},
		{name: "serves without a resource", old: "title: Tiny", new: "title: Tiny\nserves: {field: likes}",
			line: 2, want: `serves names no resource`},
		{name: "resource not one word", old: "title: Tiny", new: "title: Tiny\nserves: {resource: Chat Message, field: likes}",
			line: 2, want: `resource "Chat Message" is not one lower-case word of letters, digits or _ (at most 30), like message or short_link`},
		{name: "field with SQL in it", old: "title: Tiny", new: "title: Tiny\nserves: {resource: message, field: \"likes; DROP TABLE x\"}",
			line: 2, want: `field "likes; DROP TABLE x" is not one lower-case word`},
		{name: "field taken", old: "title: Tiny", new: "title: Tiny\nserves: {resource: message, field: name}",
			line: 2, want: `field "name" is taken: every row has an id and a name`},
		{name: "plural the resource", old: "title: Tiny", new: "title: Tiny\nserves: {resource: sheep, plural: sheep, field: wool}",
			line: 2, want: `plural "sheep" is the resource itself`},
		{name: "unknown field in serves", old: "title: Tiny", new: "title: Tiny\nserves: {resource: message, feild: likes}",
			line: 2, want: `unknown field "feild" in serves; did you mean "field"?`},
		{name: "empty file", doc: "\n# nothing\n",
			want: `the card is empty`},
		{name: "no components", doc: "title: Tiny\nflow: []\n",
			line: 1, want: `the card has no components`},
		{name: "no flow", old: "flow:\n", new: "flows:\n",
			line: 8, want: `unknown field "flows" in the card; did you mean "flow"?`},
		{name: "empty flow", doc: "title: Tiny\ncomponents:\n  - {name: User, kind: client}\nflow: []\n",
			line: 4, want: `the card has no request flow`},
		{name: "no title", old: "title: Tiny", new: "title: ''",
			line: 1, want: `the card has no title`},
		{name: "components not a list", doc: "title: Tiny\ncomponents: User\n",
			line: 2, want: `components must be a list (lines starting with -), not a single value`},
		{name: "not a mapping", doc: "- just\n- a list\n",
			line: 1, want: `a card is a YAML mapping (title:, components:, flow: ...), not a list`},
		{name: "syntax error", old: "title: Tiny", new: "title: [Tiny",
			line: 1, want: `YAML syntax:`},
		{name: "two documents", doc: tinyYAML + "---\ntitle: More\n",
			line: 25, want: `a second YAML document`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := tt.doc
			if doc == "" {
				if !strings.Contains(tinyYAML, tt.old) {
					t.Fatalf("test edit %q not in tinyYAML", tt.old)
				}
				doc = strings.Replace(tinyYAML, tt.old, tt.new, 1)
			}
			_, err := Parse("tiny.yaml", []byte(doc))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse error = %v (%T), want a *card.Error", err, err)
			}
			if ce.File != "tiny.yaml" || ce.Line != tt.line || !strings.Contains(ce.Msg, tt.want) {
				t.Errorf("Parse error = %q\nwant tiny.yaml:%d: ...%s...", err, tt.line, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestValidateCardBuiltInGo(t *testing.T) {
	err := Validate(&Card{Title: "Go"})
	if err == nil || err.Error() != "the card has no components: list them under components:, each with a name and a kind" {
		t.Errorf("Validate = %v", err)
	}
	c, err := Parse("tiny.yaml", []byte(tinyYAML))
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(c); err != nil {
		t.Errorf("Validate(valid card) = %v", err)
	}
	c.Flow[1].To = "Nowhere"
	if err := Validate(c); err == nil || !strings.HasPrefix(err.Error(), `hop 2 names "Nowhere"`) {
		t.Errorf("Validate = %v, want the hop named without file or line", err)
	}
}

func TestParseGivesQuestionsAnID(t *testing.T) {
	doc := strings.Replace(tinyYAML, "  - id: tiny-queue\n", "  - id: ''\n", 1)
	c, err := Parse("tiny.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if c.Quiz[0].ID != "card-q1" {
		t.Errorf("id = %q, want card-q1", c.Quiz[0].ID)
	}
}

func TestDescribe(t *testing.T) {
	for path, want := range map[string]string{
		"":                           "the card",
		"components[2]":              "component 3",
		"components[0].latency":      "the latency of component 1",
		"flow[3]":                    "hop 4",
		"quiz[1]":                    "question 2",
		"quiz[0].options[2]":         "option C of question 1",
		"failure":                    "the failure scenario",
		"components[1].latency.base": "the latency.base of component 2",
	} {
		if got := describe(path); got != want {
			t.Errorf("describe(%q) = %q, want %q", path, got, want)
		}
	}
}
