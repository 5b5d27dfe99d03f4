package experiment

import (
	"fmt"
	"math"
	"time"
)

// The asynchronous side's experiments: kill the worker (a backlog grows in
// the queue, then drains) and kill the queue (events wait in the spool and
// the outbox, then are published; none is lost).

// How long the experiments keep things down: the prompts say so.
const (
	workerDown = 6 // seconds
	queueDown  = 4 // seconds
)

// ---- kill the worker: the queue ---------------------------------------------

var workerKillScript = script{
	outcomes: []string{"drain", "flat", "stuck", "fail"},
	baseline: steadyBaseline,
	act: func(r *run, m *Measurement) error {
		s, err := r.snapshot()
		if err != nil {
			return err
		}
		at, sent0 := inProgress(s), s.Requests.Sent
		if err := r.kill("worker", "the worker"); err != nil {
			return err
		}
		killed := time.Now()
		r.say(fmt.Sprintf("keeping the worker down for %d s...", workerDown))
		if m.During, err = r.phase(at+1, workerDown-1, ""); err != nil {
			return err
		}
		if s, err = r.snapshot(); err != nil {
			return err
		}
		m.Sent = s.Requests.Sent - sent0
		if q, ok := statusOf(s, "queue"); ok {
			m.Peak = q.Depth
		}
		m.Peak = max(m.Peak, m.During.MaxDepth)
		if err := r.revive("worker", "the worker"); err != nil {
			return err
		}
		m.Down = time.Since(killed)
		r.say(fmt.Sprintf("watching the backlog of %s events drain...", count(m.Peak)))
		m.DrainedIn, err = r.drain(m.Before.Depth, m.Peak, 5*time.Second)
		return err
	},
	grade: gradeWorkerKill,
	predict: prediction{
		unit: "events", tolerance: 0.2,
		ask: func(m Measurement) string {
			return fmt.Sprintf("Each request creates an event, and the worker applies them as they come: %s events/s, with %s waiting in the queue (medians of the last %d s). If you kill the worker for %d seconds, how many events will wait in the queue when it comes back?",
				rate(m.Before.Jobs), rate(m.Before.Depth), m.Before.Seconds, workerDown)
		},
		answer: func(m Measurement) float64 { return float64(m.Peak) },
		expect: backlogGrown,
		why: func(m Measurement) []string {
			want := backlogGrown(m)
			lines := []string{
				fmt.Sprintf("Nothing takes events out of the queue while the worker is down, and the service keeps publishing them: %s/s x %s + the %s waiting before = %s events.",
					rate(m.Before.Jobs), secs(m.Down), rate(m.Before.Depth), num(want)),
				fmt.Sprintf("Measured %s (%s): the users sent %s requests meanwhile, one event each.", count(m.Peak), gap(float64(m.Peak), want), count(m.Sent)),
			}
			if m.DrainedIn >= 0 {
				lines = append(lines, fmt.Sprintf("The revived worker drained the backlog in %s: it reads events in batches, far faster than they arrive, and its consumer group resumes where it left off.", secs(m.DrainedIn)))
			} else {
				lines = append(lines, "The backlog had not drained 5 s after the revive.")
			}
			lines = append(lines, "No request failed or waited for it: "+failedOf(m.During)+". The queue is what decouples the answer from the work.")
			return lines
		},
	},
}

// backlogGrown is the queue's depth to expect when the worker comes back:
// what it applied a second, times the seconds it was down, on top of what
// waited.
func backlogGrown(m Measurement) float64 {
	down := m.Down.Seconds()
	if down == 0 {
		down = workerDown
	}
	return nz(m.Before.Jobs)*down + nz(m.Before.Depth)
}

// drained is the depth a backlog counts as drained at: the depth before
// plus a little (20 events, or a twentieth of the peak).
func drained(before float64, peak int) float64 {
	return nz(before) + math.Max(20, 0.05*float64(peak))
}

// drain watches the queue's depth, as the engine refreshes it (ten times a
// second), until it is back to normal; -1 when it is not within limit.
func (r *run) drain(before float64, peak int, limit time.Duration) (time.Duration, error) {
	return r.poll(limit, func() (bool, error) {
		s, err := r.snapshot()
		if err != nil {
			return false, err
		}
		q, ok := statusOf(s, "queue")
		return ok && float64(q.Depth) <= drained(before, peak), nil
	})
}

func gradeWorkerKill(m Measurement) (string, string) {
	evidence := fmt.Sprintf("queue depth rose from %s to %s in %s without the worker", rate(m.Before.Depth), count(m.Peak), secs(m.Down))
	if m.DrainedIn >= 0 {
		evidence += fmt.Sprintf(", then drained in %s after the revive", secs(m.DrainedIn))
	} else {
		evidence += ", and had not drained 5 s after the revive"
	}
	evidence += "; " + failedOf(m.During)
	grew := float64(m.Peak) - nz(m.Before.Depth)
	switch {
	case m.During.FailRatio() >= 0.1:
		return "fail", evidence
	case grew < math.Max(50, 0.2*float64(m.Sent)):
		return "flat", evidence
	case m.DrainedIn >= 0:
		return "drain", evidence
	default:
		return "stuck", evidence
	}
}

// ---- kill the queue: users and events ----------------------------------------

