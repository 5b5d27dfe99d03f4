package learn

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/archex/archex/card"
	"github.com/archex/archex/challenge"
	"github.com/archex/archex/tui"
	"github.com/archex/archex/tui/narrate"
)

// A challenge being played: its attempt (a fresh system), the dashboard on
// it, the hints revealed, and whether its end is recorded.
type play struct {
	c        *challenge.Challenge
	gen      int // counts the attempts, so that a stale message is ignored
	attempt  Attempt
	dash     *tui.Model
	loading  bool
	failure  string // why the system could not start
	briefing bool   // the briefing covers the dashboard
	hints    int    // revealed, kept across restarts
	selected string // the box selected on the dashboard, kept across restarts
	recorded bool   // this attempt's end is in the progress
	status   string
	size     tea.WindowSizeMsg
}

// startedMsg brings a started attempt.
type startedMsg struct {
	gen     int
	attempt Attempt
	err     error
}

// tickMsg checks a running attempt's phase.
type tickMsg struct{ gen int }

const tickEvery = 250 * time.Millisecond

// startPlay opens challenge c: the briefing at once, the system in a
// command.
func (a *App) startPlay(c *challenge.Challenge) tea.Cmd {
	hints, selected := 0, ""
	if a.play != nil && a.play.c == c {
		hints = a.play.hints
		if a.play.dash != nil {
			selected = a.play.dash.Selected()
		}
	}
	a.Close()
	a.attempts++
	p := &play{c: c, gen: a.attempts, loading: true, briefing: true, hints: hints, selected: selected,
		size: tea.WindowSizeMsg{Width: a.width, Height: a.height}}
	a.play = p
	start, gen := a.opts.Start, p.gen
	return func() tea.Msg {
		at, err := start(c)
		return startedMsg{gen: gen, attempt: at, err: err}
	}
}

func (a *App) onStarted(msg startedMsg) tea.Cmd {
	p := a.play
	if p == nil || msg.gen != p.gen {
		if msg.attempt != nil {
			msg.attempt.Close() // left before it started
		}
		return nil
	}
	p.loading = false
	if msg.err != nil {
		p.failure = msg.err.Error()
		return nil
	}
	p.attempt = msg.attempt
	sys := &system{Engine: msg.attempt.Engine(), attempt: msg.attempt, now: a.opts.Now, frozen: a.opts.Frozen}
	if p.selected == "" {
		p.selected = firstLeverBox(p.c)
	}
	p.dash = tui.New(sys, tui.Options{
		Palette: &a.styles.Palette, Now: a.opts.Now, NoTick: a.opts.Frozen, Select: p.selected,
		Levers: p.c.Levers, NoChaos: true, Side: &goalPanel{a: a, p: p},
		Keys: []key.Binding{a.keys.Hint, a.keys.Restart, a.keys.Briefing, a.keys.Back},
	})
	return tea.Batch(p.dash.Init(), p.toDashboard(p.size))
}

// firstLeverBox names the first component whose box turns one of the
// challenge's levers, to select it at the start: "" when they are all
// switches.
func firstLeverBox(c *challenge.Challenge) string {
	kinds := map[string]card.Kind{"scale service": card.KindService, "pool": card.KindDatabase,
		"scale worker": card.KindWorker, "ttl": card.KindCache, "ratelimit": card.KindAPIGateway}
	for _, l := range c.Levers {
		if k, ok := kinds[l]; ok {
			if comps := c.Card.ByKind(k); len(comps) > 0 {
				return comps[0].Name
			}
		}
	}
	return ""
}

// toDashboard hands the dashboard a message, keeping the window's size.
func (p *play) toDashboard(msg tea.Msg) tea.Cmd {
	if size, ok := msg.(tea.WindowSizeMsg); ok {
		p.size = size
	}
	if p.dash == nil {
		return nil
	}
	_, cmd := p.dash.Update(msg)
	return cmd
}

func (p *play) close() {
	if p.attempt != nil {
		p.attempt.Close()
		p.attempt = nil
	}
}

func (a *App) tick(gen int) tea.Cmd {
	if a.opts.Frozen {
		return nil
	}
	return tea.Tick(tickEvery, func(time.Time) tea.Msg { return tickMsg{gen: gen} })
}

func (a *App) updatePlay(msg tea.Msg) tea.Cmd {
	p := a.play
	switch msg := msg.(type) {
	case tickMsg:
		if msg.gen != p.gen || p.attempt == nil {
			return nil
		}
		if a.checkEnd() {
			return p.toDashboard(msg) // one more frame: the verdict shows
		}
		return a.tick(p.gen)
	case tea.KeyMsg:
		return a.onPlayKey(msg)
	}
	return p.toDashboard(msg)
}

// checkEnd records the attempt once its run is over; it reports whether
// it is.
func (a *App) checkEnd() bool {
	p := a.play
	if p.attempt.Phase(a.opts.Now()) != challenge.Finished {
		return false
	}
	if !p.recorded {
		p.recorded = true
		v := p.attempt.Verdict()
		if err := a.store.Attempt(a.path, p.c, v.Passed, p.hints, a.opts.Now()); err != nil {
			p.status = err.Error()
		}
	}
	return true
}

