package experiment

import (
	"fmt"
	"math"
	"time"

	"github.com/archex/archex/components/cache"
	"github.com/archex/archex/engine"
)

// The cache's experiments: kill it (where the reads go), switch its breaker
// off while it is dead (what a timeout costs), and a stampede on one key
// (what singleflight saves; in stampede.go).

// ---- kill the cache: database reads ----------------------------------------

var cacheKillScript = script{
	outcomes: []string{"rise", "same", "zero", "down"},
	baseline: steadyBaseline,
	act: func(r *run, m *Measurement) (err error) {
		m.During, err = r.outage("cache", "the cache", 3, "the cache (it comes back empty and refills)")
		return err
	},
	grade: gradeCacheKill,
	predict: prediction{
		unit: "reads/s", tolerance: 0.4,
		ask: func(m Measurement) string {
			return fmt.Sprintf("Now %s reads/s reach the database, at %s cache hits (medians of the last %d s). If you kill the cache, how many reads per second will reach the database?",
				rate(m.Before.DBReads), pct(m.Before.HitRatio), m.Before.Seconds)
		},
		answer: func(m Measurement) float64 { return m.During.DBReads },
		expect: everyRead,
		why: func(m Measurement) []string {
			b, d := m.Before, m.During
			want := everyRead(m)
			lines := []string{
				fmt.Sprintf("Only misses reach the database: %s reads/s at %s hits means the service read %s / (1 - %s) = %s products a second.",
					rate(b.DBReads), pct(b.HitRatio), rate(b.DBReads), ratio(b.HitRatio), num(want)),
				"With the cache down every read is a miss (cache-aside falls back to the database, and the breaker soon stops calling the dead cache): expect about " + num(want) + " reads/s.",
			}
			g := gap(d.DBReads, want)
			switch {
			case d.FailRatio() >= 0.1:
				lines = append(lines, fmt.Sprintf("Measured %s reads/s, %s; %s.", rate(d.DBReads), g, failedOf(d)))
			case d.DBReads < 0.95*want:
				lines = append(lines, fmt.Sprintf("Measured %s, %s: singleflight merged misses. The popular products are read many times a second, and a read that misses while another's query for the same product runs joins that query instead of making its own.",
					rate(d.DBReads), g))
			default:
				lines = append(lines, fmt.Sprintf("Measured %s, %s.", rate(d.DBReads), g))
			}
			return lines
		},
	},
}

// everyRead is the reads a second the service made in the baseline: its
// database reads were the misses.
func everyRead(m Measurement) float64 {
	b := m.Before
	if math.IsNaN(b.HitRatio) || b.HitRatio >= 1 {
		return math.NaN()
	}
	return b.DBReads / (1 - b.HitRatio)
}

func gradeCacheKill(m Measurement) (string, string) {
	b, d := m.Before, m.During
	evidence := fmt.Sprintf("database reads went from %s/s to %s/s (medians of %d s before and %d s after the kill); cache hit ratio %s → %s; %s",
		rate(b.DBReads), rate(d.DBReads), b.Seconds, d.Seconds, percent(b.HitRatio), percent(d.HitRatio), failedOf(d))
	before := nz(b.DBReads)
	switch {
	case d.FailRatio() >= 0.5:
		return "down", evidence
	case d.DBReads >= 2*math.Max(before, 1) && d.DBReads-before >= 10:
		return "rise", evidence
	case before >= 4 && d.DBReads <= 0.25*before:
		return "zero", evidence
	default:
		return "same", evidence
	}
}

// ---- the breaker off, with the cache down: latency --------------------------

// breakerSeconds is how many seconds the breaker is switched for, in turns:
// off, on, off, on, ...
const breakerSeconds = 6

