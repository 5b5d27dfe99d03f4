package tui

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/components/traffic"
	"github.com/archex/archex/engine"
)

// ratePresets are the traffic rates + and - step through, with the rate
// the dashboard started at (20 unless --rate said otherwise): the ladder
// always leads back to it.
var ratePresets = []float64{0, 5, 10, 20, 50, 100, 200, 400, 800, 1200}

// Steps the slow and fail keys cycle through.
var (
	slowSteps = []time.Duration{0, 20 * time.Millisecond, 100 * time.Millisecond}
	failSteps = []float64{0, 0.1, 0.5}
)

// onChaosKey handles the keys that change the system. The change runs as a
// command, off the Update loop, and reports back with an actionMsg.
func (m *Model) onChaosKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.KillCache):
		return m.toggle(m.cacheToKill())
	case key.Matches(msg, k.KillDatabase):
		return m.toggle(m.firstOfKind(card.KindDatabase))
	case key.Matches(msg, k.KillQueue):
		return m.toggle(m.firstOfKind(card.KindQueue))
	case key.Matches(msg, k.KillWorker):
		return m.toggle(m.firstOfKind(card.KindWorker))
	case key.Matches(msg, k.KillGateway):
		return m.toggle(m.firstOfKind(card.KindAPIGateway))
	case key.Matches(msg, k.KillLB):
		return m.toggle(m.firstOfKind(card.KindLoadBalancer))
	case key.Matches(msg, k.Replica):
		return m.toggleReplica(msg.String())
	case key.Matches(msg, k.KillSelected):
		return m.toggle(m.selectedStatus())
	case key.Matches(msg, k.CrashWorker):
		return m.act("crash a worker", func() (string, error) {
			return "a worker will crash mid-job: its batch is redelivered and applied once", m.sys.CrashWorker()
		})
	case key.Matches(msg, k.SlowSelected):
		st, ok := m.selectedStatus()
		if !ok {
			return nil
		}
		next := slowSteps[(indexOf(slowSteps, st.Slow)+1)%len(slowSteps)]
		return m.act("slow "+st.Name, func() (string, error) {
			if next == 0 {
				return st.Name + ": added latency removed", m.sys.Slow(st.Alias, 0)
			}
			return fmt.Sprintf("%s slowed by %v", st.Name, next), m.sys.Slow(st.Alias, next)
		})
	case key.Matches(msg, k.FailSelected):
		st, ok := m.selectedStatus()
		if !ok {
			return nil
		}
		next := failSteps[(indexOf(failSteps, st.Fail)+1)%len(failSteps)]
		return m.act("fail "+st.Name, func() (string, error) {
			return fmt.Sprintf("%s fails %.0f%% of calls", st.Name, next*100), m.sys.FailRate(st.Alias, next)
		})
	case key.Matches(msg, k.HealSelected):
		st, ok := m.selectedStatus()
		if !ok {
			return nil
		}
		return m.act("heal "+st.Name, func() (string, error) { return st.Name + " healed", m.sys.Heal(st.Alias) })
	case key.Matches(msg, k.Breaker):
		on := m.snap == nil || !m.snap.Switches.Breaker
		return m.act("breaker", func() (string, error) {
			m.sys.SetBreaker(on)
			return "circuit breaker " + onOff(on), nil
		})
	case key.Matches(msg, k.Singleflight):
		on := m.snap == nil || !m.snap.Switches.Singleflight
		return m.act("singleflight", func() (string, error) {
			m.sys.SetSingleflight(on)
			return "singleflight " + onOff(on), nil
		})
	case key.Matches(msg, k.Shedding):
		on := m.snap == nil || !m.snap.Switches.Shedding
		return m.act("shedding", func() (string, error) {
			m.sys.SetShedding(on)
			if on {
				return "load shedding on: when the database's line is too long, requests get 503 at once", nil
			}
			return "load shedding off: requests wait in the database's line, up to the deadline", nil
		})
	case key.Matches(msg, k.Algorithm):
		next := loadbalancer.LeastConn
		if m.snap != nil && m.snap.Switches.Algorithm == string(loadbalancer.LeastConn) {
			next = loadbalancer.RoundRobin
		}
		return m.act("algorithm", func() (string, error) {
			return "load balancer: " + string(next), m.sys.SetAlgorithm(next)
		})
	case key.Matches(msg, k.Pause):
		paused := m.snap != nil && m.snap.Requests.Paused
		return m.act("pause", func() (string, error) {
			m.sys.SetPaused(!paused)
			if paused {
				return "traffic resumed", nil
			}
			return "traffic paused", nil
		})
	case key.Matches(msg, k.Faster), key.Matches(msg, k.Slower):
		r := m.nextRate(key.Matches(msg, k.Faster))
		return m.act("rate", func() (string, error) {
			m.sys.SetRate(r)
			return fmt.Sprintf("traffic: %g req/s", r), nil
		})
	case key.Matches(msg, k.Pattern):
		next := traffic.Steady
		if m.snap != nil {
			for i, p := range traffic.Patterns {
				if p == m.snap.Requests.Pattern {
					next = traffic.Patterns[(i+1)%len(traffic.Patterns)]
				}
			}
		}
		return m.act("pattern", func() (string, error) {
			m.sys.SetPattern(next)
			return "traffic pattern: " + string(next), nil
		})
	}
	if msg.Type == tea.KeyRunes {
		m.absentKey(msg.String())
	}
	return nil
}

