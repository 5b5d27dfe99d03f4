package card

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loopYAML is a flow that calls back into the load balancer, which is
// still waiting on the request.
const loopYAML = `title: Loop
components:
  - {name: User, kind: client}
  - {name: Load Balancer, kind: load_balancer}
  - {name: Gateway, kind: api_gateway}
  - {name: Service, kind: service}
  - {name: Database, kind: database}
flow:
  - {from: User, to: Load Balancer}
  - {from: Load Balancer, to: Gateway}
  - {from: Gateway, to: Service}
  - {from: Service, to: Load Balancer}
  - {from: Load Balancer, to: Gateway}
  - {from: Gateway, to: Service}
  - {from: Service, to: Database}
  - {from: Database, to: Service}
  - {from: Service, to: Gateway}
  - {from: Gateway, to: Load Balancer}
  - {from: Load Balancer, to: User}
`

func TestAFlowThatCallsBackIntoAWaitingComponentIsRefused(t *testing.T) {
	_, err := Parse("loop.yaml", []byte(loopYAML))
	want := `loop.yaml:12: hop 4 (Service -> Load Balancer) calls "Load Balancer", which is still waiting on this request (hop 1 called it): ` +
		`the request would loop back into a component on its way; if the hop is a reply, it goes to "Gateway", which called "Service"`
	if err == nil || err.Error() != want {
		t.Errorf("Parse error = %v\nwant %s", err, want)
	}
	// A reply that skips a step back is the same mistake, and says so.
	skip := strings.Replace(loopYAML, `  - {from: Service, to: Load Balancer}
  - {from: Load Balancer, to: Gateway}
  - {from: Gateway, to: Service}
`, "", 1)
	skip = strings.Replace(skip, "  - {from: Service, to: Gateway}\n  - {from: Gateway, to: Load Balancer}\n  - {from: Load Balancer, to: User}\n", "  - {from: Service, to: User}\n", 1)
	if _, err := Parse("skip.yaml", []byte(skip)); err == nil || !strings.Contains(err.Error(), `hop 6 (Service -> User) calls "User", which is still waiting on this request (it sent the request): `) ||
		!strings.Contains(err.Error(), `it goes to "Gateway"`) {
		t.Errorf("Parse error = %v, want hop 6 refused, pointing to the Gateway", err)
	}
	// The same flow, answered on the way back, runs.
	ok := strings.Replace(loopYAML, `  - {from: Service, to: Load Balancer}
  - {from: Load Balancer, to: Gateway}
  - {from: Gateway, to: Service}
`, "", 1)
	if _, err := Parse("ok.yaml", []byte(ok)); err != nil {
		t.Errorf("the flow without the loop: %v", err)
	}
}

// chainYAML is a card of n components in a chain, there and back.
func chainYAML(n int) string {
	var b strings.Builder
	b.WriteString("title: Chain\ncomponents:\n  - {name: User, kind: client}\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "  - {name: Stage %d, kind: cdn}\n", i)
	}
	b.WriteString("flow:\n")
	prev := "User"
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "  - {from: %s, to: Stage %d}\n", prev, i)
		prev = fmt.Sprintf("Stage %d", i)
	}
	for i := n - 1; i > 0; i-- {
		next := fmt.Sprintf("Stage %d", i-1)
		if i == 1 {
			next = "User"
		}
		fmt.Fprintf(&b, "  - {from: Stage %d, to: %s}\n", i, next)
	}
	return b.String()
}

func TestCardLimits(t *testing.T) {
	if _, err := Parse("20.yaml", []byte(chainYAML(MaxComponents))); err != nil {
		t.Errorf("%d components: %v", MaxComponents, err)
	}
	_, err := Parse("21.yaml", []byte(chainYAML(MaxComponents+1)))
	if want := "21.yaml:23: the card has 21 components; archex runs at most 20"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("21 components: %v, want %s", err, want)
	}
	// 20 components, the flow there and back three times over.
	c, err := Parse("20.yaml", []byte(chainYAML(MaxComponents)))
	if err != nil {
		t.Fatal(err)
	}
	for len(c.Flow) <= MaxHops {
		c.Flow = append(c.Flow, c.Flow[:2*(MaxComponents-1)]...)
	}
	if err := Validate(c); err == nil || !strings.HasPrefix(err.Error(), fmt.Sprintf("the flow has %d hops; archex runs at most 64", len(c.Flow))) {
		t.Errorf("%d hops: %v", len(c.Flow), err)
	}
	for _, read := range []func(string, []byte) (*Card, error){func(n string, d []byte) (*Card, error) { return Parse(n, d) }, func(n string, d []byte) (*Card, error) { return ImportText(n, d) }} {
		_, err := read("big.txt", make([]byte, MaxFileSize+1))
		if want := "big.txt: the file is 262,145 bytes; a card file is at most 262,144 (256 KiB"; err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("a file of %d bytes: %v, want %s", MaxFileSize+1, err, want)
		}
	}
}

// A 50 MB file is refused without being read, in one short line.
func TestLoadRefusesAHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(50 << 20)
	f.Close()
	_, err = Load(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+": the file is 52,428,800 bytes") || len(err.Error()) > 300 {
		t.Errorf("Load: %v", err)
	}
}

// An error quotes a short excerpt of the input, however long the input.
func TestErrorsQuoteAShortExcerpt(t *testing.T) {
	long := strings.Repeat("x", 200_000)
	for _, tc := range []struct {
		name, doc string
		text      bool // the text form
		quotes    bool // the error quotes the long value
	}{
		{name: "a long name", doc: strings.Replace(tinyYAML, "{from: Service, to: Cache}", "{from: Service, to: "+long+"}", 1), quotes: true},
		{name: "a long field", doc: strings.Replace(tinyYAML, "title: Tiny", long+": Tiny", 1)},
		{name: "a long value", doc: strings.Replace(tinyYAML, "{name: Service, kind: service}", "{name: Service, kind: service, replicas: "+long+"}", 1), quotes: true},
		{name: "a long kind", doc: strings.Replace(tinyYAML, "kind: service}", "kind: "+long+" x}", 1), quotes: true},
		{name: "a long failure", doc: strings.Replace(tinyYAML, "component: Cache", "component: "+long, 1), quotes: true},
		{name: "a long first line", doc: long + "\n", text: true},
		{name: "a long hop", doc: strings.Replace(tinyText, "QueueWorker", long, 1), text: true, quotes: true},
		{name: "a long kind line", doc: strings.Replace(tinyText, "\nqueue\n", "\n"+long+" x\n", 1), text: true, quotes: true},
	} {
		var err error
		if tc.text {
			_, err = ImportText("long.txt", []byte(tc.doc))
		} else {
			_, err = Parse("long.yaml", []byte(tc.doc))
		}
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		msg := err.Error()
		if len(msg) > 500 || (tc.quotes && !strings.Contains(msg, "xxxxx")) {
			t.Errorf("%s: an error of %d bytes: %.300s", tc.name, len(msg), msg)
		}
	}
}