var queueKillScript = script{
	outcomes: []string{"dropped", "fail", "kept", "slow"},
	baseline: steadyBaseline,
	act: func(r *run, m *Measurement) error {
		s, err := r.snapshot()
		if err != nil {
			return err
		}
		at, sent0, ev0 := inProgress(s), s.Requests.Sent, s.Events
		if err := r.kill("queue", "the queue"); err != nil {
			return err
		}
		killed := time.Now()
		r.say(fmt.Sprintf("keeping the queue down for %d s...", queueDown))
		if m.During, err = r.phase(at+1, queueDown-1, ""); err != nil {
			return err
		}
		if s, err = r.snapshot(); err != nil {
			return err
		}
		ev := s.Events
		m.Sent = s.Requests.Sent - sent0
		m.Events = EventBooks{Created: ev.Created - ev0.Created, Shed: ev.Shed - ev0.Shed, Waiting: ev.Pending(), Spool: ev.Spool, Outbox: ev.Outbox}
		at = inProgress(s)
		if err := r.revive("queue", "the queue"); err != nil {
			return err
		}
		m.Down = time.Since(killed)
		r.say(fmt.Sprintf("watching the relay publish the %s events waiting...", count(m.Events.Waiting)))
		if m.Events.PublishedIn, err = r.poll(5*time.Second, func() (bool, error) {
			s, err := r.snapshot()
			return err == nil && s.Events.Pending() == 0, err
		}); err != nil {
			return err
		}
		if m.After, err = r.phase(at+1, 2, "after the revive, to compare"); err != nil {
			return err
		}
		if s, err = r.snapshot(); err != nil {
			return err
		}
		e := s.Events
		m.Events.Since = Books{Created: e.Created - ev0.Created, Processed: e.Processed + e.DeadLettered - ev0.Processed - ev0.DeadLettered,
			Shed: e.Shed - ev0.Shed, Queued: e.Queued, Waiting: e.Pending()}
		return nil
	},
	grade: gradeQueueKill,
	predict: prediction{
		unit: "events", tolerance: 0.2,
		ask: func(m Measurement) string {
			return fmt.Sprintf("Users send %s requests/s, and each creates an event: a read's is handed to the queue before the answer (the service waits at most 2 ms for it), a write's is committed with the write in an outbox table and published by a relay. Now none waits to be published. If you kill the queue for %d seconds, how many events will be waiting to be published when it comes back?",
				rate(m.Before.Rate), queueDown)
		},
		answer: func(m Measurement) float64 { return float64(m.Events.Waiting) },
		expect: func(m Measurement) float64 { return nz(m.Before.Rate) * downFor(m, queueDown) },
		why: func(m Measurement) []string {
			e := m.Events
			want := nz(m.Before.Rate) * downFor(m, queueDown)
			lines := []string{
				fmt.Sprintf("While the queue is down nothing can be published: a read's event goes to the service's spool (at once, once the queue is known to be down), a write's stays in the outbox. %s events/s x %s = %s waiting.",
					rate(m.Before.Rate), secs(m.Down), num(want)),
				fmt.Sprintf("Measured %s (%s): %s in the spool, %s in the outbox, of %s created meanwhile; %s dropped (the spool holds 10,000: a full one would drop the rest, and count them).",
					count(e.Waiting), gap(float64(e.Waiting), want), count(e.Spool), count(e.Outbox), count(e.Created), count(e.Shed)),
			}
			if e.PublishedIn >= 0 {
				lines = append(lines, fmt.Sprintf("The relay published them all within %s of the revive; delivery is at least once, and the worker applies each event id once.", secs(e.PublishedIn)))
			} else {
				lines = append(lines, "Some still waited 5 s after the revive.")
			}
			if b := e.Since; b.Created > 0 {
				lines = append(lines, fmt.Sprintf("The books from the kill to the end: %s events created, %s processed by the worker, %s still in the stream, %s waiting to be published, %s shed.",
					count(b.Created), count(b.Processed), count(b.Queued), count(b.Waiting), count(b.Shed)))
			}
			lines = append(lines, fmt.Sprintf("Users did not wait for the queue: %s, median response %s (%s before).", failedOf(m.During), ms(m.During.P50), ms(m.Before.P50)))
			return lines
		},
	},
}

// downFor is how long a component was down, in seconds: measured, or what
// the script meant.
func downFor(m Measurement, planned int) float64 {
	if m.Down > 0 {
		return m.Down.Seconds()
	}
	return float64(planned)
}

func gradeQueueKill(m Measurement) (string, string) {
	b, d, e := m.Before, m.During, m.Events
	evidence := fmt.Sprintf("with the queue down for %s, %s events waited to be published (%s in the spool, %s in the outbox) of %s created, %s dropped",
		secs(m.Down), count(e.Waiting), count(e.Spool), count(e.Outbox), count(e.Created), count(e.Shed))
	if e.PublishedIn >= 0 {
		evidence += fmt.Sprintf("; all published within %s of the revive", secs(e.PublishedIn))
	}
	evidence += fmt.Sprintf("; %s in the whole seconds measured, median response %s (%s before)", failedOf(d), ms(d.P50), ms(b.P50))
	switch {
	case d.FailRatio() >= 0.1:
		return "fail", evidence
	case slowedDown(d, b, m.After):
		return "slow", evidence
	case e.Created > 0 && (float64(e.Shed) >= 0.25*float64(e.Created) || float64(e.Waiting) < 0.5*float64(e.Created)):
		// Dropped by a full spool, or gone without a trace.
		return "dropped", evidence
	default:
		return "kept", evidence
	}
}

// poll calls done every 100 ms until it reports true, and returns how long
// that took; -1 when it does not within limit.
func (r *run) poll(limit time.Duration, done func() (bool, error)) (time.Duration, error) {
	start := time.Now()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for time.Since(start) < limit {
		ok, err := done()
		if err != nil {
			return 0, err
		}
		if ok {
			return time.Since(start), nil
		}
		select {
		case <-r.ctx.Done():
			return 0, r.ctx.Err()
		case <-tick.C:
		}
	}
	return -1, nil
}
