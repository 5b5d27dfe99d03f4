// Package headless is the front end without a screen: it runs the engine for
// a while under a script of faults and reports a per-second timeline and a
// summary, as a table or as JSON; and it prints one request's trace. Tests,
// benchmarks and scripts build on it.
package headless

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/engine"
)

// Run configures a headless run.
type Run struct {
	Duration time.Duration
	Drain    time.Duration // bound on waiting for requests and the queue at the end
	Faults   []engine.Fault
	// OnSecond, when set, is told of each second as it closes (for live
	// output).
	OnSecond func(engine.Second)
}

// stopGrace bounds the drain of a run stopped early.
const stopGrace = time.Second

// Summary is the run as a whole.
//
// The events' books: events_lost = events_created - events_processed -
// events_dead_lettered - events_queued - events_pending - events_shed, which
// must be 0. Delivery is at least once, but every figure counts events, not
// attempts: the broker adds an event id once (a retried publish counts in
// events_deduplicated, not again in events_published), events_processed
// counts events acknowledged, each once, however often it was delivered
// (redeliveries the worker found applied are events_duplicated), and
// events_queued counts the events in the stream.
type Summary struct {
	Sent     int64 `json:"sent"`
	OK       int64 `json:"ok"`
	Failed   int64 `json:"failed"`
	InFlight int64 `json:"in_flight"`

	EventsCreated      int64 `json:"events_created"` // committed to deliver: every read's, every write's that committed
	EventsPublished    int64 `json:"events_published"`
	EventsProcessed    int64 `json:"events_processed"`
	EventsDuplicated   int64 `json:"events_duplicated"`
	EventsDeadLettered int64 `json:"events_dead_lettered"`
	EventsQueued       int   `json:"events_queued"`
	EventsPending      int   `json:"events_pending"` // in the outbox or the spool at the end
	EventsShed         int64 `json:"events_shed"`    // dropped by a full spool
	EventsLost         int64 `json:"events_lost"`
	// EventsSpooled counts read events kept in the spool because the queue
	// was down, slow or failing; EventsDeduplicated the republished events
	// the broker already had.
	EventsSpooled      int64 `json:"events_spooled"`
	EventsDeduplicated int64 `json:"events_deduplicated"`

	Drained    bool   `json:"drained"`
	DrainError string `json:"drain_error,omitempty"`
}

// Report is what a run produced.
type Report struct {
	Timeline []engine.Second `json:"timeline"`
	Summary  Summary         `json:"summary"`
}