func indexOf[T comparable](list []T, v T) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return 0
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// act runs a change as a command and reports its result.
func (m *Model) act(what string, fn func() (string, error)) tea.Cmd {
	return func() tea.Msg {
		text, err := fn()
		if err != nil {
			return actionMsg{text: what + ": " + err.Error()}
		}
		return actionMsg{text: text}
	}
}

// toggle kills a component that is up, revives one that is down.
func (m *Model) toggle(st engine.Status, ok bool) tea.Cmd {
	if !ok {
		m.status = "this card has no such component"
		return nil
	}
	return m.killOrRevive(st.Alias, st.Killed, st.Name+" killed"+killNote(st.Kind), st.Name+" revived"+reviveNote(st.Kind))
}

// expectFor is how long a kill or revive asked for counts over a snapshot
// that does not show it yet.
const expectFor = 2 * time.Second

// expectation is a kill (or revive) asked for, until the system shows it.
type expectation struct {
	killed bool
	until  time.Time
}

// killOrRevive revives target when it is killed, kills it otherwise. What
// was last asked counts until a snapshot shows it (or for expectFor): a
// key pressed twice before the system answered revives what the first
// press killed, and never kills it twice.
func (m *Model) killOrRevive(target string, killed bool, killText, reviveText string) tea.Cmd {
	if e, ok := m.expect[target]; ok && e.killed != killed && m.now.Before(e.until) {
		killed = e.killed
	}
	if m.expect == nil {
		m.expect = map[string]expectation{}
	}
	m.expect[target] = expectation{killed: !killed, until: m.now.Add(expectFor)}
	if killed {
		return m.act("revive "+target, func() (string, error) { return reviveText, m.sys.Revive(target) })
	}
	return m.act("kill "+target, func() (string, error) { return killText, m.sys.Kill(target) })
}

func killNote(k card.Kind) string {
	switch k {
	case card.KindCache:
		return ": every read goes to the database now"
	case card.KindWorker:
		return ": events wait in the queue"
	case card.KindDatabase:
		return ": cached reads still work, the rest fail fast"
	}
	return ""
}

func reviveNote(k card.Kind) string {
	switch k {
	case card.KindCache:
		return " empty: watch it rebuild"
	case card.KindDatabase:
		return ": its data is intact"
	case card.KindQueue:
		return ": its events are still there"
	}
	return ""
}

func (m *Model) toggleReplica(digit string) tea.Cmd {
	n, _ := strconv.Atoi(digit)
	svc, ok := m.firstOfKind(card.KindService)
	if !ok || n < 1 || n > svc.Replicas {
		m.status = fmt.Sprintf("there is no replica %s", digit)
		return nil
	}
	target := fmt.Sprintf("%s-%d", svc.Alias, n)
	return m.killOrRevive(target, slices.Contains(svc.DownReplicas, n),
		"replica "+digit+" killed: the load balancer takes it out of rotation", "replica "+digit+" revived")
}

// nextRate steps the traffic rate through the presets and the starting
// rate.
func (m *Model) nextRate(up bool) float64 {
	cur := 0.0
	if m.snap != nil {
		cur = m.snap.Requests.SetRate
	}
	ratePresets := rateLadder(m.startRate)
	if up {
		for _, r := range ratePresets {
			if r > cur {
				return r
			}
		}
		return ratePresets[len(ratePresets)-1]
	}
	for i := len(ratePresets) - 1; i >= 0; i-- {
		if ratePresets[i] < cur {
			return ratePresets[i]
		}
	}
	return 0
}

func (m *Model) firstOfKind(k card.Kind) (engine.Status, bool) {
	if m.snap == nil {
		return engine.Status{}, false
	}
	return m.snap.ByKind(k)
}

// cacheToKill is the cache the c key kills: the card's failure scenario's
// component when it is a cache, else the first cache.
func (m *Model) cacheToKill() (engine.Status, bool) {
	if m.snap == nil {
		return engine.Status{}, false
	}
	if f := m.card.Failure; f != nil {
		if st, ok := m.snap.Component(f.Component); ok && st.Kind == card.KindCache {
			return st, true
		}
	}
	return m.snap.ByKind(card.KindCache)
}

func (m *Model) selectedStatus() (engine.Status, bool) {
	if m.snap == nil || m.selected >= len(m.snap.Components) {
		return engine.Status{}, false
	}
	return m.snap.Components[m.selected], true
}
