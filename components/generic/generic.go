// Package generic runs any component whose kind archex has no dedicated
// implementation for (a CDN, a search index, object storage, an auth
// service ...) as a real hop: it does its modeled latency inside its capacity
// limit and can be killed like the rest. It takes part in the flow in one of
// two ways: as a call the service makes, or as a stage requests pass through
// on their way in (Wrap), either in front of the service in each replica or,
// in front of the load balancer, as a reverse proxy of its own.
package generic

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/archex/archex/components/httpnode"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/trace"
)

// DefaultLatency is the modeled latency of a generic component.
var DefaultLatency = model.Latency{Base: time.Millisecond, Jitter: 200 * time.Microsecond}

// Config configures a generic component.
type Config struct {
	Name     string
	Kind     string
	Latency  model.Latency
	Capacity int
	Seed     uint64
	Recorder trace.Recorder
	OnPanic  httpnode.PanicFunc
}

// Component is a generic component.
type Component struct {
	cfg     Config
	station *model.Station
	faults  model.Faults
	down    atomic.Bool
	calls   atomic.Int64
}

// New builds a generic component.
func New(cfg Config) *Component {
	if cfg.Recorder == nil {
		cfg.Recorder = trace.Discard
	}
	c := &Component{cfg: cfg}
	c.station = model.NewStation(cfg.Capacity, cfg.Latency, &c.faults, model.NewRand(cfg.Seed, cfg.Name))
	return c
}

// Name is the component's name on the card.
func (c *Component) Name() string { return c.cfg.Name }

// Kind is the kind the card gives it.
func (c *Component) Kind() string { return c.cfg.Kind }

// Faults are the chaos applied to every unit of work.
func (c *Component) Faults() *model.Faults { return &c.faults }

// Latency is the modeled latency of one unit of work.
func (c *Component) Latency() model.Latency { return c.cfg.Latency }

// Calls counts the units of work done.
func (c *Component) Calls() int64 { return c.calls.Load() }

// Down reports whether the component has been killed.
func (c *Component) Down() bool { return c.down.Load() }

// Kill makes the component refuse work: calls fail and connections through
// it are cut.
func (c *Component) Kill() { c.down.Store(true) }

// Revive brings it back.
func (c *Component) Revive() { c.down.Store(false) }

// Call does one unit of work for a caller.
func (c *Component) Call(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	if c.down.Load() {
		return 0, fmt.Errorf("%s refused the call: %w", c.cfg.Name, model.ErrDown)
	}
	c.calls.Add(1)
	err := c.station.Serve(ctx, nil)
	if err != nil {
		err = fmt.Errorf("%s: %w", c.cfg.Name, err)
	}
	return time.Since(start), err
}

// Wrap puts the component in front of next, in the same server.
func (c *Component) Wrap(instance string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.down.Load() {
			panic(http.ErrAbortHandler)
		}
		if id, ok := c.receive(w, r, instance); ok {
			next.ServeHTTP(&httpnode.ReplyWriter{ResponseWriter: w, Name: c.cfg.Name, Instance: instance, Trace: id, Recorder: c.cfg.Recorder}, r)
		}
	})
}

// receive does the component's work on a request and records the hop to it.
// When the work fails it answers the request itself and returns false;
// otherwise it stamps the request as sent on by this component.
func (c *Component) receive(w http.ResponseWriter, r *http.Request, instance string) (trace.ID, bool) {
	from, sent := trace.Received(r.Header, time.Now())
	id := trace.FromHeader(r.Header)
	c.calls.Add(1)
	err := c.station.Serve(r.Context(), nil)
	hop := trace.Hop{Trace: id, From: from, To: c.cfg.Name, Instance: instance, Start: sent, Duration: time.Since(sent),
		Detail: r.Method + " " + r.URL.Path, Method: r.Method, Path: r.URL.Path}
	if err != nil {
		hop.Outcome, hop.Detail, hop.Err = trace.Error, hop.Detail+": "+err.Error(), err.Error()
		c.cfg.Recorder.Record(hop)
		trace.Send(w.Header(), c.cfg.Name, time.Now())
		http.Error(w, c.cfg.Name+": "+err.Error(), http.StatusServiceUnavailable)
		return id, false
	}
	c.cfg.Recorder.Record(hop)
	trace.Send(r.Header, c.cfg.Name, time.Now())
	return id, true
}
