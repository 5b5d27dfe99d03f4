package experiment

import (
	"fmt"
	"sync"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/service"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/engine"
)

// A stampede, singleflight off then on: the baseline is the stampede
// without it, the prediction what singleflight makes of the same.

// stampede is how many reads arrive at once; stampedeTries how many times
// the experiment tries to make them arrive together.
const (
	stampede      = 100
	stampedeTries = 3
)

var stampedeScript = script{
	outcomes: []string{"shared", "one", "many", "fail"},
	baseline: func(r *run, m *Measurement) (err error) {
		m.Stampede = stampede
		if m.Before, err = r.steady(2, "2 s of the healthy system"); err != nil {
			return err
		}
		r.pushUndo("singleflight", "switching singleflight back on", func() error { r.lab.SetSingleflight(true); return nil })
		r.lab.SetSingleflight(false)
		// The reads must reach the cache together, before the first
		// query's result fills it; a machine busy with other work can
		// spread them out so that most hit. Then it was no stampede: try
		// again, with another product.
		var spread time.Duration
		for try := range stampedeTries {
			b, err := r.stampede(stampedeProduct(2*try), false)
			if err != nil {
				return err
			}
			spread = b.spread
			m.QueriesOff, m.FailedOff, m.SlowestOff, m.MissesOff = b.queries, b.failed, b.slowest, b.misses
			if 2*b.misses >= stampede {
				return nil
			}
			r.say(fmt.Sprintf("only %d of the %d reads missed: they reached the cache over %s, not together; again...", b.misses, stampede, msd(b.spread)))
		}
		return fmt.Errorf("%w: it could not send %d reads of one product at the same moment (they reached the cache over %s)", ErrBusy, stampede, msd(spread))
	},
	act: func(r *run, m *Measurement) error {
		r.lab.SetSingleflight(true)
		b, err := r.stampede(stampedeProduct(2*stampedeTries+1), true)
		m.QueriesOn, m.FailedOn = b.queries, b.failed
		return err
	},
	grade: gradeStampede,
	predict: prediction{
		abs: 2,
		ask: func(m Measurement) string {
			failed := ""
			if m.FailedOff > 0 {
				failed = fmt.Sprintf(", and %d of them failed", m.FailedOff)
			}
			return fmt.Sprintf("With singleflight off, a price update removed a rarely read product from the cache, then %d reads of it arrived at the same moment: they made %s (the database has 3 connections; the last answer came after %s%s). Now singleflight is on, and the same happens to another product. How many database queries will the %d reads make?",
				m.Stampede, plural(m.QueriesOff, "database query", "database queries"), msd(m.SlowestOff), failed, m.Stampede)
		},
		answer: func(m Measurement) float64 { return float64(m.QueriesOn) },
		expect: func(Measurement) float64 { return 1 },
		why: func(m Measurement) []string {
			lines := []string{
				fmt.Sprintf("Without singleflight every read that misses runs its own query: %d of the %d missed, %s, a stampede on a database with 3 connections.", m.MissesOff, m.Stampede, plural(m.QueriesOff, "query", "queries")),
				"With singleflight the first miss of a key runs the query and every other read that misses the same key while it runs waits for its result: one query, when all the reads arrive while it runs.",
			}
			switch {
			case m.QueriesOn > 1:
				lines = append(lines, fmt.Sprintf("Measured %d: some reads looked in the cache before the first query's result was stored there, but reached singleflight only after that query had finished, so they ran one of their own. Singleflight only merges calls that overlap.", m.QueriesOn))
			default:
				lines = append(lines, fmt.Sprintf("Measured %d.", m.QueriesOn))
			}
			if m.FailedOff > 0 {
				lines = append(lines, fmt.Sprintf("Without it, %d of the reads failed: they waited for one of the 3 connections past the service's 500 ms deadline.", m.FailedOff))
			}
			return lines
		},
	},
}

// stampedeProduct is a rarely read product, a different one each time (i
// tells the two stampedes of a run apart), so that the users' own traffic
// does not refill the key in between.
func stampedeProduct(i int) int {
	return 901 + (int(time.Now().UnixNano()%20)*(2*stampedeTries+2)+i)%99
}

