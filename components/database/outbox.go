// The transactional outbox: a write commits, in the same transaction as its
// UPDATE, the work that must follow it (the event to publish, the cache key
// to invalidate), so that the write and its consequences stand or fall
// together. The outbox relay (package outbox) does the work and deletes the
// rows.

package database

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/trace"
)

// outboxSchema is the outbox table. seq is AUTOINCREMENT so that a number is
// never given twice, even after the rows are deleted.
const outboxSchema = `CREATE TABLE IF NOT EXISTS outbox (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	event_id TEXT NOT NULL DEFAULT '', type TEXT NOT NULL DEFAULT '', product_id INTEGER NOT NULL DEFAULT 0,
	cache_key TEXT NOT NULL DEFAULT '', trace TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL)`

// OutboxRow is one piece of work a write commits with its UPDATE: an event
// to publish, or a cache key to invalidate.
type OutboxRow struct {
	Seq     int64       // its place in the outbox, set by the commit (0: not in a database)
	Event   event.Event // the event to publish; empty for an invalidation
	Key     string      // the cache key to invalidate; empty for an event
	Trace   trace.ID    // the request that wrote it
	Created time.Time
}

// IsEvent reports whether the row is an event to publish (else it is a key
// to invalidate).
func (r OutboxRow) IsEvent() bool { return r.Key == "" }

// UpdatePrice writes a product's price and, in the same transaction, the
// rows of the outbox; it sets each row's Seq. Either the price and every row
// are committed, or none is.
func (d *Database) UpdatePrice(ctx context.Context, id, priceCents int, outbox []OutboxRow) (Query, error) {
	q := d.sql.updateItem + "; INSERT INTO outbox"
	return d.statement(ctx, q, func(ctx context.Context, conn *sql.Conn) (int, error) {
		d.writes.Lock()
		defer d.writes.Unlock()
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		defer tx.Rollback()
		res, err := tx.ExecContext(ctx, d.sql.updateItem, priceCents, id)
		if err != nil {
			return 0, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return 0, d.notFound()
		}
		seqs := make([]int64, len(outbox))
		for i, r := range outbox {
			res, err := tx.ExecContext(ctx, `INSERT INTO outbox (event_id, type, product_id, cache_key, trace, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
				r.Event.ID, r.Event.Type, r.Event.Product, r.Key, string(r.Trace), r.Created.UnixNano())
			if err != nil {
				return 0, err
			}
			if seqs[i], err = res.LastInsertId(); err != nil {
				return 0, err
			}
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
		for i := range outbox {
			outbox[i].Seq = seqs[i]
		}
		return 1, nil
	})
}

// LoadOutbox reads up to limit rows of the outbox from seq from on, in
// order: what a relay that lost its copy (a restart, or more rows than it
// keeps in memory) has still to do.
func (d *Database) LoadOutbox(ctx context.Context, from int64, limit int) ([]OutboxRow, Query, error) {
	const q = "SELECT seq, event_id, type, product_id, cache_key, trace, created_at FROM outbox WHERE seq >= ? ORDER BY seq LIMIT ?"
	var rows []OutboxRow
	info, err := d.statement(ctx, q, func(ctx context.Context, conn *sql.Conn) (int, error) {
		rs, err := conn.QueryContext(ctx, q, from, limit)
		if err != nil {
			return 0, err
		}
		defer rs.Close()
		for rs.Next() {
			var (
				r       OutboxRow
				tr      string
				created int64
			)
			if err := rs.Scan(&r.Seq, &r.Event.ID, &r.Event.Type, &r.Event.Product, &r.Key, &tr, &created); err != nil {
				return 0, err
			}
			r.Trace, r.Created = trace.ID(tr), time.Unix(0, created)
			if r.IsEvent() {
				r.Event.Trace, r.Event.Published = r.Trace, r.Created
			}
			rows = append(rows, r)
		}
		return len(rows), rs.Err()
	})
	return rows, info, err
}

// LastOutboxSeq is the highest seq the outbox has given so far (0: none).
// It is asked once, at start, outside the pool's accounting.
func (d *Database) LastOutboxSeq(ctx context.Context) (int64, error) {
	n, err := d.count(ctx, `SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name='outbox'), 0)`)
	return int64(n), err
}

// DeleteOutbox deletes the rows whose work is done, in one statement.
func (d *Database) DeleteOutbox(ctx context.Context, seqs []int64) (Query, error) {
	const q = "DELETE FROM outbox WHERE seq IN (…)"
	return d.statement(ctx, q, func(ctx context.Context, conn *sql.Conn) (int, error) {
		d.writes.Lock()
		defer d.writes.Unlock()
		deleted := 0
		// SQLite takes at most 32,766 parameters in one statement.
		for rest := seqs; len(rest) > 0; {
			chunk := rest[:min(len(rest), 1000)]
			rest = rest[len(chunk):]
			args := make([]any, len(chunk))
			for i, s := range chunk {
				args[i] = s
			}
			res, err := conn.ExecContext(ctx, `DELETE FROM outbox WHERE seq IN (?`+strings.Repeat(",?", len(chunk)-1)+`)`, args...)
			if err != nil {
				return deleted, err
			}
			n, _ := res.RowsAffected()
			deleted += int(n)
		}
		return deleted, nil
	})
}

// OutboxRows counts the rows in the outbox, straight from the table.
func (d *Database) OutboxRows(ctx context.Context) (int, error) {
	return d.count(ctx, `SELECT COUNT(*) FROM outbox`)
}

// PruneApplied forgets up to limit applied event ids applied before before,
// oldest first: the idempotency record needs to reach back only as far as a
// redelivery can (see package worker). It returns how many it forgot.
func (d *Database) PruneApplied(ctx context.Context, before time.Time, limit int) (int, Query, error) {
	const q = "DELETE FROM applied_events WHERE applied_at < ?"
	var n int
	info, err := d.statement(ctx, q, func(ctx context.Context, conn *sql.Conn) (int, error) {
		d.writes.Lock()
		defer d.writes.Unlock()
		res, err := conn.ExecContext(ctx, `DELETE FROM applied_events WHERE rowid IN
			(SELECT rowid FROM applied_events WHERE applied_at < ? ORDER BY applied_at LIMIT ?)`, before.UnixNano(), limit)
		if err != nil {
			return 0, err
		}
		m, _ := res.RowsAffected()
		n = int(m)
		return n, nil
	})
	return n, info, err
}

// count runs a COUNT query outside the pool's accounting: a check, not
// work the system does.
func (d *Database) count(ctx context.Context, q string) (int, error) {
	g := d.gen.Load()
	if g == nil {
		return 0, fmt.Errorf("%s refused the connection: %w", d.cfg.Name, model.ErrDown)
	}
	var n int
	err := g.db.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}
