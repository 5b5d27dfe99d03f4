package engine

import (
	"context"
	"sync"
	"time"

	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/generic"
)

// sink is where the worker applies events when the card's async branch
// does not end at the database: a component of another kind (a search
// index, object storage ...) that does its modeled work once per batch, a
// real call that takes its time, fails while it is down and is slowed by
// chaos; or, for a branch that ends at the worker, nothing past the worker's
// own work. Like an index written by document id, it keeps the ids of the
// events it applied, so a redelivered event changes nothing; the worker
// prunes them as it prunes the database's.
type sink struct {
	c *generic.Component // nil: the branch ends at the worker

	mu      sync.Mutex
	applied map[string]time.Time
}

func newSink(c *generic.Component) *sink {
	return &sink{c: c, applied: map[string]time.Time{}}
}

// ApplyEvents applies a batch: one call to the component, then each event
// is Applied, or a Duplicate when its id was applied before. Nothing is
// applied when the call fails.
func (s *sink) ApplyEvents(ctx context.Context, events []event.Event) ([]event.Result, database.Query, error) {
	var q database.Query
	if s.c != nil {
		took, err := s.c.Call(ctx)
		q.Took = took
		if err != nil {
			return nil, q, err
		}
	}
	now := time.Now()
	results := make([]event.Result, len(events))
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, ev := range events {
		if _, seen := s.applied[ev.ID]; seen {
			results[i] = event.Duplicate
			continue
		}
		s.applied[ev.ID] = now
		results[i] = event.Applied
		q.Rows++
	}
	return results, q, nil
}

// PruneApplied forgets up to limit ids applied before before.
func (s *sink) PruneApplied(_ context.Context, before time.Time, limit int) (int, database.Query, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, at := range s.applied {
		if n >= limit {
			break
		}
		if at.Before(before) {
			delete(s.applied, id)
			n++
		}
	}
	return n, database.Query{}, nil
}
