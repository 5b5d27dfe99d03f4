package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every key the dashboard answers to.
type KeyMap struct {
	Step, KillCache, Help, Quit, Tab key.Binding

	KillDatabase, KillQueue, KillWorker, KillGateway, KillLB, Replica, CrashWorker key.Binding
	SelectUp, SelectDown, KillSelected, SlowSelected, FailSelected, HealSelected   key.Binding
	Breaker, Singleflight, Shedding, Algorithm                                     key.Binding
	LeverUp, LeverDown                                                             key.Binding

	Pause, Faster, Slower, Pattern key.Binding

	SpeedUp, SpeedDown, Panel, Theme, ScrollUp, ScrollDown key.Binding

	// Step mode, while a request is narrated (see step.go): space pauses
	// and resumes it (Step), these go hop by hop and end it.
	StepNext, StepBack, StepEnd key.Binding

	Reset, Next, Shot, Legend key.Binding

	// Failure is the key of the card's failure scenario for the footer: a
	// copy of the kill key of its component (c for a cache, w for a
	// worker ...), with the component's name in its help.
	Failure key.Binding
}

// DefaultKeyMap returns the dashboard's keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Step:      b([]string{" "}, "space", "send one request"),
		KillCache: b([]string{"c"}, "c", "kill/revive the cache"),
		Help:      b([]string{"?"}, "?", "all keys"),
		Quit:      b([]string{"q", "ctrl+c"}, "q", "quit"),
		Tab:       b([]string{"tab"}, "tab", "dashboard/quiz"),

		KillDatabase: b([]string{"d"}, "d", "kill/revive the database"),
		KillQueue:    b([]string{"m"}, "m", "kill/revive the queue"),
		KillWorker:   b([]string{"w"}, "w", "kill/revive the worker"),
		KillGateway:  b([]string{"g"}, "g", "kill/revive the gateway"),
		KillLB:       b([]string{"l"}, "l", "kill/revive the load balancer"),
		Replica:      b([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, "1-9", "kill/revive a service replica"),
		CrashWorker:  b([]string{"x"}, "x", "crash a worker mid-job"),

		SelectUp:     b([]string{"up", "k"}, "↑/↓", "select a component"),
		SelectDown:   b([]string{"down", "j"}, "↓", "select the next component"),
		KillSelected: b([]string{"enter"}, "enter", "kill/revive the selected"),
		SlowSelected: b([]string{"s"}, "s", "slow the selected (+20/+100 ms)"),
		FailSelected: b([]string{"f"}, "f", "fail calls of the selected (10/50%)"),
		HealSelected: b([]string{"h"}, "h", "heal the selected"),

		Breaker:      b([]string{"b"}, "b", "circuit breaker on/off"),
		Singleflight: b([]string{"y"}, "y", "singleflight on/off"),
		Shedding:     b([]string{"o"}, "o", "load shedding on/off (overload)"),
		Algorithm:    b([]string{"a"}, "a", "round-robin / least-connections"),
		LeverUp:      b([]string{"]"}, "[ ]", "less/more of the selected (its lever)"),
		LeverDown:    b([]string{"["}, "[", "less of the selected"),

		Pause:   b([]string{"p"}, "p", "pause/resume traffic"),
		Faster:  b([]string{"+", "="}, "+/-", "traffic rate"),
		Slower:  b([]string{"-", "_"}, "-", "less traffic"),
		Pattern: b([]string{"t"}, "t", "traffic pattern"),

		SpeedUp:    b([]string{">", "."}, "</>", "animation speed"),
		SpeedDown:  b([]string{"<", ","}, "<", "slower animation"),
		Panel:      b([]string{"v"}, "v", "next panel"),
		Theme:      b([]string{"T"}, "T", "high-contrast theme"),
		ScrollUp:   b([]string{"pgup"}, "pgup/pgdn", "scroll the panel"),
		ScrollDown: b([]string{"pgdown"}, "pgdn", "scroll down"),

		StepNext: b([]string{"right"}, "→/←", "narration: next/previous hop"),
		StepBack: b([]string{"left"}, "←", "narration: previous hop"),
		StepEnd:  b([]string{"esc"}, "esc", "end the narration"),

		Reset: b([]string{"r"}, "r", "reset the system to its start"),
		Next:  b([]string{"n"}, "n", "lesson: go on after a pause"),
		Shot:  b([]string{"S"}, "S", "save the screen (text, SVG)"),

		Legend: b([]string{"e"}, "e", "legend: what glyphs, edges, colours mean"),
	}
}

// stepHelp is the keys the footer offers while step mode tells a request:
// space pauses and plays it instead of sending another, the arrows go hop
// by hop, esc ends it.
type stepHelp struct{ KeyMap }

// ShortHelp is the step keys first.
func (h stepHelp) ShortHelp() []key.Binding {
	k := h.KeyMap
	step := k.Step
	step.SetHelp("space", "pause/play")
	return []key.Binding{step, k.StepNext, k.StepEnd, k.Pause, k.Help, k.Quit}
}

// ShortHelp is the line at the bottom: the keys that matter most, in few
// words (the help has the long ones), the way to all of them early (while a
// request is told, stepHelp's).
func (k KeyMap) ShortHelp() []key.Binding {
	out := []key.Binding{k.Step, k.Failure, k.Help, k.Pause, k.Panel, k.Legend, k.Quit}
	for i, short := range []string{"step", "", "all keys", "pause", "panel", "legend", "quit"} {
		if short != "" {
			out[i].SetHelp(out[i].Help().Key, short)
		}
	}
	return out
}

// FullHelp is the help screen, in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Step, k.StepNext, k.StepEnd, k.KillCache, k.KillDatabase, k.KillQueue, k.KillWorker, k.KillGateway, k.KillLB, k.Replica, k.CrashWorker},
		{k.SelectUp, k.LeverUp, k.KillSelected, k.SlowSelected, k.FailSelected, k.HealSelected, k.Breaker, k.Singleflight, k.Shedding, k.Algorithm, k.Reset},
		{k.Pause, k.Faster, k.Pattern, k.SpeedUp, k.Panel, k.ScrollUp, k.Legend, k.Theme, k.Tab, k.Shot, k.Next, k.Help, k.Quit},
	}
}
