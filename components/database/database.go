// Package database is the Database component: SQLite (modernc.org/sqlite, pure
// Go) in a file under a temporary directory, seeded with what the card's
// service serves (a product catalog by default: see package resource).
// Its connection pool is its capacity: every statement holds a connection for
// its modeled latency, so when more queries arrive than the pool can serve
// they queue for a connection, for real. Kill makes it refuse; revive reopens
// the same file, so the data survives (durable, unlike the cache).
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/model"
	"github.com/archex/archex/components/resource"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// Defaults for the database.
const (
	DefaultPool     = 3
	DefaultProducts = 1000
)

// DefaultLatency is the modeled latency of one statement.
var DefaultLatency = model.Latency{Base: 8 * time.Millisecond, Jitter: 2 * time.Millisecond}

// Config configures a Database.
type Config struct {
	Name     string // as on the card, for messages
	Dir      string // directory for the database file (required)
	Pool     int    // connections: the capacity (default 4)
	Latency  model.Latency
	Products int // how many items it is seeded with (default 1000)
	// Resource names the items: their table, its numeric field and the
	// events about them (the zero value: products priced in cents).
	Resource resource.Resource
	Seed     uint64
}

// Product is one item, a row of the resource's table: its id, its name and
// the value of its field (a product's price in cents).
type Product struct {
	ID         int
	Name       string
	PriceCents int
}

// Query describes one statement that ran, for a trace.
type Query struct {
	SQL    string
	Took   time.Duration // from asking for a connection to the result
	Waited time.Duration // of which waiting for a free connection
	Rows   int
}

// Stats are the database's live figures.
type Stats struct {
	Down    bool
	Pool    int   // connections in the pool (capacity)
	InUse   int   // connections holding a statement
	Waiting int   // statements waiting for a connection
	Queries int64 // statements run since start
	Errors  int64 // statements that failed
}

// ErrNotFound is returned for an item that does not exist; the error says
// "no such product" in the resource's words.
var ErrNotFound = errors.New("not found")

type notFound struct{ what string }

func (e notFound) Error() string        { return "no such " + e.what }
func (e notFound) Is(target error) bool { return target == ErrNotFound }

// Database is the Database component.
type Database struct {
	cfg     Config
	path    string
	sql     statements
	station *model.Station
	faults  model.Faults

	mu   sync.Mutex // guards gen during kill/revive, and pool changes
	gen  atomic.Pointer[generation]
	pool atomic.Int64 // connections now (SetPool)
	// writes serialises the real work of writes. SQLite has one writer;
	// letting it arbitrate means its busy handler, which sleeps in steps of
	// up to 100 ms, adds stalls no real database would.
	writes sync.Mutex

	inUse   atomic.Int64
	waiting atomic.Int64
	queries atomic.Int64
	errs    atomic.Int64
}

// generation is one open period of the database; kill ends it.
type generation struct {
	db     *sql.DB
	ctx    context.Context // cancelled on kill: in-flight statements fail
	cancel context.CancelFunc
}

// Open creates the database file, seeds the catalog and opens the pool.
func Open(cfg Config) (*Database, error) {
	if cfg.Dir == "" {
		return nil, errors.New("database: no directory")
	}
	if cfg.Name == "" {
		cfg.Name = "Database"
	}
	if cfg.Pool <= 0 {
		cfg.Pool = DefaultPool
	}
	if cfg.Products <= 0 {
		cfg.Products = DefaultProducts
	}
	d := &Database{cfg: cfg, path: filepath.Join(cfg.Dir, "archex.db"), sql: statementsFor(cfg.Resource)}
	d.pool.Store(int64(cfg.Pool))
	// The pool is the capacity limit; the station only models latency.
	d.station = model.NewStation(0, cfg.Latency, &d.faults, model.NewRand(cfg.Seed, cfg.Name))
	g, err := d.open()
	if err != nil {
		return nil, err
	}
	if err := d.seed(g.db, cfg.Products); err != nil {
		g.db.Close()
		return nil, fmt.Errorf("database: seed: %w", err)
	}
	d.gen.Store(g)
	return d, nil
}

func (d *Database) open() (*generation, error) {
	// Immediate transactions take the write lock at BEGIN: a deferred one
	// that reads first cannot upgrade when another writer holds the lock,
	// and fails with SQLITE_BUSY instead of waiting.
	//
	// synchronous(OFF): SQLite never asks the disk to flush. The file lives
	// as long as the process (a kill closes and reopens it; the data stays
	// in the operating system's cache), so only a power cut could lose what
	// a flush protects, and the file is gone after that anyway. With
	// NORMAL, every WAL checkpoint flushed while its commit held the write
	// lock: measured here, stalls of 300-500 ms that failed requests at the
	// deadline, the host's disk and not the latency model setting the
	// statement time.
	dsn := "file:" + d.path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("database: open %s: %w", d.path, err)
	}
	db.SetMaxOpenConns(int(d.pool.Load()))
	db.SetMaxIdleConns(int(d.pool.Load()))
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("database: open %s: %w", d.path, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &generation{db: db, ctx: ctx, cancel: cancel}, nil
}

