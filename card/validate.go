package card

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// source says where a card came from, so that a validation error names the
// file and the line and phrases its fix in the card's own form.
type source struct {
	file string
	pos  positions
	// text is set for the text form, whose fixes read differently
	// ("add a line Answer: B" rather than "correct: true").
	text bool
	// unanswered, when set, is told of each question with no answer
	// marked, which then passes (AllowUnanswered).
	unanswered func(*Error)
}

func (s source) errorf(path, format string, args ...any) *Error {
	return &Error{File: s.file, Line: s.pos.line(path), Msg: msgf(format, args...)}
}

// Validate checks that c is a card archex can run, draw and ask:
//
//   - it has a title, at least one component and a request flow;
//   - every component has a name (one line, no spaces around it) and a kind
//     (one word); names are unique; replicas and capacity are not negative
//     and a latency's jitter is not larger than its base; exactly one
//     component is of kind client;
//   - every hop names two different components on the card; hop 1 leaves
//     the client and every later hop leaves a component an earlier hop
//     reached; every component other than the client is reached by a hop;
//   - it has at most MaxComponents components and MaxHops hops;
//   - no hop calls back into a component still waiting on the request
//     (checkCalls);
//   - async hops form the branch that forks at a queue: an async hop leaves
//     the component the previous hop went to (a contiguous chain), and the
//     first hop of a chain leaves a component of kind queue right after a
//     synchronous hop into it. Conversely a hop that leaves a queue right
//     after the synchronous hop into it must be async: a queue's consumers
//     work after the user has the response;
//   - what the service serves, if the card says, is a resource and a field
//     (and maybe a plural), each one lower-case word (checkServes);
//   - the failure scenario, if any, names a component on the card;
//   - every quiz question has an id (unique on the card), a prompt, at least
//     two options with text and exactly one correct option.
//
// Unknown kinds are fine: they run as generic hops. Validate returns the
// first problem as an *Error; Parse, ImportText and Load return validated
// cards and report problems with their file and line.
func Validate(c *Card) error {
	if err := validate(c, source{}); err != nil {
		return err
	}
	return nil
}

// validate returns the first problem with c, or nil.
func validate(c *Card, src source) *Error {
	for _, check := range []func(*Card, source) *Error{
		checkTitle, checkLimits, checkServes, checkComponents, checkFlow, checkAsync, checkCalls, checkReached, checkFailure, checkQuiz,
	} {
		if err := check(c, src); err != nil {
			return err
		}
	}
	return nil
}

func checkTitle(c *Card, src source) *Error {
	if strings.TrimSpace(c.Title) == "" {
		if src.text {
			return src.errorf("title", `the card has no title: add a line "System Overview - TITLE"`)
		}
		return src.errorf("title", "the card has no title: add title: at the top")
	}
	return nil
}

