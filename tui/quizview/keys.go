package quizview

import "github.com/charmbracelet/bubbles/key"

// KeyMap is the quiz's keys. Each screen enables only the keys that apply
// to it, so the help line always tells the truth.
type KeyMap struct {
	// Up and Down move the cursor over the options of a question, and
	// scroll the other screens when their text does not fit.
	Up   key.Binding
	Down key.Binding
	// Choose answers with the option under the cursor.
	Choose key.Binding
	// Answer answers by letter; its keys are set to the letters of the
	// current question's options. On a numeric question it types the
	// number instead (digits, a point or comma, a minus).
	Answer key.Binding
	// Erase deletes the last character of a number being typed.
	Erase key.Binding
	// Next leaves the feedback for the next question, or the results.
	Next key.Binding
	// Review opens the review of the misses from the results.
	Review key.Binding
	// PrevMiss and NextMiss step through the misses under review.
	PrevMiss key.Binding
	NextMiss key.Binding
	// Back leaves the review for the results.
	Back key.Binding
	// Quit ends the quiz: the model sends FinishedMsg and leaves quitting
	// to its owner. Progress is saved after every answer, so nothing is
	// lost.
	Quit key.Binding
}

// DefaultKeyMap returns the default keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Choose:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "answer")),
		Answer:   key.NewBinding(key.WithKeys(letterKeys(4)...), key.WithHelp("a-d", "answer")),
		Erase:    key.NewBinding(key.WithKeys("backspace"), key.WithHelp("⌫", "erase")),
		Next:     key.NewBinding(key.WithKeys("enter", "n", " "), key.WithHelp("enter", "next")),
		Review:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "review misses")),
		PrevMiss: key.NewBinding(key.WithKeys("left", "p"), key.WithHelp("←/p", "previous")),
		NextMiss: key.NewBinding(key.WithKeys("right", "n"), key.WithHelp("→/n", "next")),
		Back:     key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "results")),
		Quit:     key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
	}
}

// letterKeys are the keys that answer n options: a, b, ... and A, B, ...
func letterKeys(n int) []string {
	keys := make([]string, 0, 2*n)
	for i := range n {
		keys = append(keys, string(rune('a'+i)))
	}
	for i := range n {
		keys = append(keys, string(rune('A'+i)))
	}
	return keys
}

// numberKeys are the keys that type a number.
var numberKeys = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ".", ",", "-"}

// all returns pointers to every binding, for enabling them per screen.
func (k *KeyMap) all() []*key.Binding {
	return []*key.Binding{&k.Up, &k.Down, &k.Choose, &k.Answer, &k.Erase, &k.Next, &k.Review, &k.PrevMiss, &k.NextMiss, &k.Back, &k.Quit}
}

// ShortHelp returns the enabled keys, in the order the help line shows them.
func (k KeyMap) ShortHelp() []key.Binding {
	var out []key.Binding
	for _, b := range []key.Binding{k.Up, k.Down, k.Choose, k.Answer, k.Erase, k.Next, k.Review, k.PrevMiss, k.NextMiss, k.Back, k.Quit} {
		if b.Enabled() && b.Help().Key != "" {
			out = append(out, b)
		}
	}
	return out
}

// FullHelp returns the enabled keys in one column.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }
