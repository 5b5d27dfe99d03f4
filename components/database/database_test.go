package database_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/event"
	"github.com/archex/archex/components/model"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func open(t *testing.T, cfg database.Config) *database.Database {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	d, err := database.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func product(t *testing.T, d *database.Database, id int) database.Product {
	t.Helper()
	p, _, err := d.GetProduct(context.Background(), id)
	if err != nil {
		t.Fatalf("GetProduct(%d): %v", id, err)
	}
	return p
}

func views(t *testing.T, d *database.Database, id int) int {
	t.Helper()
	n, err := d.Views(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func viewed(id string, product int) event.Event {
	return event.Event{ID: id, Type: event.ProductViewed, Product: product, Published: time.Now()}
}

func TestOpenNeedsADirectory(t *testing.T) {
	if _, err := database.Open(database.Config{}); err == nil {
		t.Fatal("opened a database without a directory")
	}
}

func TestSeededCatalogHasTheDefaultThousandProducts(t *testing.T) {
	d := open(t, database.Config{})
	tests := []struct {
		id    int
		found bool
	}{
		{1, true}, {500, true}, {1000, true}, {1001, false}, {0, false}, {-1, false},
	}
	for _, tt := range tests {
		p, q, err := d.GetProduct(context.Background(), tt.id)
		if !tt.found {
			if !errors.Is(err, database.ErrNotFound) {
				t.Errorf("GetProduct(%d): %+v, %v; want ErrNotFound", tt.id, p, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("GetProduct(%d): %v", tt.id, err)
			continue
		}
		if p.ID != tt.id || p.Name == "" || p.PriceCents <= 0 {
			t.Errorf("GetProduct(%d) = %+v, want a named, priced product", tt.id, p)
		}
		if q.SQL == "" || q.Rows != 1 {
			t.Errorf("GetProduct(%d) query %+v, want its SQL and 1 row", tt.id, q)
		}
	}
	if st := d.Stats(); st.Queries != int64(len(tests)) || st.Errors != 0 || st.Pool != database.DefaultPool {
		t.Errorf("stats %+v, want %d queries, no errors (not found is none), pool %d", st, len(tests), database.DefaultPool)
	}
}

func TestUpdatePricePersists(t *testing.T) {
	d := open(t, database.Config{Products: 50})
	before, other := product(t, d, 42), product(t, d, 41)
	if _, err := d.UpdatePrice(context.Background(), 42, before.PriceCents+100, nil); err != nil {
		t.Fatal(err)
	}
	if p := product(t, d, 42); p.PriceCents != before.PriceCents+100 || p.Name != before.Name {
		t.Errorf("after the update %+v, want %s at %d", p, before.Name, before.PriceCents+100)
	}
	if p := product(t, d, 41); p != other {
		t.Errorf("product 41 is %+v after updating 42, want %+v unchanged", p, other)
	}
	if _, err := d.UpdatePrice(context.Background(), 51, 100, nil); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("UpdatePrice of a product not in the catalog: %v, want ErrNotFound", err)
	}
}

func TestApplyEventsIsIdempotent(t *testing.T) {
	d := open(t, database.Config{Products: 50})
	ctx := context.Background()
	res, q, err := d.ApplyEvents(ctx, []event.Event{viewed("ev-1", 5), viewed("ev-1", 5), viewed("ev-2", 5)})
	if err != nil {
		t.Fatal(err)
	}
	if want := []event.Result{event.Applied, event.Duplicate, event.Applied}; fmt.Sprint(res) != fmt.Sprint(want) {
		t.Errorf("results %v, want %v", res, want)
	}
	if q.Rows != 2 {
		t.Errorf("rows %d, want the 2 applied", q.Rows)
	}
	// A redelivery of the whole batch changes nothing.
	res, _, err = d.ApplyEvents(ctx, []event.Event{viewed("ev-1", 5), viewed("ev-2", 5)})
	if err != nil {
		t.Fatal(err)
	}
	if want := []event.Result{event.Duplicate, event.Duplicate}; fmt.Sprint(res) != fmt.Sprint(want) {
		t.Errorf("redelivered batch: %v, want %v", res, want)
	}
	if n := views(t, d, 5); n != 2 {
		t.Errorf("views of product 5: %d, want 2 (each event once)", n)
	}
	if n, err := d.Applied(ctx); err != nil || n != 2 {
		t.Errorf("applied %d, %v; want 2", n, err)
	}
}

func TestApplyEventsRejectsWhatCanNeverApply(t *testing.T) {
	d := open(t, database.Config{Products: 50})
	evs := []event.Event{
		viewed("ev-unknown-product", 51),
		{ID: "ev-unknown-type", Type: "product.deleted", Product: 5},
		{ID: "ev-update", Type: event.ProductUpdated, Product: 5},
	}
	res, _, err := d.ApplyEvents(context.Background(), evs)
	if err != nil {
		t.Fatal(err)
	}
	if want := []event.Result{event.Rejected, event.Rejected, event.Applied}; fmt.Sprint(res) != fmt.Sprint(want) {
		t.Errorf("results %v, want %v", res, want)
	}
	if n := views(t, d, 5); n != 0 {
		t.Errorf("views of product 5: %d, want 0 (an update is no view)", n)
	}
}

func TestKilledDatabaseRefusesAtOnce(t *testing.T) {
	// A modeled latency of an hour: a statement that returns did not wait it.
	d := open(t, database.Config{Products: 50, Latency: model.Latency{Base: time.Hour}})
	d.Kill()
	if !d.Down() || !d.Stats().Down {
		t.Fatal("not down after Kill")
	}
	ctx := context.Background()
	_, _, err1 := d.GetProduct(ctx, 1)
	_, err2 := d.UpdatePrice(ctx, 1, 100, nil)
	_, _, err3 := d.ApplyEvents(ctx, []event.Event{viewed("ev-1", 1)})
	_, err4 := d.Applied(ctx)
	_, err5 := d.Views(ctx, 1)
	for i, err := range []error{err1, err2, err3, err4, err5} {
		if !errors.Is(err, model.ErrDown) {
			t.Errorf("call %d on a killed database: %v, want model.ErrDown", i+1, err)
		}
	}
	if st := d.Stats(); st.Errors != 3 || st.Queries != 0 {
		t.Errorf("stats %+v, want 3 statements refused, none run", st)
	}
}

func TestStatementInFlightFailsWhenKilled(t *testing.T) {
	d := open(t, database.Config{Products: 50, Latency: model.Latency{Base: time.Hour}})
	errs := make(chan error, 1)
	go func() {
		_, _, err := d.GetProduct(context.Background(), 1)
		errs <- err
	}()
	eventually(t, 2*time.Second, "the statement did not take a connection", func() bool { return d.Stats().InUse == 1 })
	d.Kill()
	if err := <-errs; !errors.Is(err, model.ErrDown) {
		t.Errorf("a statement in flight at the kill returned %v, want model.ErrDown", err)
	}
	if st := d.Stats(); st.InUse != 0 {
		t.Errorf("in use %d after the kill, want 0", st.InUse)
	}
}

func TestReviveKeepsTheData(t *testing.T) {
	d := open(t, database.Config{Products: 50})
	ctx := context.Background()
	if _, err := d.UpdatePrice(ctx, 7, 4242, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.ApplyEvents(ctx, []event.Event{viewed("ev-1", 7)}); err != nil {
		t.Fatal(err)
	}
	d.Kill()
	d.Kill() // a second kill is harmless
	if err := d.Revive(); err != nil {
		t.Fatal(err)
	}
	if d.Down() {
		t.Fatal("down after Revive")
	}
	if p := product(t, d, 7); p.PriceCents != 4242 {
		t.Errorf("price after revive %d, want 4242 written before the kill", p.PriceCents)
	}
	if n := views(t, d, 7); n != 1 {
		t.Errorf("views after revive %d, want 1", n)
	}
	res, _, err := d.ApplyEvents(ctx, []event.Event{viewed("ev-1", 7)})
	if err != nil || res[0] != event.Duplicate {
		t.Errorf("re-applying an event applied before the kill: %v, %v; want Duplicate", res, err)
	}
	if err := d.Revive(); err != nil {
		t.Errorf("revive of a live database: %v", err)
	}
}

func TestPoolIsTheCapacity(t *testing.T) {
	d := open(t, database.Config{Products: 50, Pool: 2, Latency: model.Latency{Base: time.Hour}})
	if d.Saturated() {
		t.Error("an idle database says it is saturated")
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := d.GetProduct(ctx, i+1)
			errs <- err
		}()
	}
	eventually(t, 2*time.Second, "two statements did not queue behind a pool of two", func() bool {
		st := d.Stats()
		return st.InUse == 2 && st.Waiting == 2
	})
	if st := d.Stats(); st.Pool != 2 || st.Queries != 2 {
		t.Errorf("stats %+v, want pool 2 and only the 2 statements holding a connection counted as run", st)
	}
	if !d.Saturated() {
		t.Error("every connection busy and statements waiting, but the database does not say it is saturated")
	}
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("a cancelled statement returned %v, want context.Canceled", err)
		}
	}
	if st := d.Stats(); st.InUse != 0 || st.Waiting != 0 || d.Saturated() {
		t.Errorf("stats %+v (saturated %v) after the cancel, want nothing in use or waiting", st, d.Saturated())
	}
}

func TestQueriesBeyondThePoolTakeMoreRounds(t *testing.T) {
	const lat = 50 * time.Millisecond
	d := open(t, database.Config{Products: 50, Pool: 2, Latency: model.Latency{Base: lat}})
	start := time.Now()
	var wg sync.WaitGroup
	queries := make([]database.Query, 4)
	for i := range queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			_, queries[i], err = d.GetProduct(context.Background(), i+1)
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// Four statements of 50 ms on two connections: at least two rounds.
	if took := time.Since(start); took < 2*lat {
		t.Errorf("4 statements on a pool of 2 took %v, want at least 2 rounds of %v", took, lat)
	}
	for _, q := range queries {
		if q.Took < lat || q.Waited > q.Took {
			t.Errorf("query %+v: want it to take at least the modeled %v, of which it waited a part", q, lat)
		}
	}
	if st := d.Stats(); st.Queries != 4 || st.Errors != 0 {
		t.Errorf("stats %+v, want 4 queries, no errors", st)
	}
}

func TestTimedOutStatementSaysSo(t *testing.T) {
	d := open(t, database.Config{Products: 50, Latency: model.Latency{Base: time.Hour}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, err := d.GetProduct(ctx, 1)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, model.ErrDown) {
		t.Errorf("GetProduct past its deadline: %v, want context.DeadlineExceeded, not down", err)
	}
}

func TestInjectedFailuresFailStatements(t *testing.T) {
	d := open(t, database.Config{Products: 50})
	d.Faults().SetFailRate(1)
	if _, _, err := d.GetProduct(context.Background(), 1); !errors.Is(err, model.ErrInjected) {
		t.Errorf("GetProduct under fail rate 1: %v, want model.ErrInjected", err)
	}
	if st := d.Stats(); st.Errors != 1 {
		t.Errorf("errors %d, want 1", st.Errors)
	}
	d.Faults().Heal()
	product(t, d, 1)
}

// A write and its outbox rows commit together or not at all.
func TestUpdatePriceCommitsTheOutboxWithIt(t *testing.T) {
	d := open(t, database.Config{Products: 50})
	ctx := context.Background()
	rows := []database.OutboxRow{
		{Event: event.Event{ID: "ev-1", Type: event.ProductUpdated, Product: 7}, Trace: "t-1", Created: time.Now()},
		{Key: "product:7", Trace: "t-1", Created: time.Now()},
	}
	if _, err := d.UpdatePrice(ctx, 7, 1299, rows); err != nil {
		t.Fatal(err)
	}
	if rows[0].Seq == 0 || rows[1].Seq != rows[0].Seq+1 {
		t.Errorf("seqs %d, %d: want consecutive numbers from the commit", rows[0].Seq, rows[1].Seq)
	}
	lost := []database.OutboxRow{{Event: event.Event{ID: "ev-2", Type: event.ProductUpdated, Product: 51}}}
	if _, err := d.UpdatePrice(ctx, 51, 100, lost); !errors.Is(err, database.ErrNotFound) {
		t.Fatalf("update of a missing product: %v", err)
	}
	got, _, err := d.LoadOutbox(ctx, 0, 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("outbox %+v (%v), want the 2 rows of the write that committed", got, err)
	}
	if !got[0].IsEvent() || got[0].Event.ID != "ev-1" || got[0].Event.Trace != "t-1" || got[1].IsEvent() || got[1].Key != "product:7" {
		t.Errorf("outbox %+v, want the event then the key", got)
	}
	if last, err := d.LastOutboxSeq(ctx); err != nil || last != rows[1].Seq {
		t.Errorf("last seq %d (%v), want %d", last, err, rows[1].Seq)
	}
	if _, err := d.DeleteOutbox(ctx, []int64{rows[0].Seq, rows[1].Seq}); err != nil {
		t.Fatal(err)
	}
	if n, err := d.OutboxRows(ctx); err != nil || n != 0 {
		t.Errorf("%d rows left (%v), want none", n, err)
	}
}

func TestPruneAppliedForgetsOnlyOlderIDs(t *testing.T) {
	d := open(t, database.Config{Products: 50})
	ctx := context.Background()
	if _, _, err := d.ApplyEvents(ctx, []event.Event{viewed("ev-1", 1), viewed("ev-2", 2)}); err != nil {
		t.Fatal(err)
	}
	cut := time.Now()
	if _, _, err := d.ApplyEvents(ctx, []event.Event{viewed("ev-3", 3)}); err != nil {
		t.Fatal(err)
	}
	n, _, err := d.PruneApplied(ctx, cut, 100)
	if err != nil || n != 2 {
		t.Fatalf("pruned %d (%v), want the 2 applied before the cut", n, err)
	}
	if left, _ := d.Applied(ctx); left != 1 {
		t.Errorf("%d ids left, want 1", left)
	}
	if views(t, d, 1) != 1 {
		t.Error("pruning the record must not undo what was applied")
	}
}

// The pool's size changes at once, within its bounds.
func TestSetPool(t *testing.T) {
	d := open(t, database.Config{Pool: 3})
	if err := d.SetPool(5); err != nil || d.Stats().Pool != 5 {
		t.Errorf("SetPool(5): %v, pool %d", err, d.Stats().Pool)
	}
	for _, bad := range []int{0, database.MaxPool + 1} {
		if err := d.SetPool(bad); err == nil {
			t.Errorf("SetPool(%d) was taken", bad)
		}
	}
	d.Kill()
	if err := d.SetPool(2); err != nil {
		t.Fatal(err)
	}
	if err := d.Revive(); err != nil || d.Stats().Pool != 2 {
		t.Errorf("a pool set while down: %v, pool %d after revive", err, d.Stats().Pool)
	}
}