func checkComponents(c *Card, src source) *Error {
	if len(c.Components) == 0 {
		if src.text {
			return src.errorf("components", "the card has no components: list them after a Components line, three lines each (name, kind, description)")
		}
		return src.errorf("components", "the card has no components: list them under components:, each with a name and a kind")
	}
	seen := map[string]int{}
	var client *Component
	for i := range c.Components {
		comp := &c.Components[i]
		path := index("components", i)
		if comp.Name == "" {
			return src.errorf(path, "component %d has no name", i+1)
		}
		if first, ok := seen[comp.Name]; ok {
			return src.errorf(field(path, "name"), "component name %q is used twice (components %d and %d): names must be unique", comp.Name, first+1, i+1)
		}
		seen[comp.Name] = i
		if strings.IndexFunc(comp.Name, unicode.IsControl) >= 0 || comp.Name != strings.TrimSpace(comp.Name) {
			return src.errorf(field(path, "name"), "component name %q has a line break, a tab or spaces around it: a name is one line of words", comp.Name)
		}
		if comp.Kind == "" {
			return src.errorf(path, "component %q has no kind: use one of %s, or any one word for a generic stage (cdn, search ...)", comp.Name, kindList())
		}
		if k := string(comp.Kind); strings.IndexFunc(k, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			hint := ""
			if near := closest(k, knownKindNames()); near != "" {
				hint = fmt.Sprintf("; did you mean %s?", near)
			}
			return src.errorf(field(path, "kind"), "component %q has kind %q, which is not one word%s (kinds: %s, or any one word for a generic stage)", comp.Name, k, hint, kindList())
		}
		if comp.Replicas < 0 {
			return src.errorf(field(path, "replicas"), "component %q has %d replicas: use 0 (the kind's default) or more", comp.Name, comp.Replicas)
		}
		if comp.Capacity < 0 {
			return src.errorf(field(path, "capacity"), "component %q has capacity %d: use 0 (the kind's default) or more", comp.Name, comp.Capacity)
		}
		if l := comp.Latency; l != nil {
			lp := field(path, "latency")
			switch {
			case l.Base < 0 || l.Jitter < 0:
				return src.errorf(lp, "component %q has a negative latency (base %v, jitter %v)", comp.Name, l.Base.D(), l.Jitter.D())
			case l.Jitter > l.Base:
				return src.errorf(lp, "component %q has latency jitter %v larger than its base %v: work would take negative time; make the jitter at most the base", comp.Name, l.Jitter.D(), l.Base.D())
			}
		}
		if comp.Kind == KindClient {
			if client != nil {
				return src.errorf(field(path, "kind"), "components %q and %q are both of kind client: a card has one client, where the request flow starts", client.Name, comp.Name)
			}
			client = comp
		}
	}
	if client == nil {
		return src.errorf("components", "no component is of kind client: add one (e.g. User, kind client); the request flow starts there")
	}
	return nil
}

func knownKindNames() []string {
	names := make([]string, len(KnownKinds))
	for i, k := range KnownKinds {
		names[i] = string(k)
	}
	return names
}

