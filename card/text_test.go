package card

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// tinyText is a small valid card in text form; the line numbers in the
// tests below refer to it.
const tinyText = `Tiny in LLD - Architecture Impact
System Overview - Tiny
A tiny card
over two lines.
Components
User
client
Sends requests
Service
service
Does the work
Queue
queue
Holds events
Worker
worker
Handles events
Request Flow - 4 Hops
UserService
ServiceQueue
QueueWorker
ServiceUser
Failure Scenario
Component Fails:Worker
Impact:Events wait
Mitigation:Restart it
Architecture Quiz - 1 Question
Test your understanding
Why a queue?
ATo go faster
BTo answer before the work is done
Answer: B
Design Principle
Queue what the user does not wait for.
`

// What the service serves reads the same in both forms.
func TestImportTextServes(t *testing.T) {
	text := strings.Replace(tinyText, "Request Flow - 4 Hops", "What the Service Serves\nResource: entry\nPlural: entries\nField: views\nRequest Flow - 4 Hops", 1)
	c, err := ImportText("tiny.txt", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if want := (&Serves{Resource: "entry", Plural: "entries", Field: "views"}); !reflect.DeepEqual(c.Serves, want) {
		t.Fatalf("serves %+v, want %+v", c.Serves, want)
	}
	back, err := Parse("tiny.yaml", Format(c))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("the YAML of the imported card reads back as\n%s", Format(back))
	}
}

func TestImportTextTinyCard(t *testing.T) {
	got, err := ImportText("tiny.txt", []byte(tinyText))
	if err != nil {
		t.Fatal(err)
	}
	want := &Card{
		Title:    "Tiny",
		Overview: "A tiny card over two lines.",
		Components: []Component{
			{Name: "User", Kind: KindClient, Description: "Sends requests"},
			{Name: "Service", Kind: KindService, Description: "Does the work"},
			{Name: "Queue", Kind: KindQueue, Description: "Holds events"},
			{Name: "Worker", Kind: KindWorker, Description: "Handles events"},
		},
		Flow: []Hop{
			{From: "User", To: "Service"},
			{From: "Service", To: "Queue"},
			{From: "Queue", To: "Worker", Async: true},
			{From: "Service", To: "User"},
		},
		Failure: &Failure{Component: "Worker", Impact: "Events wait", Mitigation: "Restart it"},
		Quiz: []Question{{ID: "card-q1", Prompt: "Why a queue?", Options: []Option{
			{Text: "To go faster"}, {Text: "To answer before the work is done", Correct: true},
		}}},
		Principle: "Queue what the user does not wait for.",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ImportText =\n%+v\nwant\n%+v", got, want)
	}
}

