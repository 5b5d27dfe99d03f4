package card

import (
	"os"
	"strings"
	"testing"
)

// A page as published marks no answers: with AllowUnanswered it reads, each
// such question told once with its line, kept with no option correct.
func TestAllowUnansweredText(t *testing.T) {
	data, err := os.ReadFile("../testdata/group-chat-page.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ImportText("page.txt", data); err == nil || !strings.Contains(err.Error(), "has no correct answer") {
		t.Fatalf("without the option: %v", err)
	}
	var warned []string
	c, err := ImportText("page.txt", data, AllowUnanswered(func(e *Error) { warned = append(warned, e.Error()) }))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`page.txt:67: question 1 ("Why does this group chat have no cache in front of its Mess…") has no answer marked: it is left out of the scored quiz; to ask it, add a line like "Answer: B" after its options`,
		`page.txt:72: question 2 ("Why does the Chat Service hand each message to the Delivery…") has no answer marked`,
		`page.txt:77: question 3 ("If the Fan-out Worker stops for five minutes, what happens …") has no answer marked`,
	}
	if len(warned) != len(want) {
		t.Fatalf("warnings:\n%s", strings.Join(warned, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(warned[i], want[i]) {
			t.Errorf("warning %d\n got %s\nwant %s...", i+1, warned[i], want[i])
		}
	}
	if len(c.Quiz) != 3 || c.Quiz[0].Answered() || len(c.Quiz[0].Options) != 4 || c.Quiz[0].ID != "card-q1" {
		t.Errorf("quiz %+v", c.Quiz)
	}
}

// The same holds for YAML, whose Format output of such a card reads back.
func TestAllowUnansweredYAML(t *testing.T) {
	data, _ := os.ReadFile("../testdata/group-chat-page.txt")
	c, err := ImportText("page.txt", data, AllowUnanswered(nil))
	if err != nil {
		t.Fatal(err)
	}
	yaml := Format(c)
	if _, err := Parse("card.yaml", yaml); err == nil || !strings.Contains(err.Error(), "mark one option with correct: true") {
		t.Fatalf("without the option: %v", err)
	}
	n := 0
	back, err := Read("card.yaml", yaml, AllowUnanswered(func(e *Error) {
		n++
		if !strings.Contains(e.Error(), "to ask it, mark one option with correct: true") {
			t.Errorf("a YAML card's warning speaks of the text form: %v", e)
		}
	}))
	if err != nil || n != 3 || len(back.Quiz) != 3 {
		t.Fatalf("read back: %v, %d warnings", err, n)
	}
	// Other problems stay errors.
	bad := strings.Replace(string(yaml), "- text: So the sender is answered at once", "- correct: true\n        text: So the sender is answered at once", 1)
	bad = strings.Replace(bad, "- text: The queue keeps the messages", "- correct: true\n        text: The queue keeps the messages", 1)
	if _, err := Parse("card.yaml", []byte(bad), AllowUnanswered(nil)); err == nil || !strings.Contains(err.Error(), "has 2 correct answers") {
		t.Errorf("two correct answers with the option: %v", err)
	}
}
