package service

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/trace"
)

// write updates the price in the database, invalidates the key in every
// cache and publishes an event.
func (s *Service) write(ctx context.Context, q *request, r *http.Request) (response, error) {
	var in struct {
		PriceCents int `json:"price_cents"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16)).Decode(&in); err != nil || in.PriceCents <= 0 {
		return response{}, badRequest{"send JSON like {\"price_cents\": 1299}"}
	}
	if db := s.cfg.Store; db != nil {
		done, err := s.enterLine(ctx, q, OpUpdate) // load shedding (shed.go)
		if err != nil {
			return response{}, err
		}
		start := time.Now()
		info, err := db.UpdatePrice(ctx, q.prod, in.PriceCents)
		done()
		sqlText := fmt.Sprintf("UPDATE products SET price_cents=%d WHERE id=%d", in.PriceCents, q.prod)
		if err != nil {
			q.out(db.Name(), OpUpdate, start, trace.Error, fmt.Sprintf("%s: %v", sqlText, err))
			return response{}, err
		}
		q.out(db.Name(), OpUpdate, start, trace.OK, fmt.Sprintf("%s (%s)", sqlText, ms(info.Took)))
		q.back(db.Name(), OpUpdate, trace.OK, "1 row updated")
	}
	for i, c := range s.cfg.Caches {
		start := time.Now()
		err := s.withBreaker(i, func() error { _, err := c.Del(ctx, q.key); return err })
		if err != nil {
			// The entry will expire with its TTL; the write stands.
			q.out(c.Name(), OpDel, start, trace.Fallback, fmt.Sprintf("DEL %s failed (%v): stale until its TTL", q.key, err))
			continue
		}
		q.out(c.Name(), OpDel, start, trace.OK, "DEL "+q.key)
	}
	s.publish(ctx, q, event.ProductUpdated)
	return response{PriceCents: in.PriceCents, Source: "write"}, nil
}
