package service

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/trace"
)

// write updates the price in the database and, in the same transaction,
// records in the outbox what must follow: the event for the worker and the
// invalidation of the key. Then it deletes the key from every cache itself;
// whatever it could not finish, the outbox relay retries, and until the
// invalidation is done reads do not trust the cache for the key. The user
// never waits for the queue.
func (s *Service) write(ctx context.Context, q *request, r *http.Request) (response, error) {
	var in struct {
		PriceCents int `json:"price_cents"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16)).Decode(&in); err != nil || in.PriceCents <= 0 {
		return response{}, badRequest{"send JSON like {\"price_cents\": 1299}"}
	}
	rows := s.outboxRows(q)
	if db := s.cfg.Store; db != nil {
		done, err := s.enterLine(ctx, q, OpUpdate) // load shedding (shed.go)
		if err != nil {
			return response{}, err
		}
		start := time.Now()
		info, err := db.UpdatePrice(ctx, q.prod, in.PriceCents, rows)
		done()
		sqlText := fmt.Sprintf("UPDATE products SET price_cents=%d WHERE id=%d", in.PriceCents, q.prod)
		if len(rows) > 0 {
			sqlText += " + outbox " + outboxText(rows) + " (one transaction)"
		}
		if err != nil {
			q.out(db.Name(), OpUpdate, start, trace.Error, fmt.Sprintf("%s: %v", sqlText, err))
			return response{}, err
		}
		q.out(db.Name(), OpUpdate, start, trace.OK, fmt.Sprintf("%s (%s)", sqlText, ms(info.Took)))
		q.back(db.Name(), OpUpdate, trace.OK, "1 row updated")
	}
	invalidated := true
	for i, c := range s.cfg.Caches {
		start := time.Now()
		err := s.withBreaker(i, func() error { _, err := c.Del(ctx, q.key); return err })
		if err != nil {
			invalidated = false
			q.out(c.Name(), OpDel, start, trace.Fallback, fmt.Sprintf("DEL %s failed (%v): the relay retries it; until then reads skip the cache for it", q.key, err))
			continue
		}
		q.out(c.Name(), OpDel, start, trace.OK, "DEL "+q.key)
	}
	if s.cfg.Relay != nil {
		s.cfg.Relay.Committed(rows, invalidated)
	}
	return response{PriceCents: in.PriceCents, Source: "write"}, nil
}

// outboxRows are what a write of q leaves to be done: its event, when the
// card has a queue, and the invalidation of its key, when it has a cache.
func (s *Service) outboxRows(q *request) []database.OutboxRow {
	r := s.cfg.Relay
	if r == nil {
		return nil
	}
	now := time.Now()
	var rows []database.OutboxRow
	if r.Queue() != "" {
		rows = append(rows, database.OutboxRow{Event: s.newEvent(q, event.ProductUpdated, now), Trace: q.id, Created: now})
	}
	if len(s.cfg.Caches) > 0 {
		rows = append(rows, database.OutboxRow{Key: q.key, Trace: q.id, Created: now})
	}
	return rows
}

func outboxText(rows []database.OutboxRow) string {
	var parts []string
	for _, r := range rows {
		if r.IsEvent() {
			parts = append(parts, r.Event.Type)
		} else {
			parts = append(parts, "DEL "+r.Key)
		}
	}
	return strings.Join(parts, ", ")
}

// untrusted reports whether reads must not trust the caches for q's key: a
// write's invalidation of it is still pending.
func (s *Service) untrusted(q *request) bool {
	return s.cfg.Relay != nil && s.cfg.Relay.Untrusted(q.key)
}