var breakerOffScript = script{
	outcomes: []string{"slower", "same", "faster", "fail"},
	baseline: func(r *run, m *Measurement) error {
		if err := r.kill("cache", "the cache"); err != nil {
			return err
		}
		// The breaker opens within the second of the kill.
		var err error
		if m.Before, err = r.steady(2, "2 s with the cache down and the breaker open"); err != nil {
			return err
		}
		m.CacheTimeout, err = r.cacheTimeout()
		return err
	},
	act: func(r *run, m *Measurement) error {
		// The breaker is switched every second, so that each second with
		// it off is compared with the one just after, with it on: a
		// machine busy with something else for a few seconds slows both
		// alike.
		r.pushUndo("breaker", "switching the circuit breaker back on", func() error { r.lab.SetBreaker(true); return nil })
		at, err := r.now()
		if err != nil {
			return err
		}
		r.say(fmt.Sprintf("switching the circuit breaker off and on, every second for %d s, with the cache down...", breakerSeconds))
		if _, err := r.seconds(at, 1); err != nil {
			return err
		}
		var on, off []engine.Second
		var diffs []float64
		for i := range breakerSeconds {
			breaker := i%2 == 1
			r.lab.SetBreaker(breaker)
			secs, err := r.seconds(at+1+i, 1)
			if err != nil {
				return err
			}
			if breaker {
				on = append(on, secs[0])
				diffs = append(diffs, off[len(off)-1].P50-secs[0].P50)
			} else {
				off = append(off, secs[0])
			}
		}
		m.During, m.After, m.Paired = summarize(off), summarize(on), median(diffs)
		return nil // undone afterwards: the breaker on, then the cache revived
	},
	grade: gradeBreakerOff,
	predict: prediction{
		unit: "ms", tolerance: 0.25, abs: 6,
		ask: func(m Measurement) string {
			return fmt.Sprintf("The cache is down and its circuit breaker is open: reads skip the cache and go straight to the database. The median response is %s. If you switch the breaker off, every read calls the dead cache again, and each call waits out its %s timeout. What will the median response be, in ms?",
				ms(m.Before.P50), ms(m.CacheTimeout))
		},
		answer: func(m Measurement) float64 { return m.During.P50 },
		expect: func(m Measurement) float64 { return m.Before.P50 + 2*m.CacheTimeout },
		why: func(m Measurement) []string {
			b, off, on := m.Before, m.During, m.After
			want := b.P50 + 2*m.CacheTimeout
			return []string{
				fmt.Sprintf("A read without the breaker calls the dead cache twice, the lookup and then the fill after the database read, and each call waits out the %s timeout: %s + 2 x %s = %s ms.",
					ms(m.CacheTimeout), num(b.P50), num(m.CacheTimeout), num(want)),
				fmt.Sprintf("Measured %s with the breaker off (%s). Paired with the second after each, with it on again (%s), the seconds with it off were %s slower: a busy machine slows both of a pair alike.",
					ms(off.P50), gap(off.P50, want), ms(on.P50), ms(m.Paired)),
				"An open breaker answers \"open\" at once, without a call: those two timeouts a read are what it saves.",
			}
		},
	},
}

// cacheTimeout is how long a call to the lab's cache may take, ms: ten
// times its modeled latency, and at least cache.DefaultTimeout (see
// components/cache). A call to a dead cache waits that long.
func (r *run) cacheTimeout() (float64, error) {
	s, err := r.snapshot()
	if err != nil {
		return 0, err
	}
	c, _ := statusOf(s, "cache")
	d := max(cache.DefaultTimeout, 10*c.Modeled.Base)
	return float64(d) / float64(time.Millisecond), nil
}

func gradeBreakerOff(m Measurement) (string, string) {
	before, off := m.Before, m.During
	evidence := fmt.Sprintf("with the cache down, the median response was %s with the breaker on and %s in the seconds with it off (switched every second for %d s; %s slower than the second after each, with it on); %s with the breaker off",
		ms(before.P50), ms(off.P50), m.During.Seconds+m.After.Seconds, ms(m.Paired), failedOf(off))
	// The architecture adds two 10 ms cache timeouts to a read with the
	// breaker off (the lookup and the fill): about 20 ms.
	switch {
	case off.FailRatio() >= 0.2:
		return "fail", evidence
	case m.Paired >= 10:
		return "slower", evidence
	case m.Paired <= -5:
		return "faster", evidence
	default:
		return "same", evidence
	}
}