func (d *Database) seed(db *sql.DB, products int) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, stmt := range []string{
		d.sql.createItems,
		`CREATE TABLE IF NOT EXISTS applied_events (event_id TEXT PRIMARY KEY, type TEXT NOT NULL, product_id INTEGER NOT NULL, applied_at INTEGER NOT NULL)`,
		d.sql.createStats,
		// Pruning finds old rows by when they were applied.
		`CREATE INDEX IF NOT EXISTS applied_events_at ON applied_events (applied_at)`,
		outboxSchema,
	} {
		if _, err := tx.Exec(stmt); err != nil {
			return err
		}
	}
	ins, err := tx.Prepare(d.sql.insertItem)
	if err != nil {
		return err
	}
	defer ins.Close()
	for id := 1; id <= products; id++ {
		if _, err := ins.Exec(id, d.cfg.Resource.Name(id), 499+(id*37)%9500); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// statements are the SQL that names the resource, written once.
type statements struct {
	createItems, createStats, insertItem string
	selectItem, existsItem, updateItem   string
	applyEvents, bumpStats, views        string
}

// statementsFor writes the statements of r. Its names are single lower-case
// words (the card validates them), safe to write into SQL.
func statementsFor(r resource.Resource) statements {
	items, field, stats := r.Table(), r.Field(), r.StatsTable()
	return statements{
		createItems: `CREATE TABLE IF NOT EXISTS ` + items + ` (id INTEGER PRIMARY KEY, name TEXT NOT NULL, ` + field + ` INTEGER NOT NULL)`,
		createStats: `CREATE TABLE IF NOT EXISTS ` + stats + ` (id INTEGER PRIMARY KEY, views INTEGER NOT NULL DEFAULT 0, updates INTEGER NOT NULL DEFAULT 0)`,
		insertItem:  `INSERT OR IGNORE INTO ` + items + ` (id, name, ` + field + `) VALUES (?, ?, ?)`,
		selectItem:  `SELECT name, ` + field + ` FROM ` + items + ` WHERE id=?`,
		existsItem:  `SELECT 1 FROM ` + items + ` WHERE id=?`,
		updateItem:  `UPDATE ` + items + ` SET ` + field + `=? WHERE id=?`,
		applyEvents: "INSERT applied_events + UPDATE " + stats,
		bumpStats:   `INSERT INTO ` + stats + ` (id, %[1]s) VALUES (?, 1) ON CONFLICT(id) DO UPDATE SET %[1]s = %[1]s + 1`,
		views:       `SELECT COALESCE((SELECT views FROM ` + stats + ` WHERE id=?), 0)`,
	}
}

// Name is the component's name on the card.
func (d *Database) Name() string { return d.cfg.Name }

func (d *Database) notFound() error { return notFound{d.cfg.Resource.Singular()} }

// Faults are the chaos applied to every statement.
func (d *Database) Faults() *model.Faults { return &d.faults }

// Latency is the modeled latency of one statement.
func (d *Database) Latency() model.Latency { return d.cfg.Latency }

// Down reports whether the database has been killed.
func (d *Database) Down() bool { return d.gen.Load() == nil }

// Kill makes the database refuse: new statements fail at once and statements
// in flight are cancelled.
func (d *Database) Kill() {
	d.mu.Lock()
	defer d.mu.Unlock()
	g := d.gen.Swap(nil)
	if g == nil {
		return
	}
	g.cancel()
	g.db.Close()
}

// Revive reopens the database file: the data is intact.
func (d *Database) Revive() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gen.Load() != nil {
		return nil
	}
	g, err := d.open()
	if err != nil {
		return err
	}
	d.gen.Store(g)
	return nil
}

// Close closes the database for good.
func (d *Database) Close() { d.Kill() }

// Stats returns the live figures.
func (d *Database) Stats() Stats {
	return Stats{
		Down:    d.Down(),
		Pool:    int(d.pool.Load()),
		InUse:   int(d.inUse.Load()),
		Waiting: int(d.waiting.Load()),
		Queries: d.queries.Load(),
		Errors:  d.errs.Load(),
	}
}

// Saturated reports whether every connection is busy or a statement waits
// for one.
func (d *Database) Saturated() bool {
	return d.waiting.Load() > 0 || d.inUse.Load() >= d.pool.Load()
}