func TestImportTextReportsFileLineAndProblem(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		doc      string
		line     int
		want     string
	}{
		{name: "hop names a component not on the card", old: "ServiceQueue", new: "ServiceQeueu",
			line: 20, want: `hop 2 "ServiceQeueu" names "Qeueu", which is not a component on this card; did you mean "Queue"? (components: User, Service, Queue, Worker)`},
		{name: "hop starting with an unknown name", old: "ServiceQueue", new: "ServerQueue",
			line: 20, want: `hop 2 "ServerQueue" names "Server", which is not a component on this card`},
		{name: "hop with no known name", old: "ServiceQueue", new: "Nothing here",
			line: 20, want: `hop 2 "Nothing here" is not two component names run together (components: User, Service, Queue, Worker)`},
		{name: "serves line without a label", old: "Request Flow - 4 Hops", new: "What the Service Serves\nResource: message\nmessages\nRequest Flow - 4 Hops",
			line: 20, want: `"messages" in what the service serves: write its lines as "Resource: NOUN", "Plural: NOUNS" (optional) and "Field: NAME"`},
		{name: "serves without a field", old: "Request Flow - 4 Hops", new: "What the Service Serves\nResource: message\nRequest Flow - 4 Hops",
			line: 18, want: `serves names no field (the number of a row a write sets): write the lines "Resource: message" and "Field: reactions"`},
		{name: "a second resource line", old: "Request Flow - 4 Hops", new: "What the Service Serves\nResource: message\nResource: post\nRequest Flow - 4 Hops",
			line: 20, want: `a second "Resource:" line (first at line 19)`},
		{name: "hop count", old: "Request Flow - 4 Hops", new: "Request Flow - 5 Hops",
			line: 18, want: `"Request Flow - 5 Hops" announces 5 hops, but 4 follow`},
		{name: "more hops than announced", old: "UserService\nServiceQueue", new: "ServiceUser\nUserService\nServiceQueue",
			line: 18, want: `"Request Flow - 4 Hops" announces 4 hops, but 5 follow`},
		{name: "missing description", old: "Service\nservice\nDoes the work\n", new: "Service\nservice\n",
			line: 13, want: `"Holds events" is not a kind (one word like cache or load_balancer): each component takes three lines`},
		{name: "component without description at the end", old: "worker\nHandles events\n", new: "worker\n",
			line: 15, want: `component "Worker" has no description line`},
		{name: "duplicate component", old: "Worker\nworker\nHandles events\n", new: "Queue\nworker\nHandles events\n",
			line: 15, want: `component name "Queue" is used twice (components 3 and 4)`},
		{name: "no correct answer", old: "Answer: B\n", new: "",
			line: 29, want: `question 1 ("Why a queue?") has no correct answer: add a line like "Answer: B" after its options`},
		{name: "answer out of range", old: "Answer: B", new: "Answer: C",
			line: 32, want: `"Answer: C" names option C, but the question has options A to B`},
		{name: "two answers", old: "Answer: B\n", new: "Answer: B\nAnswer: A\n",
			line: 33, want: `a second Answer line for question "Why a queue?" (first at line 32)`},
		{name: "question without options", old: "ATo go faster\nBTo answer before the work is done\nAnswer: B\n", new: "",
			line: 29, want: `question 1 ("Why a queue?") has no options`},
		{name: "more questions than announced", old: "Answer: B\n", new: "Answer: B\nWhy not?\nABecause\nBWhy\nAnswer: A\n",
			line: 27, want: `"Architecture Quiz - 1 Question" announces 1 questions, but 2 follow`},
		{name: "failure line", old: "Impact:Events wait", new: "Impakt:Events wait",
			line: 25, want: `"Impakt:Events wait" in the failure scenario: write its lines as "Component Fails:NAME"`},
		{name: "failure names no component on the card", old: "Component Fails:Worker", new: "Component Fails:Wroker",
			line: 24, want: `the failure scenario names "Wroker", which is not a component on this card; did you mean "Worker"?`},
		{name: "two sections", old: "Design Principle\n", new: "Components\n",
			line: 33, want: `"Components" again (first at line 5): a card has one such section`},
		{name: "no title line", old: "System Overview - Tiny\n", new: "",
			want: `no "System Overview - TITLE" line`},
		{name: "empty title", old: "System Overview - Tiny", new: "System Overview -",
			line: 2, want: `the card has no title`},
		{name: "no components", old: "Components\n", new: "",
			want: `the card has no components: list them after a Components line`},
		{name: "no flow", old: "Request Flow - 4 Hops\nUserService\nServiceQueue\nQueueWorker\nServiceUser\n", new: "",
			want: `the card has no request flow: list its hops after a "Request Flow - N Hops" line`},
		{name: "fewer hops than announced", old: "QueueWorker\n", new: "",
			line: 18, want: `announces 4 hops, but 3 follow`},
		{name: "not UTF-8", old: "Sends requests", new: "Sends \xff requests",
			line: 8, want: `this line is not UTF-8 text`},
		{name: "empty", doc: "\n\n",
			want: `no "System Overview - TITLE" line`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := tt.doc
			if doc == "" {
				if !strings.Contains(tinyText, tt.old) {
					t.Fatalf("test edit %q not in tinyText", tt.old)
				}
				doc = strings.Replace(tinyText, tt.old, tt.new, 1)
			}
			_, err := ImportText("tiny.txt", []byte(doc))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("ImportText error = %v (%T), want a *card.Error", err, err)
			}
			if ce.File != "tiny.txt" || ce.Line != tt.line || !strings.Contains(ce.Msg, tt.want) {
				t.Errorf("ImportText error = %q\nwant tiny.txt:%d: ...%s...", err, tt.line, tt.want)
			}
		})
	}
}

