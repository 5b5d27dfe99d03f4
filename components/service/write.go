package service

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/trace"
)

// write updates the price in the database and, in the same transaction,
// records in the outbox what must follow: the event for the worker and the
// invalidation of the key. Then it deletes the key from every cache itself;
// whatever it could not finish, the outbox relay retries, and until the
// invalidation is done reads do not trust the cache for the key. The user
// never waits for the queue.
func (s *Service) write(ctx context.Context, q *request, r *http.Request) (response, error) {
	words := s.cfg.Resource
	value, err := readValue(r, words.Field())
	if err != nil {
		return response{}, err
	}
	rows := s.outboxRows(q)
	if db := s.cfg.Store; db != nil {
		done, err := s.enterLine(ctx, q, OpUpdate) // load shedding (shed.go)
		if err != nil {
			return response{}, err
		}
		start := time.Now()
		info, err := db.UpdatePrice(ctx, q.prod, value, rows)
		done()
		h := q.call(db.Name(), OpUpdate, start, trace.OK)
		h.Table, h.Statement = words.Table(), words.Update(q.prod, value)
		h.Detail = h.Statement
		h.Key = "" // set below when the outbox holds the key's DEL
		if len(rows) > 0 {
			h.Held = "outbox"
			for _, row := range rows {
				if row.IsEvent() {
					h.Event = row.Event.Type
				} else {
					h.Key = row.Key
				}
			}
			h.Detail += " + outbox " + outboxText(rows) + " (one transaction)"
		}
		if err != nil {
			h.Outcome, h.Err, h.Detail = trace.Error, err.Error(), h.Detail+": "+err.Error()
			q.record(h)
			return response{}, err
		}
		h.Rows, h.Detail = info.Rows, h.Detail+" ("+ms(info.Took)+")"
		q.record(h)
		a := q.answer(db.Name(), OpUpdate, trace.OK)
		a.Table, a.Rows, a.Detail = h.Table, info.Rows, "1 row updated"
		q.record(a)
	}
	invalidated := true
	for i, c := range s.cfg.Caches {
		start := time.Now()
		err := s.withBreaker(i, func() error { _, err := c.Del(ctx, q.key); return err })
		h := q.call(c.Name(), OpDel, start, trace.OK)
		h.Detail = "DEL " + q.key
		if err != nil {
			invalidated = false
			h.Outcome, h.Err = trace.Fallback, err.Error()
			if breakerBlocked(err) {
				h.Why = trace.BreakerOpen
			}
			h.Detail = fmt.Sprintf("DEL %s failed (%v): the relay retries it; until then reads skip the cache for it", q.key, err)
		}
		q.record(h)
	}
	if s.cfg.Relay != nil {
		s.cfg.Relay.Committed(rows, invalidated)
	}
	return response{Value: value, Source: "write"}, nil
}

// readValue reads a write's body, {"<field>": N} with N > 0.
func readValue(r *http.Request, field string) (int, error) {
	var in map[string]json.RawMessage
	bad := badRequest{`send JSON like {"` + field + `": 1299}`}
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16)).Decode(&in); err != nil {
		return 0, bad
	}
	var v int
	if err := json.Unmarshal(in[field], &v); err != nil || v <= 0 {
		return 0, bad
	}
	return v, nil
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
		rows = append(rows, database.OutboxRow{Event: s.newEvent(q, s.cfg.Resource.Updated(), now), Trace: q.id, Created: now})
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