// burstResult is what one stampede did.
type burstResult struct {
	queries, failed int
	misses          int           // reads the cache did not answer
	spread          time.Duration // from the first lookup in the cache to the last
	slowest         time.Duration // from the first request sent to the last answer
}

// stampede evicts product from the cache with a write, sends the reads of
// it at once, and counts the database queries they made.
func (r *run) stampede(product int, on bool) (burstResult, error) {
	mode := "off"
	if on {
		mode = "on"
	}
	s, err := r.snapshot()
	if err != nil {
		return burstResult{}, err
	}
	svc, _ := s.ByKind(card.KindService)
	db, _ := s.ByKind(card.KindDatabase)
	r.say(fmt.Sprintf("singleflight %s: updating product %d (which removes it from the cache), then %d reads of it at once...", mode, product, stampede))
	w, err := r.lab.Send(r.ctx, engine.Request{Product: product, Write: true}, false)
	if err != nil {
		return burstResult{}, err
	}
	if !w.OK() {
		return burstResult{}, fmt.Errorf("the price update of product %d failed: %d %s", product, w.Status, w.Err)
	}
	// "At the same moment" on loopback needs a connection ready for each
	// request at every hop: a first burst of reads of a cached product
	// opens them, as a busy system would have them open.
	if _, err := r.burst(1); err != nil {
		return burstResult{}, err
	}
	traces, err := r.burst(product)
	if err != nil {
		return burstResult{}, err
	}
	var b burstResult
	var sent, answered, looked []time.Time
	for _, tr := range traces {
		if !tr.OK() {
			b.failed++
		}
		sent, answered = append(sent, tr.Start), append(answered, tr.Start.Add(tr.Duration))
		for _, h := range tr.Hops {
			switch {
			case h.Op == service.OpSelect && h.From == svc.Name && h.To == db.Name && h.Outcome == trace.OK:
				b.queries++
			case h.Op == service.OpGet && h.From == svc.Name && h.Outcome != trace.Hit:
				b.misses++
				fallthrough
			case h.Op == service.OpGet && h.From == svc.Name:
				looked = append(looked, h.Start)
			}
		}
	}
	b.slowest, b.spread = span(sent, answered), span(looked, looked)
	return b, nil
}

// burst sends stampede reads of product at once and returns their traces.
func (r *run) burst(product int) ([]engine.Trace, error) {
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		go1    = make(chan struct{})
		errs   []error
		traces []engine.Trace
	)
	for range stampede {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-go1
			tr, err := r.lab.Send(r.ctx, engine.Request{Product: product}, false)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			traces = append(traces, tr)
		}()
	}
	close(go1)
	wg.Wait()
	if err := r.ctx.Err(); err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return traces, nil
}

func gradeStampede(m Measurement) (string, string) {
	n := m.Stampede
	evidence := fmt.Sprintf("%d reads of a product just removed from the cache made %s with singleflight off and %s with it on",
		n, plural(m.QueriesOff, "database query", "database queries"), plural(m.QueriesOn, "query", "queries"))
	if m.FailedOn+m.FailedOff > 0 {
		evidence += fmt.Sprintf("; %d failed with it off, %d with it on", m.FailedOff, m.FailedOn)
	}
	// About one is at most a tenth of the requests: the architecture gives
	// 1 with singleflight on, and without it dozens to all of them,
	// depending on how close together the requests reach the cache.
	aboutOne := max(3, n/10)
	switch {
	case m.FailedOn >= n/2:
		return "fail", evidence
	case m.QueriesOff <= aboutOne:
		return "one", evidence
	case m.QueriesOn > aboutOne:
		return "many", evidence
	default:
		return "shared", evidence
	}
}

// span is from the earliest of from to the latest of to; 0 for none.
func span(from, to []time.Time) time.Duration {
	if len(from) == 0 || len(to) == 0 {
		return 0
	}
	first, last := from[0], to[0]
	for _, t := range from {
		if t.Before(first) {
			first = t
		}
	}
	for _, t := range to {
		if t.After(last) {
			last = t
		}
	}
	return last.Sub(first)
}

// msd writes a duration as ms.
func msd(d time.Duration) string { return ms(float64(d) / float64(time.Millisecond)) }