func TestImportTextValidatesLikeYAML(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		line     int
		want     string
	}{
		{name: "flow not starting at the client", old: "UserService\nServiceQueue\nQueueWorker\nServiceUser", new: "ServiceUser\nUserService\nServiceQueue\nQueueWorker",
			line: 19, want: `the flow starts at "Service", not at the client "User"`},
		{name: "component nothing reaches", old: "QueueWorker\nServiceUser", new: "ServiceUser\nUserService",
			line: 15, want: `component "Worker" is never reached`},
		{name: "no client", old: "User\nclient\n", new: "User\nbrowser\n",
			line: 5, want: `no component is of kind client`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ImportText("tiny.txt", []byte(strings.Replace(tinyText, tt.old, tt.new, 1)))
			var ce *Error
			if !errors.As(err, &ce) || ce.Line != tt.line || !strings.Contains(ce.Msg, tt.want) {
				t.Errorf("ImportText error = %v, want tiny.txt:%d: ...%s...", err, tt.line, tt.want)
			}
		})
	}
}

func TestImportTextAmbiguousHop(t *testing.T) {
	doc := `System Overview - Ambiguous
Components
Web
client
The browser
Web Cache
cdn
An edge cache
Cache Store
cache
A store
Store
database
The database
Request Flow - 4 Hops
WebWeb Cache
Web CacheCache Store
Web Cache Store
Web -> Store
`
	_, err := ImportText("amb.txt", []byte(doc))
	want := `amb.txt:18: hop 3 "Web Cache Store" is ambiguous: it reads as "Web Cache" -> "Store" and as "Web" -> "Cache Store"; rename a component or write the hop as "Web Cache -> Store"`
	if err == nil || err.Error() != want {
		t.Errorf("ImportText error = %v\nwant %s", err, want)
	}
	c, err := ImportText("amb.txt", []byte(strings.Replace(doc, "Web Cache Store\n", "Web Cache -> Store\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if h := c.Flow[2]; h != (Hop{From: "Web Cache", To: "Store"}) {
		t.Errorf("hop 3 = %v, want Web Cache -> Store", h)
	}
}

func TestImportTextInfersTheAsyncChain(t *testing.T) {
	doc := strings.NewReplacer(
		"Request Flow - 4 Hops", "Request Flow - 6 Hops",
		"QueueWorker\n", "QueueWorker\nWorkerService\nServiceQueue\n",
	).Replace(tinyText)
	c, err := ImportText("tiny.txt", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var got []bool
	for _, h := range c.Flow {
		got = append(got, h.Async)
	}
	// Queue -> Worker -> Service -> Queue chains on from the queue; the
	// return Service -> User breaks the chain.
	if want := []bool{false, false, true, true, true, false}; !reflect.DeepEqual(got, want) {
		t.Errorf("async = %v, want %v", got, want)
	}
}

func TestImportTextQuestionLines(t *testing.T) {
	doc := strings.Replace(tinyText, "Architecture Quiz - 1 Question\nTest your understanding\nWhy a queue?\nATo go faster\nBTo answer before the work is done\nAnswer: B\n",
		`Architecture Quiz - 3 Questions
Yes or no?
AYes
BNo
Can a prompt start with the next letter?
AYes, when A and B follow it
BNo
Explanation A: The two lines after it tell.
Answer: A
ID: letters
Topic: format
Difficulty: hard
Does an option starting with A read right after metadata?
AYes
BAlso yes
Answer: B
`, 1)
	// "Can a prompt ..." starts with C, the letter question 1's next option
	// would have; the A and B lines after it make it the next prompt.
	key := &Card{Quiz: []Question{{Prompt: "Yes or no?", Options: []Option{{Text: "Yes", Correct: true}, {Text: "No"}}}}}
	c, err := ImportText("tiny.txt", []byte(doc), WithAnswerKey(key))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Quiz) != 3 || len(c.Quiz[0].Options) != 2 {
		t.Fatalf("quiz = %+v, want 3 questions, the first with 2 options", c.Quiz)
	}
	q := c.Quiz[1]
	want := Question{ID: "letters", Topic: "format", Difficulty: "hard", Prompt: "Can a prompt start with the next letter?", Options: []Option{
		{Text: "Yes, when A and B follow it", Correct: true, Explanation: "The two lines after it tell."}, {Text: "No"},
	}}
	if !reflect.DeepEqual(q, want) {
		t.Errorf("question 2 = %+v\nwant %+v", q, want)
	}
	if c.Quiz[2].ID != "card-q3" || c.Quiz[2].Answer() != 1 {
		t.Errorf("question 3 = %+v, want id card-q3 and answer B", c.Quiz[2])
	}

	// Without the key, question 1 has no answer.
	_, err = ImportText("tiny.txt", []byte(doc))
	if err == nil || !strings.Contains(err.Error(), `question 1 ("Yes or no?") has no correct answer`) {
		t.Errorf("ImportText error = %v, want question 1 without an answer", err)
	}
}

func TestAnswerKey(t *testing.T) {
	key, err := Parse("tiny.yaml", []byte(tinyYAML))
	if err != nil {
		t.Fatal(err)
	}
	key.Title = "Tiny"
	key.Quiz = append(key.Quiz,
		Question{ID: "tiny-2", Prompt: "Second?", Options: []Option{{Text: "a", Correct: true, Explanation: "ea"}, {Text: "b"}}},
		Question{ID: "tiny-3", Prompt: "Third?", Options: []Option{{Text: "c"}, {Text: "d", Correct: true}}},
	)
	key.Quiz[0].Topic = "queue"
	key.Quiz[0].Options[1].Explanation = "from the key"

	page := strings.NewReplacer(
		"Architecture Quiz - 1 Question", "Architecture Quiz - 3 Questions",
		"Why a queue?\nATo go faster\nBTo answer before the work is done\nAnswer: B\n",
		"WHY  the queue?\nATo answer first\nBto go FASTER\n",
	).Replace(tinyText)
	c, err := ImportText("tiny.txt", []byte(page), WithAnswerKey(key))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Quiz) != 3 {
		t.Fatalf("quiz has %d questions, want the page's one and two from the key", len(c.Quiz))
	}
	got := c.Quiz[0]
	want := Question{ID: "tiny-queue", Topic: "queue", Prompt: "WHY  the queue?", Options: []Option{
		{Text: "To answer first", Correct: true}, {Text: "to go FASTER", Explanation: "from the key"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("question 1 = %+v\nwant %+v", got, want)
	}
	if c.Quiz[1].ID != "tiny-2" || c.Quiz[2].ID != "tiny-3" {
		t.Errorf("filled questions = %s, %s, want tiny-2, tiny-3", c.Quiz[1].ID, c.Quiz[2].ID)
	}
	c.Quiz[1].Options[0].Text = "changed"
	if key.Quiz[1].Options[0].Text != "a" {
		t.Error("the imported card shares its options with the key")
	}

	// The page's own Answer line wins over the key.
	withAnswer := strings.Replace(page, "Bto go FASTER\n", "Bto go FASTER\nAnswer: B\n", 1)
	c, err = ImportText("tiny.txt", []byte(withAnswer), WithAnswerKey(key))
	if err != nil {
		t.Fatal(err)
	}
	if c.Quiz[0].Answer() != 1 {
		t.Errorf("answer = %d, want the page's B", c.Quiz[0].Answer())
	}

	// A key for another card answers nothing and fills nothing.
	other := *key
	other.Title = "Other"
	other.Quiz = []Question{key.Quiz[1], key.Quiz[2]}
	c, err = ImportText("tiny.txt", []byte(withAnswer), WithAnswerKey(&other))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Quiz) != 1 {
		t.Errorf("quiz has %d questions, want only the page's", len(c.Quiz))
	}
}

func TestDetectForm(t *testing.T) {
	tests := []struct {
		name, data string
		want       Form
	}{
		{"card.yaml", "System Overview - looks like text", FormYAML},
		{"card.YML", "", FormYAML},
		{"card.txt", "title: x", FormText},
		{"-", tinyText, FormText},
		{"card", "title: x\nflow: []\n", FormYAML},
		{"card", "junk\nRequest Flow - 3 Hops\n", FormText},
	}
	for _, tt := range tests {
		if got := DetectForm(tt.name, []byte(tt.data)); got != tt.want {
			t.Errorf("DetectForm(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