// Execute starts the traffic, applies the faults at their times, ends the
// traffic after the duration, drains, and reports. The traffic's own faults
// (rate, pattern) and its end are planned on its schedule beforehand, so
// that a seed gives the same requests in the same seconds. When ctx ends
// early (during the drain too) the run stops there and reports what it
// has, with ctx's error, after at most stopGrace for the requests in
// flight.
func (r Run) Execute(ctx context.Context, e *engine.Engine) (Report, error) {
	start := time.Now()
	rest := e.Plan(r.Faults, r.Duration)
	e.Start()
	faults := make(chan engine.Fault)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, f := range rest {
		time.AfterFunc(f.At, func() {
			select {
			case faults <- f:
			case <-runCtx.Done():
			}
		})
	}
	seconds := int(r.Duration.Round(time.Second) / time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	reported := 0
	var runErr error
loop:
	for {
		select {
		case f := <-faults:
			if err := e.Apply(f); err != nil {
				runErr = fmt.Errorf("fault %q: %w", f.Text, err)
				break loop
			}
		case <-tick.C:
			reported = r.report(e, reported, seconds)
		case <-e.TrafficEnded():
			break loop
		case <-ctx.Done():
			runErr = ctx.Err()
			break loop
		}
	}
	cancel()
	e.StopTraffic()
	// Let the last second of the run close before reading the timeline.
	for runErr == nil && len(e.History()) < seconds && time.Since(start) < r.Duration+2*time.Second {
		time.Sleep(20 * time.Millisecond)
	}
	r.report(e, reported, seconds)

	// Stopped early, the run still gives the requests in flight a moment to
	// answer, so that its books add up; a stop during the drain ends it.
	drainFrom, grace := ctx, r.Drain
	if ctx.Err() != nil {
		drainFrom, grace = context.WithoutCancel(ctx), min(grace, stopGrace)
	}
	drainCtx, stop := context.WithTimeout(drainFrom, grace)
	defer stop()
	drainErr := e.Drain(drainCtx)
	if runErr == nil {
		runErr = ctx.Err() // interrupted during the drain
	}
	// One refresh after the drain, so the snapshot counts everything.
	time.Sleep(150 * time.Millisecond)

	rep := Report{Timeline: e.History()}
	if len(rep.Timeline) > seconds {
		rep.Timeline = rep.Timeline[:seconds]
	}
	s := e.Snapshot()
	ev := s.Events
	rep.Summary = Summary{
		Sent: s.Requests.Sent, OK: s.Requests.OK, Failed: s.Requests.Failed, InFlight: s.Requests.InFlight,
		EventsCreated: ev.Created, EventsPublished: ev.Published, EventsProcessed: ev.Processed,
		EventsDuplicated: ev.Duplicated, EventsDeadLettered: ev.DeadLettered, EventsQueued: ev.Queued,
		EventsPending: ev.Pending(), EventsShed: ev.Shed, EventsLost: ev.Lost(),
		EventsSpooled: ev.Spooled, EventsDeduplicated: ev.Deduplicated,
		Drained: drainErr == nil,
	}
	if drainErr != nil {
		rep.Summary.DrainError = drainErr.Error()
	}
	return rep, runErr
}

// report tells OnSecond of the seconds closed since the last call.
func (r Run) report(e *engine.Engine, reported, seconds int) int {
	if r.OnSecond == nil {
		return reported
	}
	h := e.History()
	for ; reported < len(h) && reported < seconds; reported++ {
		r.OnSecond(h[reported])
	}
	return reported
}

// WriteJSON writes the report as one JSON object.
func WriteJSON(w io.Writer, rep Report) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}

// TableHeader is the timeline's header line.
func TableHeader(w io.Writer) {
	fmt.Fprintln(w, "    t   sent     ok  failed   hit%  db_reads  db_qps   p50ms   p99ms  queue  waiting  down")
}

// TableRow writes one second of the timeline.
func TableRow(w io.Writer, s engine.Second) {
	hit := "    -"
	if s.HitRatio != nil {
		hit = fmt.Sprintf("%5.1f", *s.HitRatio*100)
	}
	down := "-"
	if len(s.Down) > 0 {
		down = strings.Join(s.Down, ",")
	}
	fmt.Fprintf(w, "%5d %6d %6d %7d  %s  %8d  %6d  %6.1f  %6.1f  %5d  %7d  %s\n",
		s.T, s.Sent, s.OK, s.Failed, hit, s.DBReads, s.DBQPS, s.P50, s.P99, s.QueueDepth, s.EventsWaiting, down)
}

// WriteSummary writes the summary lines.
func WriteSummary(w io.Writer, s Summary) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "requests\tsent %d\tok %d\tfailed %d\tin flight %d\n", s.Sent, s.OK, s.Failed, s.InFlight)
	fmt.Fprintf(tw, "events\tcreated %d\tprocessed %d\tdead-lettered %d\tqueued %d\tpending %d\tshed %d\tlost %d\n",
		s.EventsCreated, s.EventsProcessed, s.EventsDeadLettered, s.EventsQueued, s.EventsPending, s.EventsShed, s.EventsLost)
	fmt.Fprintf(tw, "\tpublished %d\tspooled %d\tredelivered, already applied %d\tretries the queue had already %d\n",
		s.EventsPublished, s.EventsSpooled, s.EventsDuplicated, s.EventsDeduplicated)
	if !s.Drained {
		fmt.Fprintf(tw, "drain\tincomplete: %s\n", s.DrainError)
	}
	tw.Flush()
}

