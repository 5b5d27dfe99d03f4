package database

import "fmt"

// MaxPool is the most connections the pool may have.
const MaxPool = 32

// SetPool changes how many connections the pool has, at once and safely
// under load: a larger pool opens connections as statements need them; a
// smaller one lets the statements that hold a connection finish, closes
// each surplus connection as it comes back, and makes new statements wait
// for one of the connections left (database/sql's own rule). InUse may stay
// above the new size until the surplus has come back.
func (d *Database) SetPool(n int) error {
	if n < 1 || n > MaxPool {
		return fmt.Errorf("%s: a pool of %d connections: give 1 to %d", d.cfg.Name, n, MaxPool)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pool.Store(int64(n))
	if g := d.gen.Load(); g != nil {
		// Open first: the idle limit never goes above it, and lowering
		// it closes the surplus idle connections at once.
		g.db.SetMaxOpenConns(n)
		g.db.SetMaxIdleConns(n)
	}
	return nil
}
