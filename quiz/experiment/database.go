package experiment

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/service"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/engine"
)

// The database's experiments: kill it (who still gets an answer), and ask
// more of it than it can serve, with the cache down, with and without load
// shedding (timeouts, then fast refusals).

// ---- kill the database: what users see --------------------------------------

var databaseKillScript = script{
	outcomes: []string{"some", "all", "none", "hang"},
	baseline: func(r *run, m *Measurement) (err error) {
		if m.Before, err = r.steady(3, "3 s of the baseline"); err != nil {
			return err
		}
		m.Writes, err = r.writeShare()
		return err
	},
	act: func(r *run, m *Measurement) (err error) {
		_, cursor := r.lab.TracesSince(0, 0)
		if m.During, err = r.outage("database", "the database", 3, "the database"); err != nil {
			return err
		}
		traces, _ := r.lab.TracesSince(cursor, keepTraces)
		m.ReadHits = readHits(traces)
		return nil
	},
	grade: gradeDatabaseKill,
	predict: prediction{
		unit: "%", abs: 8,
		ask: func(m Measurement) string {
			return fmt.Sprintf("Now %s of the reads are cache hits, and %s of the requests are writes (over the last %d s, in which %s). If you kill the database for 3 seconds, what share of the requests will fail, in %%?",
				pct(m.Before.HitRatio), pct(m.Writes), m.Before.Seconds, failedPhrase(m.Before))
		},
		answer: func(m Measurement) float64 { return 100 * m.During.FailRatio() },
		expect: func(m Measurement) float64 { return 100 * needDatabase(m) },
		why: func(m Measurement) []string {
			b, d := m.Before, m.During
			want := needDatabase(m)
			lines := []string{
				fmt.Sprintf("A cache hit needs no database; a miss and a write do, and a killed database refuses them at once: (1 - %s) x (1 - %s) + %s = %s of the requests.",
					ratio(m.Writes), ratio(b.HitRatio), ratio(m.Writes), pct(want)),
				fmt.Sprintf("Measured %s (%s): %s.", pct(d.FailRatio()), gap(d.FailRatio(), want), failedCount(d)),
			}
			switch h := m.ReadHits; {
			case h > b.HitRatio+0.02 && d.FailRatio() < want:
				lines = append(lines, fmt.Sprintf("Fewer than that: the writes failed too, so they stopped removing their products from the cache (a write deletes its key), and more reads hit it: %s of them, against %s before.", pct(h), pct(b.HitRatio)))
			case h < b.HitRatio-0.02:
				lines = append(lines, fmt.Sprintf("%s of the reads hit the cache, against %s before: a key that expires while the database is down cannot be read again to refill it.", pct(h), pct(b.HitRatio)))
			}
			lines = append(lines,
				fmt.Sprintf("They failed at once: the 99th percentile was %s. A refused connection answers at once; a database that hangs (overloaded, or behind a silent network) would make them wait out the service's 500 ms deadline.", ms(d.P99)),
				fmt.Sprintf("Meanwhile the worker could not apply events: the queue grew from %s to %s, and drained after the revive.", rate(b.Depth), count(d.MaxDepth)))
			return lines
		},
	},
}

// needDatabase is the share of requests that need the database: the reads
// that miss and the writes.
func needDatabase(m Measurement) float64 {
	return (1-m.Writes)*(1-nz(m.Before.HitRatio)) + m.Writes
}

// readHits is the share of the reads among traces that the cache answered;
// NaN without reads. (The engine's hit ratio counts lookups, and a read the
// load balancer retries looks up twice.)
func readHits(traces []engine.Trace) float64 {
	reads, hits := 0, 0
	for _, tr := range traces {
		if tr.Write {
			continue
		}
		reads++
		for _, h := range tr.Hops {
			if h.Op == service.OpGet && h.Outcome == trace.Hit {
				hits++
				break
			}
		}
	}
	if reads == 0 {
		return math.NaN()
	}
	return float64(hits) / float64(reads)
}

// writeShare is the share of writes among the last requests (up to 1,000).
func (r *run) writeShare() (float64, error) {
	traces, _ := r.lab.TracesSince(0, 1000)
	if len(traces) == 0 {
		return 0, fmt.Errorf("no request has finished: is the traffic running?")
	}
	writes := 0
	for _, tr := range traces {
		if tr.Write {
			writes++
		}
	}
	return float64(writes) / float64(len(traces)), nil
}

