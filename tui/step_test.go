package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/cards"
)

// playToTheEnd runs frames until the narration is told, collecting the
// sentences shown.
func playToTheEnd(t *testing.T, m *Model) []string {
	t.Helper()
	var seen []string
	now := t0
	for i := 0; i < 4000 && m.narrating(); i++ {
		if s := m.stepping.step().Text; len(seen) == 0 || seen[len(seen)-1] != s {
			seen = append(seen, s)
		}
		now = now.Add(50 * time.Millisecond)
		run(m, frameMsg(now))
	}
	if m.narrating() {
		t.Fatal("the narration never ended")
	}
	return seen
}

// Step mode tells one request on its own, every hop in turn: the
// synchronous path to the answer, then the background branch; told to the
// end, the last sentence stays and the traffic comes back.
func TestStepPlaysEveryHopAnswerFirst(t *testing.T) {
	f := newFake()
	m := newTestModel(f)
	press(m, "space")
	if !m.narrating() {
		t.Fatal("space did not start a narration")
	}
	seen := playToTheEnd(t, m)
	if len(seen) != 14 {
		t.Fatalf("told %d hops, want the 14 of a cold read:\n%s", len(seen), strings.Join(seen, "\n"))
	}
	answer := -1
	for i, s := range seen {
		if strings.HasPrefix(s, "User gets 200 OK") {
			answer = i
		}
	}
	if answer != 11 || !strings.HasPrefix(seen[12], "In the background, the user is not waiting: ") ||
		!strings.Contains(seen[13], "the background work is done") {
		t.Errorf("the answer is hop %d of the telling, want 12, then the background branch:\n%s", answer+1, strings.Join(seen, "\n"))
	}
	if m.stepping == nil || !m.stepping.done {
		t.Fatal("told to the end, the narration is gone")
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "Told to the end") {
		t.Errorf("the narration area does not stay after the end:\n%s", v)
	}
}

// One narrated request at a time: space during a narration pauses it and
// plays it again; it never sends a second request.
func TestSpaceDuringANarrationPausesIt(t *testing.T) {
	f := newFake()
	m := newTestModel(f)
	press(m, "space")
	press(m, "space")
	if m.stepping.auto {
		t.Fatal("space during a narration did not pause it")
	}
	at := m.stepping.i
	run(m, frameMsg(t0.Add(time.Minute)))
	if m.stepping.i != at {
		t.Errorf("a paused narration moved from hop %d to %d", at+1, m.stepping.i+1)
	}
	press(m, "space")
	if !m.stepping.auto {
		t.Error("space again did not play it")
	}
	if got := f.called(); got != "send 42" {
		t.Errorf("the system was asked %q, want one request (send 42)", got)
	}
	// Told to the end, space sends the next one.
	playToTheEnd(t, m)
	press(m, "space")
	if got := f.called(); got != "send 42; send 42" {
		t.Errorf("after the end, space asked %q, want a second request", got)
	}
}

// Hop by hop: → goes on (and stops the playing), ← goes back, past the
// last hop the narration is told, esc ends it.
func TestStepHopByHop(t *testing.T) {
	m := newTestModel(newFake())
	press(m, "space")
	press(m, "right")
	press(m, "right")
	if s := m.stepping; s.auto || s.i != 2 {
		t.Fatalf("two → : hop %d, playing %v; want hop 3, paused", s.i+1, s.auto)
	}
	if got := m.pn.card.Current(); got != 2 {
		t.Errorf("the card's list is on hop %d, want 3", got+1)
	}
	press(m, "left")
	press(m, "left")
	press(m, "left")
	if m.stepping.i != 0 {
		t.Errorf("← three times from hop 3: hop %d, want 1", m.stepping.i+1)
	}
	run(m, frameMsg(t0.Add(time.Minute)))
	if m.stepping.i != 0 {
		t.Errorf("hop by hop, the narration moved on its own to hop %d", m.stepping.i+1)
	}
	for range 13 {
		press(m, "right")
	}
	if m.stepping.i != 13 || !strings.Contains(m.stepping.step().Text, "background work is done") {
		t.Errorf("after 13 →: hop %d %q", m.stepping.i+1, m.stepping.step().Text)
	}
	press(m, "right")
	if !m.stepping.done {
		t.Error("→ on the last hop did not end the telling")
	}
	press(m, "left")
	if m.stepping.done || m.stepping.i != 13 {
		t.Error("← after the end did not go back to the last hop")
	}
	press(m, "esc")
	if m.stepping != nil {
		t.Error("esc did not end the narration")
	}
}

