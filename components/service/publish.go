package service

import (
	"context"
	"fmt"
	"time"

	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/trace"
)

func (s *Service) publish(ctx context.Context, q *request, typ string) {
	if s.cfg.Queue == nil {
		return
	}
	start := time.Now()
	ev := event.Event{ID: "ev-" + string(q.id), Type: typ, Product: q.prod, Trace: q.id, Published: start}
	if q.id == "" {
		ev.ID = "ev-" + string(trace.NewID(s.rng.Uint64()))
	}
	_, _, err := s.cfg.Queue.Publish(ctx, ev)
	if err != nil {
		s.publishFailed.Add(1)
		q.out(s.cfg.Queue.Name(), OpPublish, start, trace.Error, fmt.Sprintf("XADD %s failed, event dropped: %v", typ, err))
		return
	}
	q.out(s.cfg.Queue.Name(), OpPublish, start, trace.OK, "XADD events "+typ)
}
