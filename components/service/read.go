package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/trace"
)

// withBreaker calls a cache through its breaker (when on). The error is
// gobreaker.ErrOpenState when the breaker did not let the call through.
func (s *Service) withBreaker(i int, call func() error) error {
	if !s.breakerOn.Load() {
		return call()
	}
	_, err := s.breakers[i].Execute(func() (struct{}, error) { return struct{}{}, call() })
	return err
}

func breakerBlocked(err error) bool {
	return errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests)
}

// readState is what a read has found so far.
type readState struct {
	product *database.Product
	source  string
	missed  []bool // per cache: looked up and not found (so fill it)
}

func (s *Service) read(ctx context.Context, q *request) (response, error) {
	st := &readState{missed: make([]bool, len(s.cfg.Caches))}
	plan := s.cfg.Plan
	for i := 0; i < len(plan); i++ {
		step := plan[i]
		switch step.Kind {
		case Lookup:
			if st.product == nil {
				s.lookup(ctx, q, step, st)
			}
		case Read:
			// The read and the cache fills right after it are one load,
			// shared by concurrent misses of the same key.
			j := i + 1
			for j < len(plan) && plan[j].Kind == Fill {
				j++
			}
			if st.product == nil {
				if err := s.load(ctx, q, step, plan[i+1:j], st); err != nil {
					return response{}, err
				}
			}
			i = j - 1
		case Fill:
			if st.product != nil && st.missed[step.Cache] {
				s.fill(ctx, q, step, st)
			}
		case Publish:
			s.publish(ctx, q, s.cfg.Resource.Viewed())
		case Call:
			if err := s.call(ctx, q, step); err != nil {
				return response{}, err
			}
		}
	}
	if st.product == nil {
		// No database on the card: the service is the source of truth.
		st.product = &database.Product{ID: q.prod, Name: s.cfg.Resource.Name(q.prod)}
		st.source = s.cfg.Name
	}
	return response{Name: st.product.Name, Value: st.product.PriceCents, Source: st.source}, nil
}

func (s *Service) lookup(ctx context.Context, q *request, step Step, st *readState) {
	c := s.cfg.Caches[step.Cache]
	start := time.Now()
	if s.untrusted(q) {
		// Not missed either: filling would be undone by the pending DEL.
		h := q.call(c.Name(), OpGet, start, trace.Skipped)
		h.Why, h.Detail = trace.Invalidating, fmt.Sprintf("not asking %s for %s: a write's invalidation of it is pending", c.Name(), q.key)
		q.record(h)
		return
	}
	var (
		value string
		hit   bool
	)
	err := s.withBreaker(step.Cache, func() error {
		var err error
		value, hit, _, err = c.Get(ctx, q.key)
		return err
	})
	if err == nil && hit {
		var p database.Product
		if jerr := json.Unmarshal([]byte(value), &p); jerr == nil {
			s.lookedUp(q, c.Name(), start, trace.Hit, step.Reply)
			st.product, st.source = &p, c.Name()
			return
		}
		hit = false // a value we cannot read is a miss
	}
	st.missed[step.Cache] = true
	switch {
	case breakerBlocked(err):
		h := q.call(c.Name(), OpGet, start, trace.Skipped)
		h.Why, h.Detail = trace.BreakerOpen, fmt.Sprintf("circuit OPEN: not calling %s for %s", c.Name(), q.key)
		q.record(h)
	case err != nil:
		h := q.call(c.Name(), OpGet, start, trace.Fallback)
		h.Err, h.Detail = err.Error(), fmt.Sprintf("GET %s failed (%v): falling back", q.key, err)
		q.record(h)
	default:
		s.lookedUp(q, c.Name(), start, trace.Miss, step.Reply)
	}
}

// lookedUp records a lookup that got an answer, a hit or a miss, and the
// answer's hop back when the card draws it.
func (s *Service) lookedUp(q *request, cache string, start time.Time, outcome trace.Outcome, reply bool) {
	h := q.call(cache, OpGet, start, outcome)
	h.Detail = "GET " + q.key
	q.record(h)
	if !reply {
		return
	}
	a := q.answer(cache, OpGet, outcome)
	a.Detail = "MISS " + q.key
	if outcome == trace.Hit {
		a.Detail = "HIT " + q.key
	}
	q.record(a)
}