func (a *App) onPlayKey(msg tea.KeyMsg) tea.Cmd {
	p, k := a.play, a.keys
	if key.Matches(msg, k.Back) {
		a.Close()
		a.status = ""
		return nil
	}
	if p.loading || p.failure != "" {
		if key.Matches(msg, k.Quit) {
			return tea.Quit
		}
		if key.Matches(msg, k.Restart) {
			return a.startPlay(p.c)
		}
		return nil
	}
	phase := p.attempt.Phase(a.opts.Now())
	if p.briefing {
		switch {
		case key.Matches(msg, k.Start) && phase == challenge.Ready:
			p.briefing = false
			return a.goNow()
		case key.Matches(msg, k.Look), key.Matches(msg, k.Briefing):
			p.briefing = false
		case key.Matches(msg, k.Quit):
			return tea.Quit
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Start) && phase == challenge.Ready:
		return a.goNow()
	case key.Matches(msg, k.Hint):
		p.status = ""
		if p.hints < len(p.c.Hints) {
			p.hints++ // the goal panel shows it
		} else {
			p.status = "no more hints"
		}
		return nil
	case key.Matches(msg, k.Restart):
		return a.startPlay(p.c)
	case key.Matches(msg, k.Briefing):
		p.briefing = true
		return nil
	case key.Matches(msg, k.Next) && phase == challenge.Finished && p.attempt.Verdict().Passed:
		if p.c.Number < len(a.path.Challenges) {
			a.cursor = p.c.Number
			return a.enter(a.cursor)
		}
		a.Close()
		a.status = "that was the last challenge: the path is done"
		return nil
	}
	return p.toDashboard(msg)
}

// goNow starts the attempt's traffic and clock.
func (a *App) goNow() tea.Cmd {
	p := a.play
	p.attempt.Go()
	p.status = ""
	return tea.Batch(a.tick(p.gen), p.toDashboard(tickMsg{}))
}

func (p *play) view(a *App) string {
	switch {
	case p.loading:
		return a.framed(fmt.Sprintf("starting the system for challenge %d: %s …", p.c.Number, p.c.Title), "")
	case p.failure != "":
		return a.framed("the system could not start: "+p.failure, "r: try again · esc: the path")
	case p.briefing:
		return a.briefingView(p)
	}
	return p.dash.View()
}

// framed is a screen of one message.
func (a *App) framed(text, keys string) string {
	lines := narrate.Wrap(text, a.width-4)
	out := []string{a.styles.Header.Render("archex learn"), ""}
	for _, l := range lines {
		out = append(out, "  "+a.styles.Text.Render(l))
	}
	if keys != "" {
		out = append(out, "", "  "+a.styles.Muted.Render(keys))
	}
	return strings.Join(out, "\n")
}

// briefingView is the challenge told before it starts.
func (a *App) briefingView(p *play) string {
	s, w := a.styles, a.width-4
	c := p.c
	out := []string{spread(s.Header.Render(fmt.Sprintf("challenge %d of %d", c.Number, len(a.path.Challenges))), s.Accent.Render(c.Title), a.width), ""}
	for _, l := range narrate.Wrap(c.Story, w) {
		out = append(out, "  "+s.Text.Render(l))
	}
	out = append(out, "")
	for _, fact := range c.Facts() {
		for _, l := range narrate.Wrap(fact, w) {
			out = append(out, "  "+s.Muted.Render(l))
		}
	}
	keys := []string{"enter: start the clock", "tab: look at the system first (you may turn levers before the start)", "esc: the path"}
	switch {
	case p.attempt != nil && p.attempt.Phase(a.opts.Now()) == challenge.Finished && p.attempt.Verdict().Passed:
		out = append(out, "", "  "+s.Up.Render("✓ passed. Why it works:"))
		for _, l := range narrate.Wrap(c.Explanation, w) {
			out = append(out, "  "+s.Text.Render(l))
		}
		keys = []string{"i or tab: back to the system", "esc: the path"}
	case p.attempt != nil && p.attempt.Phase(a.opts.Now()) != challenge.Ready:
		keys = []string{"i or tab: back to the system", "esc: the path"}
	default:
		out = append(out, "")
		for _, l := range narrate.Wrap(fmt.Sprintf("%d hints, one at a time (h). The system is built: nothing runs until you start the clock.", len(c.Hints)), w) {
			out = append(out, "  "+s.Muted.Render(l))
		}
	}
	room := a.height - len(out) - 2
	for room < 0 && len(out) > 4 {
		out = out[:len(out)-1]
		room++
	}
	for len(out) < a.height-len(keys) {
		out = append(out, "")
	}
	for _, k := range keys {
		out = append(out, "  "+s.Bold.Render(k))
	}
	return strings.Join(out, "\n")
}
