package experiment

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/loadbalancer"
	"github.com/archex/archex/engine"
)

// The load balancer's experiments: kill one of three replicas (what users
// see), and slow one while switching round-robin for least-connections
// (where the requests go).

// ---- kill one replica: what users see ---------------------------------------

var replicaKillScript = script{
	outcomes: []string{"unnoticed", "some", "all", "slow"},
	baseline: steadyBaseline,
	act: func(r *run, m *Measurement) error {
		at, err := r.now()
		if err != nil {
			return err
		}
		if err := r.kill("service-2", "replica 2 of the service"); err != nil {
			return err
		}
		// Users see the second of the kill too: it counts.
		if m.During, err = r.phase(at, 3, "from the kill on"); err != nil {
			return err
		}
		if s, err := r.snapshot(); err == nil {
			if lb, ok := statusOf(s, "loadbalancer"); ok {
				m.Healthy, m.Replicas = lb.Healthy, lb.Replicas
			}
		}
		if at, err = r.now(); err != nil {
			return err
		}
		if err := r.revive("service-2", "replica 2"); err != nil {
			return err
		}
		m.After, err = r.phase(at+1, 2, "after the revive, to compare")
		return err
	},
	grade: gradeReplicaKill,
	predict: prediction{
		unit: "%", abs: 2,
		ask: func(m Measurement) string {
			return fmt.Sprintf("Three replicas of the service share %s requests/s behind the load balancer, which checks their health four times a second; over the last %d s %s, and the median response was %s. If you kill replica 2, what share of the requests will fail in the 3 s from the kill on, in %%?",
				rate(m.Before.Rate), m.Before.Seconds, failedPhrase(m.Before), ms(m.Before.P50))
		},
		answer: func(m Measurement) float64 { return 100 * m.During.FailRatio() },
		expect: func(Measurement) float64 { return 0 },
		why: func(m Measurement) []string {
			d := m.During
			lines := []string{
				"Round-robin would send replica 2 a third of the requests, 33 %, if nothing noticed it was dead. Two things notice at once: a read refused by the dead replica is retried on another one, and the health check takes replica 2 out of rotation within a quarter of a second. Only a write caught in flight on replica 2 could fail: writes are not retried.",
				fmt.Sprintf("Measured %s: %s.", pct(d.FailRatio()), failedCount(d)),
				fmt.Sprintf("The median response was %s before and %s after the kill: two replicas have room for this load (each spends about a millisecond of its own on a request and takes 128 at once).", ms(m.Before.P50), ms(d.P50)),
			}
			if m.Replicas > 0 {
				lines = append(lines, fmt.Sprintf("The load balancer counted %d of %d replicas healthy.", m.Healthy, m.Replicas))
			}
			return lines
		},
	},
}

func gradeReplicaKill(m Measurement) (string, string) {
	b, d := m.Before, m.During
	evidence := fmt.Sprintf("%s in the %d s from the kill on; median response %s before, %s after", failedOf(d), d.Seconds, ms(b.P50), ms(d.P50))
	if m.Replicas > 0 {
		evidence += fmt.Sprintf("; the load balancer counted %d of %d replicas healthy", m.Healthy, m.Replicas)
	}
	f := d.FailRatio()
	switch {
	case f > 0.6:
		return "all", evidence
	case f >= 0.02:
		return "some", evidence
	case slowedDown(d, b, m.After):
		return "slow", evidence
	default:
		return "unnoticed", evidence
	}
}

// slowedDown reports whether users waited much longer during the action
// than in the control phases around it: in every second of it at least
// twice as long as in the slowest second of the others, and 5 ms more. A
// machine busy with something else slows some seconds of any phase; an
// action that slows the system slows every second after it.
func slowedDown(during Phase, controls ...Phase) bool {
	ref := 0.0
	for _, c := range controls {
		if c.Seconds > 0 {
			ref = math.Max(ref, nz(c.MaxP50))
		}
	}
	lo := nz(during.MinP50)
	return during.Seconds > 0 && lo >= 2*ref && lo-ref >= 5
}

// ---- one slow replica: round-robin against least-connections ----------------

// keepTraces is how many traces the engine keeps: a phase of 3 s at up to
// 800 requests/s fits.
const keepTraces = 4096

// slowBy is how much the experiment slows replica 1's every request.
const slowBy = 50 * time.Millisecond