func kindList() string {
	names := knownKindNames()
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func componentNames(c *Card) []string {
	names := make([]string, 0, len(c.Components))
	for _, comp := range c.Components {
		names = append(names, comp.Name)
	}
	return names
}

// nameList lists the card's components for a message, each name cut to an
// excerpt.
func nameList(c *Card) string {
	names := componentNames(c)
	for i, n := range names {
		names[i] = cut(n, maxQuote)
	}
	return strings.Join(names, ", ")
}

// notOnCard says that name is not a component, suggesting the likely one.
func notOnCard(c *Card, name string) string {
	names := componentNames(c)
	hint := ""
	if near := closest(name, names); near != "" {
		hint = msgf("; did you mean %q?", near)
	}
	return msgf("%q, which is not a component on this card%s (components: %s)", name, hint, nameList(c))
}

func checkFlow(c *Card, src source) *Error {
	if len(c.Flow) == 0 {
		if src.text {
			return src.errorf("flow", `the card has no request flow: list its hops after a "Request Flow - N Hops" line`)
		}
		return src.errorf("flow", "the card has no request flow: list its hops under flow:, like - {from: User, to: Load Balancer}")
	}
	client := c.ByKind(KindClient)[0].Name
	kinds := kindsByName(c)
	reached := map[string]bool{client: true}
	for i, h := range c.Flow {
		path := index("flow", i)
		switch {
		case h.From == "":
			return src.errorf(path, "hop %d has no from", i+1)
		case h.To == "":
			return src.errorf(path, "hop %d has no to", i+1)
		}
		if _, ok := kinds[h.From]; !ok {
			return src.errorf(field(path, "from"), "hop %d names %s", i+1, notOnCard(c, h.From))
		}
		if _, ok := kinds[h.To]; !ok {
			return src.errorf(field(path, "to"), "hop %d names %s", i+1, notOnCard(c, h.To))
		}
		switch {
		case h.From == h.To:
			return src.errorf(path, "hop %d goes from %q to itself", i+1, h.From)
		case i == 0 && h.From != client:
			return src.errorf(path, "the flow starts at %q, not at the client %q: hop 1 must leave the client", h.From, client)
		case !reached[h.From]:
			return src.errorf(path, "hop %d leaves %q, which no earlier hop reaches: the request has to get there first", i+1, h.From)
		}
		reached[h.To] = true
	}
	return nil
}

// kindsByName maps each component's name to its kind (the first, if two
// share a name), so that checking a long flow stays linear.
func kindsByName(c *Card) map[string]Kind {
	kinds := make(map[string]Kind, len(c.Components))
	for _, comp := range c.Components {
		if _, dup := kinds[comp.Name]; !dup {
			kinds[comp.Name] = comp.Kind
		}
	}
	return kinds
}

func checkAsync(c *Card, src source) *Error {
	kinds := kindsByName(c)
	for i, h := range c.Flow {
		path := index("flow", i)
		if i == 0 {
			if h.Async {
				return src.errorf(path, "hop 1 is async: the request starts synchronously at the client; an async branch forks later, at a queue")
			}
			continue
		}
		prev := c.Flow[i-1]
		intoQueue := !prev.Async && kinds[prev.To] == KindQueue
		switch {
		case h.Async && h.From != prev.To:
			return src.errorf(path, "hop %d (%s) is async but does not leave %q, where hop %d arrived: an async branch is a chain, each hop leaving where the previous one arrived", i+1, h, prev.To, i)
		case h.Async && !prev.Async && !intoQueue:
			return src.errorf(path, "hop %d (%s) is async, but hop %d (%s) does not publish to a queue: an async branch starts at a queue, right after the hop into it", i+1, h, i, prev)
		case !h.Async && intoQueue && h.From == prev.To:
			return src.errorf(path, "hop %d (%s) leaves the queue %q right after the request published to it: mark it async: true (a queue's consumers work after the user has the response)", i+1, h, h.From)
		}
	}
	return nil
}

func checkReached(c *Card, src source) *Error {
	reached := map[string]bool{}
	for _, h := range c.Flow {
		reached[h.To] = true
	}
	for i, comp := range c.Components {
		if comp.Kind != KindClient && !reached[comp.Name] {
			return src.errorf(index("components", i), "component %q is never reached: no hop of the flow goes to it; add it to the flow or remove it", comp.Name)
		}
	}
	return nil
}

func checkFailure(c *Card, src source) *Error {
	f := c.Failure
	if f == nil {
		return nil
	}
	if f.Component == "" {
		if src.text {
			return src.errorf("failure", `the failure scenario names no component: add a line "Component Fails:NAME"`)
		}
		return src.errorf("failure", "the failure scenario names no component: add component: NAME")
	}
	if _, ok := c.Component(f.Component); !ok {
		return src.errorf(field("failure", "component"), "the failure scenario names %s", notOnCard(c, f.Component))
	}
	return nil
}

func checkQuiz(c *Card, src source) *Error {
	ids := map[string]int{}
	for qi, q := range c.Quiz {
		path := index("quiz", qi)
		n := qi + 1
		if strings.TrimSpace(q.Prompt) == "" {
			return src.errorf(path, "question %d has no prompt", n)
		}
		if q.ID == "" {
			return src.errorf(path, "question %d (%s) has no id", n, short(q.Prompt))
		}
		if first, ok := ids[q.ID]; ok {
			return src.errorf(field(path, "id"), "question id %q is used twice (questions %d and %d): ids must be unique", q.ID, first+1, n)
		}
		ids[q.ID] = qi
		if len(q.Options) < 2 {
			return src.errorf(path, "question %d (%s) has %d option(s): a question needs at least two", n, short(q.Prompt), len(q.Options))
		}
		var correct []string
		for oi, o := range q.Options {
			if strings.TrimSpace(o.Text) == "" {
				return src.errorf(index(field(path, "options"), oi), "option %s of question %d has no text", letter(oi), n)
			}
			if o.Correct {
				correct = append(correct, letter(oi))
			}
		}
		switch {
		case len(correct) == 0 && src.unanswered != nil:
			src.unanswered(src.unansweredWarning(path, n, q))
		case len(correct) == 0 && src.text:
			return src.errorf(path, `question %d (%s) has no correct answer: add a line like "Answer: B" after its options`, n, short(q.Prompt))
		case len(correct) == 0:
			return src.errorf(path, "question %d (%s) has no correct answer: mark one option with correct: true", n, short(q.Prompt))
		case len(correct) > 1:
			return src.errorf(path, "question %d (%s) has %d correct answers (%s): mark exactly one", n, short(q.Prompt), len(correct), strings.Join(correct, ", "))
		}
	}
	return nil
}

// short quotes s for a message, cut to a readable length.
func short(s string) string { return strconv.Quote(cut(s, maxQuote)) }
