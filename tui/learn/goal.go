package learn

import (
	"fmt"
	"strings"
	"time"

	"github.com/archex/archex/challenge"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/tui/narrate"
)

// goalPanel is the challenge's panel on the dashboard: where the run
// stands, each condition with its value and ✓ or ✗, the budget, the levers,
// the hints revealed, and after the run the verdict and what next.
type goalPanel struct {
	a *App
	p *play
}

func (g *goalPanel) Title() string { return fmt.Sprintf("challenge %d: goal", g.p.c.Number) }

// recentSeconds is how many seconds the readings cover while warming up.
const recentSeconds = 3

func (g *goalPanel) View(w, h int) string {
	a, p := g.a, g.p
	s, c := a.styles, p.c
	now := a.opts.Now()
	phase := p.attempt.Phase(now)
	_, left := p.attempt.Clock(now)
	var out []string
	add := func(style func(...string) string, text string) {
		for _, l := range narrate.Wrap(text, w) {
			out = append(out, style(l))
		}
	}
	add(s.Bold.Render, c.Title)
	v := p.attempt.Verdict()
	switch phase {
	case challenge.Ready:
		add(s.Accent.Render, "▶ enter starts the traffic and the clock; turn levers first if you like")
	case challenge.Warmup:
		add(s.Accent.Render, fmt.Sprintf("warming up: the %s window opens in %s", secs(c.Goal.Window), secs(left)))
		v = g.recent()
	case challenge.Measuring:
		add(s.Accent.Render, fmt.Sprintf("measuring: %s left of %s", secs(left), secs(c.Goal.Window)))
	case challenge.Finished:
		if v.Passed {
			add(s.Up.Render, "✓ PASSED")
		} else {
			add(s.Down.Render, "✗ FAILED")
		}
	}
	for _, r := range v.Readings {
		mark, style := "·", s.Muted.Render
		switch {
		case r.Measured && r.Met:
			mark, style = "✓", s.Up.Render
		case r.Measured:
			mark, style = "✗", s.Down.Render
		}
		add(style, fmt.Sprintf("%s %s: %s", mark, r.Condition.Text, r.ValueText()))
	}
	if phase == challenge.Warmup {
		add(s.Muted.Render, fmt.Sprintf("(the last %d s; the window counts from %s)", recentSeconds, secs(c.Goal.Warmup)))
	}
	if phase != challenge.Finished || !v.Passed {
		add(s.Text.Render, fmt.Sprintf("budget: %d of %s spent", p.attempt.Spent(), challenge.Credits(c.Budget)))
		add(s.Muted.Render, "levers: "+strings.Join(c.Levers, ", ")+leverKeys(c))
	}
	out = append(out, g.after(phase, v.Passed, w)...)
	return strings.Join(fitTo(out, h), "\n")
}

// recent reads the goal over the last seconds, for a look before the
// window opens.
func (g *goalPanel) recent() challenge.Verdict {
	hist := g.p.attempt.Engine().History()
	from := max(len(hist)-recentSeconds, 0)
	var before *engine.Second
	if from > 0 {
		before = &hist[from-1]
	}
	var v challenge.Verdict
	for _, cond := range g.p.c.Goal.Conditions {
		v.Readings = append(v.Readings, cond.Read(hist[from:], before, challenge.NoisyKey))
	}
	return v
}

// after is what follows the conditions: the hint, then after the run the
// explanation or the way on.
func (g *goalPanel) after(phase challenge.Phase, passed bool, w int) []string {
	a, p := g.a, g.p
	s, c := a.styles, p.c
	var out []string
	add := func(style func(...string) string, text string) {
		for _, l := range narrate.Wrap(text, w) {
			out = append(out, style(l))
		}
	}
	if p.status != "" {
		add(s.Accent.Render, p.status)
	}
	switch {
	case phase == challenge.Finished && passed:
		add(s.Bold.Render, "n: next challenge · r: again · i: why it works · esc: the path")
		out = append(out, "")
		add(s.Text.Render, c.Explanation)
		return out
	case phase == challenge.Finished:
		add(s.Bold.Render, "r: try again (a fresh system) · esc: the path")
	}
	if p.hints > 0 {
		add(s.Accent.Render, fmt.Sprintf("hint %d of %d:", p.hints, len(c.Hints)))
		add(s.Text.Render, c.Hints[p.hints-1])
	} else {
		add(s.Muted.Render, fmt.Sprintf("h: a hint (%d)", len(c.Hints)))
	}
	return out
}

// leverKeys says how the challenge's levers are turned on the dashboard.
func leverKeys(c *challenge.Challenge) string {
	keys := map[string]string{"breaker": "b", "singleflight": "y", "shedding": "o", "algorithm": "a"}
	var out []string
	box := false
	for _, l := range c.Levers {
		if k, ok := keys[l]; ok {
			out = append(out, k)
		} else {
			box = true
		}
	}
	if box {
		out = append([]string{"↑/↓ its box, then [ or ]"}, out...)
	}
	return " (" + strings.Join(out, ", ") + ")"
}

func secs(d time.Duration) string {
	return fmt.Sprintf("%d s", int((d+time.Second-1)/time.Second))
}

// fitTo keeps the first h lines.
func fitTo(lines []string, h int) []string {
	if len(lines) > h {
		return lines[:h]
	}
	return lines
}