var leastConnScript = script{
	outcomes: []string{"fewer", "same", "none", "more"},
	setup:    func(s *engine.Settings) { s.Algorithm = loadbalancer.RoundRobin },
	baseline: func(r *run, m *Measurement) error {
		if _, err := r.steady(2, "the healthy system"); err != nil {
			return err
		}
		r.say(fmt.Sprintf("slowing replica 1 by %s, under round-robin...", msd(slowBy)))
		if err := r.lab.Slow("service-1", slowBy); err != nil {
			return err
		}
		r.pushUndo("slow service-1", "healing replica 1", func() error { return r.lab.Heal("service-1") })
		var err error
		m.Before, m.SpreadBefore, err = r.spread(3, "under round-robin with replica 1 slowed")
		return err
	},
	act: func(r *run, m *Measurement) error {
		r.say("switching the load balancer to least-connections...")
		if err := r.lab.SetAlgorithm(loadbalancer.LeastConn); err != nil {
			return err
		}
		r.pushUndo("algorithm", "switching the load balancer back to round-robin", func() error { return r.lab.SetAlgorithm(loadbalancer.RoundRobin) })
		var err error
		m.During, m.SpreadDuring, err = r.spread(3, "under least-connections")
		return err
	},
	grade: gradeLeastConn,
	predict: prediction{
		unit: "%", abs: 10,
		ask: func(m Measurement) string {
			b := m.SpreadBefore
			return fmt.Sprintf("Replica 1 of three is slowed: each of its requests takes %s longer. Under round-robin it served %s of the requests (%s of %s in %d s), and the p99 is %s. If you switch the load balancer to least-connections, which sends each request to the replica with the fewest requests in flight, what share of the requests will replica 1 serve, in %%?",
				msd(slowBy), pct(b.Share(0)), count(at(b.Served, 0)), count(b.Total), m.Before.Seconds, ms(m.Before.P99))
		},
		answer: func(m Measurement) float64 { return 100 * m.SpreadDuring.Share(0) },
		why: func(m Measurement) []string {
			b, d := m.SpreadBefore, m.SpreadDuring
			secs := float64(max(m.During.Seconds, 1))
			slow, fast := inFlight(d, 0, secs), inFlight(d, 1, secs)
			return []string{
				fmt.Sprintf("Round-robin gives each replica its turn whatever it does with it: replica 1 served %s.", pct(b.Share(0))),
				fmt.Sprintf("Least-connections looks at the requests in flight. By Little's law a replica holds its rate times its time: replica 1 about %s/s x %s = %s requests at a time, replica 2 about %s/s x %s = %s. So replica 1 is the busiest most of the time, and gets a request only when it has as few in flight as the others: fewer, but not none.",
					num(float64(at(d.Served, 0))/secs), ms(at(d.Mean, 0)), num(slow), num(float64(at(d.Served, 1))/secs), ms(at(d.Mean, 1)), num(fast)),
				fmt.Sprintf("Measured %s (%s of %s). Requests slower than %s: %s under round-robin, %s under least-connections; the p99 %s → %s.",
					pct(d.Share(0)), count(at(d.Served, 0)), count(d.Total), msd(slowBy), pct(share(b.Over, b.Total)), pct(share(d.Over, d.Total)), ms(m.Before.P99), ms(m.During.P99)),
			}
		},
	},
}

// inFlight is how many requests replica i held at a time on average over
// secs seconds: its rate times its mean time (Little's law).
func inFlight(s Spread, i int, secs float64) float64 {
	return float64(at(s.Served, i)) / secs * at(s.Mean, i) / 1000
}

func at[T int | float64](xs []T, i int) T {
	if i < len(xs) {
		return xs[i]
	}
	var zero T
	return zero
}

func share(n, total int) float64 {
	if total == 0 {
		return math.NaN()
	}
	return float64(n) / float64(total)
}

func gradeLeastConn(m Measurement) (string, string) {
	b, d := m.SpreadBefore, m.SpreadDuring
	evidence := fmt.Sprintf("replica 1, slowed by %s, served %s of the requests under round-robin (%s of %s) and %s under least-connections (%s of %s); p99 %s → %s",
		msd(slowBy), pct(b.Share(0)), count(at(b.Served, 0)), count(b.Total), pct(d.Share(0)), count(at(d.Served, 0)), count(d.Total), ms(m.Before.P99), ms(m.During.P99))
	s := nz(d.Share(0))
	switch {
	case s > 0.4:
		return "more", evidence
	case s >= 0.25:
		return "same", evidence
	case s >= 0.03:
		return "fewer", evidence
	default:
		return "none", evidence
	}
}

// spread measures n whole seconds from the next one, and how the load
// balancer spread the requests that finished meanwhile over the replicas
// (from their traces: the engine keeps the last 4,096).
func (r *run) spread(n int, what string) (Phase, Spread, error) {
	s, err := r.snapshot()
	if err != nil {
		return Phase{}, Spread{}, err
	}
	lb, _ := s.ByKind(card.KindLoadBalancer)
	from := inProgress(s) + 1
	// Traces from the start of second from: wait for it to begin.
	if _, err := r.seconds(from-1, 1); err != nil {
		return Phase{}, Spread{}, err
	}
	_, cursor := r.lab.TracesSince(0, 0)
	p, err := r.phase(from, n, what)
	if err != nil {
		return Phase{}, Spread{}, err
	}
	sp := Spread{Served: make([]int, max(lb.Replicas, 1)), Mean: make([]float64, max(lb.Replicas, 1))}
	traces, _ := r.lab.TracesSince(cursor, keepTraces)
	for _, tr := range traces {
		sp.add(tr, lb.Name)
	}
	for i, n := range sp.Served {
		if n > 0 {
			sp.Mean[i] /= float64(n)
		}
	}
	return p, sp, nil
}

// add counts one request: the replica the load balancer chose for it
// ("replica-2" on its hop) and what the user waited.
func (sp *Spread) add(tr engine.Trace, lb string) {
	for _, h := range tr.Hops {
		if h.To != lb || !strings.HasPrefix(h.Instance, "replica-") {
			continue
		}
		i, err := strconv.Atoi(strings.TrimPrefix(h.Instance, "replica-"))
		if err != nil || i < 1 || i > len(sp.Served) {
			return
		}
		waited := float64(tr.Duration) / float64(time.Millisecond)
		sp.Total++
		sp.Served[i-1]++
		sp.Mean[i-1] += waited
		if tr.Duration > slowBy {
			sp.Over++
		}
		return
	}
}