// statement runs fn on a pooled connection after the modeled latency,
// counting it. The connection is held for the whole modeled latency: the pool
// is the capacity.
func (d *Database) statement(ctx context.Context, sqlText string, fn func(ctx context.Context, conn *sql.Conn) (int, error)) (Query, error) {
	q := Query{SQL: sqlText}
	start := time.Now()
	g := d.gen.Load()
	if g == nil {
		d.errs.Add(1)
		return q, fmt.Errorf("%s refused the connection: %w", d.cfg.Name, model.ErrDown)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(g.ctx, cancel)
	defer stop()

	d.waiting.Add(1)
	conn, err := g.db.Conn(ctx)
	d.waiting.Add(-1)
	q.Waited = time.Since(start)
	if err != nil {
		d.errs.Add(1)
		return q, d.describe(g, err)
	}
	d.inUse.Add(1)
	defer func() {
		conn.Close()
		d.inUse.Add(-1)
	}()
	d.queries.Add(1)
	if err := d.station.Wait(ctx); err != nil {
		d.errs.Add(1)
		q.Took = time.Since(start)
		return q, d.describe(g, err)
	}
	q.Rows, err = fn(ctx, conn)
	q.Took = time.Since(start)
	if err != nil && !errors.Is(err, ErrNotFound) {
		d.errs.Add(1)
		return q, d.describe(g, err)
	}
	return q, err
}

// describe turns an error into one a user can read, noting a kill.
func (d *Database) describe(g *generation, err error) error {
	if g.ctx.Err() != nil {
		return fmt.Errorf("%s went down: %w", d.cfg.Name, model.ErrDown)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s timed out: %w", d.cfg.Name, err)
	}
	return fmt.Errorf("%s: %w", d.cfg.Name, err)
}

// GetProduct reads one item.
func (d *Database) GetProduct(ctx context.Context, id int) (Product, Query, error) {
	q := d.sql.selectItem
	p := Product{ID: id}
	info, err := d.statement(ctx, q, func(ctx context.Context, conn *sql.Conn) (int, error) {
		err := conn.QueryRowContext(ctx, q, id).Scan(&p.Name, &p.PriceCents)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, d.notFound()
		}
		if err != nil {
			return 0, err
		}
		return 1, nil
	})
	return p, info, err
}

// ApplyEvents applies a batch of events in one transaction, idempotently: an
// event whose id was applied before changes nothing (Duplicate); an event
// about a product that does not exist can never apply (Rejected). results has
// one entry per event.
func (d *Database) ApplyEvents(ctx context.Context, events []event.Event) (results []event.Result, info Query, err error) {
	results = make([]event.Result, len(events))
	info, err = d.statement(ctx, d.sql.applyEvents, func(ctx context.Context, conn *sql.Conn) (int, error) {
		d.writes.Lock()
		defer d.writes.Unlock()
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		defer tx.Rollback()
		applied := 0
		for i, ev := range events {
			r, err := d.applyOne(ctx, tx, ev)
			if err != nil {
				return 0, err
			}
			results[i] = r
			if r == event.Applied {
				applied++
			}
		}
		return applied, tx.Commit()
	})
	return results, info, err
}

func (d *Database) applyOne(ctx context.Context, tx *sql.Tx, ev event.Event) (event.Result, error) {
	var exists int
	err := tx.QueryRowContext(ctx, d.sql.existsItem, ev.Product).Scan(&exists)
	if errors.Is(err, sql.ErrNoRows) {
		return event.Rejected, nil
	}
	if err != nil {
		return 0, err
	}
	var column string
	switch ev.Type {
	case d.cfg.Resource.Viewed():
		column = "views"
	case d.cfg.Resource.Updated():
		column = "updates"
	default:
		return event.Rejected, nil
	}
	res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO applied_events (event_id, type, product_id, applied_at) VALUES (?, ?, ?, ?)`,
		ev.ID, ev.Type, ev.Product, time.Now().UnixNano())
	if err != nil {
		return 0, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return event.Duplicate, nil
	}
	_, err = tx.ExecContext(ctx, fmt.Sprintf(d.sql.bumpStats, column), ev.Product)
	if err != nil {
		return 0, err
	}
	return event.Applied, nil
}

// Applied counts the event ids the idempotency record holds, straight from
// the table: every event applied since the last prune, each once.
func (d *Database) Applied(ctx context.Context) (int, error) {
	return d.count(ctx, `SELECT COUNT(*) FROM applied_events`)
}

// Views returns how many view events were applied for an item.
func (d *Database) Views(ctx context.Context, id int) (int, error) {
	g := d.gen.Load()
	if g == nil {
		return 0, fmt.Errorf("%s refused the connection: %w", d.cfg.Name, model.ErrDown)
	}
	var n int
	err := g.db.QueryRowContext(ctx, d.sql.views, id).Scan(&n)
	return n, err
}