// failedPhrase is "none failed", "3 failed".
func failedPhrase(p Phase) string {
	if p.Failed == 0 {
		return "none failed"
	}
	return fmt.Sprintf("%s failed", count(p.Failed))
}

// hangs is the 99th percentile, in ms, from which requests count as
// hanging; it must also be four times the baseline's, which a busy machine
// can raise too.
const hangs = 500

func gradeDatabaseKill(m Measurement) (string, string) {
	d := m.During
	evidence := fmt.Sprintf("%s in the %d s the database was down (99th percentile %s); cache hit ratio %s; queue depth %s → %s as the worker waited",
		failedOf(d), d.Seconds, ms(d.P99), percent(d.HitRatio), rate(m.Before.Depth), count(d.MaxDepth))
	f := d.FailRatio()
	switch {
	case f < 0.05:
		return "none", evidence
	case f >= 0.9:
		return "all", evidence
	case d.P99 >= hangs && d.P99 >= 4*nz(m.Before.P99):
		return "hang", evidence
	default:
		return "some", evidence
	}
}

// ---- overload: the cache down at 800 requests/s ------------------------------

// overloadRate is the traffic the overload experiment runs under, in
// requests per second: the database serves the reads with the cache up
// and cannot without it.
const overloadRate = 800

// overloadFor is how long each phase of the overload lasts, in seconds.
const overloadFor = 3

var overloadScript = script{
	outcomes: []string{"timeouts", "refused", "slow", "fine"},
	setup:    func(s *engine.Settings) { s.Rate = overloadRate },
	baseline: func(r *run, m *Measurement) (err error) {
		if m.Before, err = r.steady(3, fmt.Sprintf("3 s at %s requests/s", num(overloadRate))); err != nil {
			return err
		}
		if b := m.Before; b.P99 >= deadlineMs()/2 || b.FailRatio() >= 0.01 {
			// What follows would measure the machine, not the design.
			return fmt.Errorf("%w: with the cache up, the p99 is %s and %s, at %s requests/s", ErrBusy, ms(b.P99), failedOf(b), rate(b.Rate))
		}
		if m.Writes, err = r.writeShare(); err != nil {
			return err
		}
		m.Capacity, err = r.capacity()
		return err
	},
	act: func(r *run, m *Measurement) error {
		at, err := r.now()
		if err != nil {
			return err
		}
		if err := r.kill("cache", "the cache"); err != nil {
			return err
		}
		if m.During, err = r.phase(at+1, overloadFor, "with the cache down"); err != nil {
			return err
		}
		r.say("switching load shedding on...")
		if at, err = r.now(); err != nil {
			return err
		}
		r.lab.SetShedding(true)
		r.pushUndo("shedding", "switching load shedding off", func() error { r.lab.SetShedding(false); return nil })
		if m.After, err = r.phase(at+1, overloadFor, "with load shedding on"); err != nil {
			return err
		}
		return nil // undone afterwards: shedding off, then the cache revived
	},
	grade: gradeOverload,
	predict: prediction{
		unit: "ms", tolerance: 0.3,
		ask: func(m Measurement) string {
			return fmt.Sprintf("At %s requests/s with the cache up, the database runs %s statements/s (its %d connections at %s a statement can run %s), and the p99 is %s. Load shedding is off, and the service gives up on a request after %s. If you kill the cache, what will the p99 be, in ms?",
				rate(m.Before.Rate), rate(m.Before.DBQPS), m.Capacity.Pool, msd(m.Capacity.Statement), num(m.Capacity.PerSecond()), ms(m.Before.P99), msd(service.DefaultTimeout))
		},
		answer: func(m Measurement) float64 { return m.During.P99 },
		expect: func(Measurement) float64 { return deadlineMs() },
		why: func(m Measurement) []string {
			b, d, s := m.Before, m.During, m.After
			lines := []string{
				fmt.Sprintf("With the cache down every read needs the database: some %s reads/s asked of the %s statements/s it can run, besides the writes and the worker. The line for a connection grows until requests wait as long as the service lets them, the %s deadline: so the slowest wait about that long, and those that reach it fail with 504.",
					num((1-m.Writes)*b.Rate), num(m.Capacity.PerSecond()), msd(service.DefaultTimeout)),
				fmt.Sprintf("Measured a p99 of %s (%s); median %s; %s.", ms(d.P99), gap(d.P99, deadlineMs()), ms(d.P50), failedOf(d)),
			}
			if d.P99 > 1.1*deadlineMs() {
				lines = append(lines, fmt.Sprintf("Above the deadline: it bounds the wait inside the service; the way there and back (the load balancer, the gateway, on a machine this busy with %s requests a second) comes on top.", rate(b.Rate)))
			}
			if d.DBQPS >= 0.8*m.Capacity.PerSecond() {
				busy := fmt.Sprintf("The database ran %s statements/s, at its limit", rate(d.DBQPS))
				if ok := float64(d.OK) / float64(max(d.Seconds, 1)); ok > d.DBQPS {
					busy += fmt.Sprintf(", yet %s requests/s were answered: singleflight merged the popular products' reads", num(ok))
				}
				lines = append(lines, busy+".")
			} else {
				lines = append(lines, fmt.Sprintf("The database ran %s statements/s, below its %s: this busy machine did not even get that many to it.", rate(d.DBQPS), num(m.Capacity.PerSecond())))
			}
			shed := fmt.Sprintf("Then load shedding on for %d s: the service refused %s requests/s at once with 503 and Retry-After: 1, instead of letting them wait, and the line stayed short: p99 %s, median %s; %s answered a second",
				s.Seconds, num(perSecond(s.Shed, s)), ms(s.P99), ms(s.P50), num(perSecond(s.OK, s)))
			if perSecond(s.OK, s) < perSecond(d.OK, d) && s.Jobs > d.Jobs {
				shed += fmt.Sprintf(", fewer than without it: the worker, starved of connections before (%s events/s), got its share again (%s events/s)", rate(d.Jobs), rate(s.Jobs))
			}
			return append(lines, shed+".")
		},
	},
}