// load reads the product from the database and fills the caches; with
// singleflight on, concurrent misses of the same key share one load.
func (s *Service) load(ctx context.Context, q *request, read Step, fills []Step, st *readState) error {
	if s.cfg.Store == nil {
		return nil
	}
	shared := s.singleflightOn.Load()
	lctx := ctx
	if shared {
		// The load is shared: the reader who runs it hanging up must not
		// fail the others waiting for it. It keeps that reader's deadline.
		lctx = context.WithoutCancel(ctx)
		if d, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			lctx, cancel = context.WithDeadline(lctx, d)
			defer cancel()
		}
	}
	leader := false
	fn := func() (any, error) {
		leader = true
		p, err := s.readDB(lctx, q, read)
		if err != nil {
			return nil, err
		}
		st.product, st.source = &p, s.cfg.Store.Name()
		for _, f := range fills {
			if st.missed[f.Cache] {
				s.fill(lctx, q, f, st)
			}
		}
		return p, nil
	}
	if !shared {
		_, err := fn()
		return err
	}
	start := time.Now()
	v, err, _ := s.flight.Do(q.key, fn)
	if leader {
		return err
	}
	s.coalesced.Add(1)
	switch {
	case isShed(err):
		// The query it would have joined was never run.
		s.shedder.shed.Add(1) // a shed error means there is a shedder
		q.record(s.shedHop(q, OpSelect, start, err))
		return err
	case err != nil:
		h := q.call(s.cfg.Store.Name(), OpSelect, start, trace.Error)
		h.Table, h.Why, h.Err = s.cfg.Resource.Table(), trace.Joined, err.Error()
		h.Detail = fmt.Sprintf("shared query for %s failed: %v", q.key, err)
		q.record(h)
		return err
	}
	p := v.(database.Product)
	st.product, st.source = &p, s.cfg.Store.Name()
	h := q.call(s.cfg.Store.Name(), OpSelect, start, trace.Skipped)
	h.Table, h.Why = s.cfg.Resource.Table(), trace.Joined
	h.Detail = fmt.Sprintf("joined the query already in flight for %s (singleflight)", q.key)
	q.record(h)
	return nil
}

func (s *Service) readDB(ctx context.Context, q *request, step Step) (database.Product, error) {
	db := s.cfg.Store
	done, err := s.enterLine(ctx, q, OpSelect)
	if err != nil {
		return database.Product{}, err
	}
	start := time.Now()
	p, info, err := db.GetProduct(ctx, q.prod)
	done()
	h := q.call(db.Name(), OpSelect, start, trace.OK)
	h.Table, h.Statement = s.cfg.Resource.Table(), strings.Replace(info.SQL, "?", strconv.Itoa(q.prod), 1)
	if err != nil && !errors.Is(err, database.ErrNotFound) {
		h.Outcome, h.Err, h.Detail = trace.Error, err.Error(), h.Statement+": "+err.Error()
		q.record(h)
		return p, err
	}
	h.Rows, h.Detail = info.Rows, h.Statement+" ("+ms(info.Took)+")"
	q.record(h)
	if step.Reply {
		a := q.answer(db.Name(), OpSelect, trace.OK)
		a.Table, a.Rows, a.Detail = h.Table, info.Rows, "0 rows"
		if err == nil {
			a.Value = s.cfg.Resource.Row(p.Name, p.PriceCents)
			a.Detail = "1 row: " + a.Value
		}
		q.record(a)
	}
	return p, err
}

func (s *Service) fill(ctx context.Context, q *request, step Step, st *readState) {
	c := s.cfg.Caches[step.Cache]
	body, _ := json.Marshal(st.product)
	ttl := s.ttl()
	start := time.Now()
	err := s.withBreaker(step.Cache, func() error {
		_, err := c.Set(ctx, q.key, string(body), ttl)
		return err
	})
	h := q.call(c.Name(), OpSet, start, trace.OK)
	h.TTL = ttl
	switch {
	case breakerBlocked(err):
		h.Outcome, h.Why, h.Detail = trace.Skipped, trace.BreakerOpen, "circuit OPEN: not filling "+q.key
	case err != nil:
		h.Outcome, h.Err, h.Detail = trace.Fallback, err.Error(), fmt.Sprintf("SET %s failed (%v)", q.key, err)
	default:
		h.Detail = "SET " + q.key + " EX " + strconv.Itoa(int(ttl.Seconds())) + "s"
	}
	q.record(h)
}

// ttl is the cache TTL with ±10 % jitter, so that keys filled together do
// not expire together.
func (s *Service) ttl() time.Duration {
	return time.Duration(float64(s.TTL()) * (0.9 + 0.2*s.rng.Float64()))
}

func (s *Service) call(ctx context.Context, q *request, step Step) error {
	c, ok := s.cfg.Calls[step.Target]
	if !ok {
		return nil
	}
	start := time.Now()
	took, err := c.Call(ctx)
	h := q.call(step.Target, OpCall, start, trace.OK)
	if err != nil {
		h.Outcome, h.Err, h.Detail = trace.Error, err.Error(), err.Error()
		q.record(h)
		return err
	}
	h.Detail = "call " + step.Target + " (" + ms(took) + ")"
	q.record(h)
	if step.Reply {
		a := q.answer(step.Target, OpCall, trace.OK)
		a.Detail = "reply"
		q.record(a)
	}
	return nil
}