// TraceJSON is `archex trace --json`: the request, what the user waited
// (response_ms), and every hop in the card's order, the background branch
// where it forks.
type TraceJSON struct {
	Trace      string    `json:"trace"`
	Method     string    `json:"method"`
	Path       string    `json:"path,omitempty"`
	Status     int       `json:"status"`
	ResponseMS float64   `json:"response_ms"`
	Hops       []HopJSON `json:"hops"`
}

// HopJSON is one hop: when it started after the request (start_ms), how
// long it took (ms), whether it is in the background (async), and the
// hop's structured fields and detail.
type HopJSON struct {
	StartMS float64 `json:"start_ms"`
	MS      float64 `json:"ms"`
	trace.Hop
	TTLMS     float64 `json:"ttl_ms,omitempty"`
	ElapsedMS float64 `json:"elapsed_ms,omitempty"`
}

// WriteTraceJSON writes t as TraceJSON.
func WriteTraceJSON(w io.Writer, t engine.Trace) error {
	method, path := request(t)
	out := TraceJSON{Trace: string(t.ID), Method: method, Path: path, Status: t.Status, ResponseMS: ms(t.Duration), Hops: []HopJSON{}}
	for _, h := range t.Hops {
		out.Hops = append(out.Hops, HopJSON{StartMS: ms(h.Start.Sub(t.Start)), MS: ms(h.Duration), Hop: h,
			TTLMS: ms(h.TTL), ElapsedMS: ms(h.Elapsed)})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// request is the method and path of a trace, from its hops.
func request(t engine.Trace) (method, path string) {
	method = "GET"
	if t.Write {
		method = "PUT"
	}
	for _, h := range t.Hops {
		if h.Path != "" {
			return method, h.Path
		}
	}
	return method, ""
}

// WriteTrace writes a trace as a numbered list of hops in the card's order,
// each with when it started after the request and how long it took; the
// hops of the background branch are marked, and the header says when that
// branch ended against the answer.
func WriteTrace(w io.Writer, t engine.Trace) {
	method, path := request(t)
	result := fmt.Sprintf("%d", t.Status)
	if t.Status == 0 {
		result = "no response"
	}
	fmt.Fprintf(w, "trace %s: %s %s -> %s in %.1f ms, %d hops", t.ID, method, path, result, ms(t.Duration), len(t.Hops))
	answer := t.Start.Add(t.Duration)
	var bg int
	var last time.Time
	for _, h := range t.Hops {
		if h.Async {
			bg++
			if h.End().After(last) {
				last = h.End()
			}
		}
	}
	if bg > 0 {
		fmt.Fprintf(w, "; %d in the background, the last ending %.1f ms after the answer", bg, ms(last.Sub(answer)))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  #\tstart\ttook\t\thop\toutcome\tdetail")
	for i, h := range t.Hops {
		branch := ""
		if h.Async {
			branch = "async"
		}
		fmt.Fprintf(tw, "%3d\t%7.2f ms\t%7.2f ms\t%s\t%s -> %s\t%s\t%s\n", i+1, ms(h.Start.Sub(t.Start)), ms(h.Duration), branch, h.From, h.To, h.Outcome, h.Detail)
	}
	tw.Flush()
	for _, h := range t.Hops {
		if h.Reply && h.Duration < time.Millisecond {
			fmt.Fprintln(w, "replies take next to no time of their own: a store's answer is part of its call's time, an HTTP answer crosses a connection already open in one process")
			break
		}
	}
	if t.Err != "" {
		fmt.Fprintf(w, "error: %s\n", t.Err)
	}
}

func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