// deadlineMs is how long the service gives a request, ms.
func deadlineMs() float64 { return float64(service.DefaultTimeout) / float64(time.Millisecond) }

// ErrBusy is an experiment that would measure the machine rather than the
// design: the system is not healthy at the load it needs even before the
// experiment acts.
var ErrBusy = errors.New("this machine is too busy for the experiment")

// perSecond is n over p's seconds.
func perSecond(n int, p Phase) float64 { return float64(n) / float64(max(p.Seconds, 1)) }

// Capacity is the database's: its pool and how long a statement holds a
// connection.
type Capacity struct {
	Pool      int
	Statement time.Duration
}

// PerSecond is how many statements a second the pool can run.
func (c Capacity) PerSecond() float64 {
	if c.Statement <= 0 {
		return math.NaN()
	}
	return float64(c.Pool) * float64(time.Second) / float64(c.Statement)
}

// capacity reads the database's pool and modeled statement time (with any
// slowness chaos adds) from the lab.
func (r *run) capacity() (Capacity, error) {
	s, err := r.snapshot()
	if err != nil {
		return Capacity{}, err
	}
	db, ok := s.ByKind(card.KindDatabase)
	if !ok {
		return Capacity{}, fmt.Errorf("the system has no database")
	}
	return Capacity{Pool: db.PoolSize, Statement: db.Modeled.Base + db.Slow}, nil
}

func gradeOverload(m Measurement) (string, string) {
	b, d, s := m.Before, m.During, m.After
	evidence := fmt.Sprintf("at %s requests/s, killing the cache took the p99 from %s to %s (median %s) and %s; with load shedding on, %s were refused at once, p99 %s",
		rate(b.Rate), ms(b.P99), ms(d.P99), ms(d.P50), failedOf(d), count(s.Shed), ms(s.P99))
	failing := d.FailRatio() >= 0.01
	switch {
	case failing && d.P99 >= 0.8*deadlineMs():
		return "timeouts", evidence
	case failing:
		return "refused", evidence
	case d.P99 >= 2*nz(b.P99)+20:
		return "slow", evidence
	default:
		return "fine", evidence
	}
}