// The narration area wraps: at 80 columns every word of the sentence is on
// screen, none cut; a hint asks to pause the traffic while it runs.
func TestNarrationWrapsAndHintsAtPausing(t *testing.T) {
	f := newFake()
	m := New(f, Options{Now: func() time.Time { return t0 }, NoTick: true})
	run(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	run(m, frameMsg(t0))
	press(m, "space")
	for range 5 {
		press(m, "right") // the database's query, a long sentence
	}
	text := m.stepping.step().Text
	if len(text) < 60 {
		t.Fatalf("hop 6's sentence %q is too short to test wrapping", text)
	}
	screen := ansi.Strip(m.View())
	var joined []string
	for _, line := range strings.Split(screen, "\n") {
		joined = append(joined, strings.Fields(line)...)
	}
	all := " " + strings.Join(joined, " ") + " "
	for _, w := range strings.Fields(text) {
		if !strings.Contains(all, " "+w+" ") {
			t.Errorf("word %q of the sentence is not whole on the 80x24 screen:\n%s", w, screen)
		}
	}
	if !strings.Contains(screen, "Traffic is running") {
		t.Errorf("traffic runs and no hint to pause it:\n%s", screen)
	}
	f.snap.Requests.Paused = true
	run(m, frameMsg(t0.Add(time.Second)))
	if strings.Contains(ansi.Strip(m.View()), "Traffic is running") {
		t.Error("the traffic is paused and the hint still asks to pause it")
	}
}

// The told request looks unlike any packet: its hop in heavy lines and its
// packet in the highlight.
func TestStepHighlightsTheToldRequest(t *testing.T) {
	m := newTestModel(newFake())
	press(m, "space")
	press(m, "right") // hop 2, Load Balancer -> API Gateway, drawn in full once it has moved
	run(m, frameMsg(t0.Add(10*time.Second)))
	m.View()
	heavy, lit := 0, 0
	for y := 0; y < m.frame.H; y++ {
		for x := 0; x < m.frame.W; x++ {
			if strings.ContainsRune("━┃┏┓┗┛", m.frame.At(x, y)) {
				heavy++
			}
			if m.frame.InkAt(x, y) == inkStep {
				lit++
			}
		}
	}
	if lit == 0 {
		t.Error("nothing on the diagram is in the step's highlight")
	}
	_ = heavy // a one-cell edge (↕) has no line to thicken; the glyph carries it
	// A longer edge is drawn heavy: the Service Layer's call to the Database.
	for range 3 {
		press(m, "right")
	}
	run(m, frameMsg(t0.Add(20*time.Second)))
	m.View()
	heavy = 0
	for y := 0; y < m.frame.H; y++ {
		for x := 0; x < m.frame.W; x++ {
			if strings.ContainsRune("━┃┏┓┗┛", m.frame.At(x, y)) {
				heavy++
			}
		}
	}
	if heavy == 0 {
		t.Errorf("the told hop %q is not drawn in heavy lines:\n%s", m.stepping.step().Text, ansi.Strip(m.View()))
	}
}

// The event log gets one line per told request, not one per hop.
func TestStepLogsOneLine(t *testing.T) {
	m := newTestModel(newFake())
	press(m, "space")
	playToTheEnd(t, m)
	var narrated int
	for _, e := range m.pn.log.Entries() {
		if strings.HasPrefix(e.Text, "narrated: ") {
			narrated++
		}
	}
	if narrated != 1 {
		t.Errorf("%d log lines for one told request, want 1", narrated)
	}
}

// Another card's request is told in its words.
func TestStepSpeaksTheCardsWords(t *testing.T) {
	c, err := cards.Load("chat.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(newFakeCard(c))
	press(m, "space")
	seen := strings.Join(playToTheEnd(t, m), "\n")
	for _, want := range []string{"GET message 42", "message.viewed", "FROM messages"} {
		if !strings.Contains(seen, want) {
			t.Errorf("the chat card's narration lacks %q:\n%s", want, seen)
		}
	}
	if strings.Contains(seen, "product") {
		t.Errorf("the chat card's narration speaks of products:\n%s", seen)
	}
}

// The step keys are in the help, and the footer's keys follow the
// narration: while a request is told, they are the step keys.
func TestStepKeysInTheHelp(t *testing.T) {
	k := DefaultKeyMap()
	has := func(bs []key.Binding, want key.Binding) bool {
		for _, b := range bs {
			if b.Help() == want.Help() {
				return true
			}
		}
		return false
	}
	var all []key.Binding
	for _, col := range k.FullHelp() {
		all = append(all, col...)
	}
	for _, b := range []key.Binding{k.Step, k.StepNext, k.StepEnd} {
		if !has(all, b) {
			t.Errorf("the help screen lacks %q", b.Help().Key)
		}
	}
	m := newTestModel(newFake())
	if has(m.helpKeys().ShortHelp(), k.StepNext) {
		t.Error("the footer shows the step keys with nothing told")
	}
	press(m, "space")
	short := m.helpKeys().ShortHelp()
	if !has(short, k.StepNext) || !has(short, k.StepEnd) || short[0].Help().Desc != "pause/play" {
		t.Errorf("while a request is told the footer shows %v", short)
	}
	press(m, "esc")
	if has(m.helpKeys().ShortHelp(), k.StepNext) {
		t.Error("the narration ended and the footer still shows the step keys")
	}
}
