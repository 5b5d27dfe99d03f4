package model_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/archex/archex/components/model"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

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

// holder runs units of work on a station that stay in progress until
// released, so a test can fill the station's slots.
type holder struct {
	t       *testing.T
	st      *model.Station
	release chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	started int
}

func hold(t *testing.T, st *model.Station) *holder {
	h := &holder{t: t, st: st, release: make(chan struct{})}
	t.Cleanup(h.done)
	return h
}

// serve starts one unit of work in the background; errs receives its result.
func (h *holder) serve(ctx context.Context, errs chan<- error) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		err := h.st.Serve(ctx, func() error {
			h.mu.Lock()
			h.started++
			h.mu.Unlock()
			<-h.release
			return nil
		})
		if errs != nil {
			errs <- err
		}
	}()
}

func (h *holder) startedCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.started
}

// done lets every held unit of work finish and waits for them.
func (h *holder) done() {
	select {
	case <-h.release:
	default:
		close(h.release)
	}
	h.wg.Wait()
}

func TestServeRunsAtMostCapacityAtOnce(t *testing.T) {
	st := model.NewStation(2, model.Latency{}, nil, model.NewRand(1, "t"))
	if st.Capacity() != 2 {
		t.Fatalf("capacity %d, want 2", st.Capacity())
	}
	h := hold(t, st)
	errs := make(chan error, 3)
	h.serve(context.Background(), errs)
	h.serve(context.Background(), errs)
	eventually(t, 2*time.Second, "two units of work did not start", func() bool { return h.startedCount() == 2 })
	if st.Busy() != 2 || st.Waiting() != 0 {
		t.Fatalf("busy %d, waiting %d; want 2 busy, none waiting", st.Busy(), st.Waiting())
	}

	h.serve(context.Background(), errs)
	eventually(t, 2*time.Second, "the third unit of work is not counted as waiting", func() bool { return st.Waiting() == 1 })
	if n := h.startedCount(); n != 2 {
		t.Fatalf("%d units of work started on a station of capacity 2", n)
	}
	if st.Busy() != 2 {
		t.Fatalf("busy %d while one waits, want 2", st.Busy())
	}

	h.done()
	for range 3 {
		if err := <-errs; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}
	if h.startedCount() != 3 || st.Busy() != 0 || st.Waiting() != 0 {
		t.Errorf("after release: started %d, busy %d, waiting %d; want 3, 0, 0", h.startedCount(), st.Busy(), st.Waiting())
	}
}

func TestUnlimitedStationNeverQueues(t *testing.T) {
	st := model.NewStation(0, model.Latency{}, nil, model.NewRand(1, "t"))
	h := hold(t, st)
	for range 20 {
		h.serve(context.Background(), nil)
	}
	eventually(t, 2*time.Second, "20 units of work did not all start at once", func() bool { return h.startedCount() == 20 })
	if st.Waiting() != 0 || st.Busy() != 20 {
		t.Errorf("busy %d, waiting %d; want 20 busy, none waiting", st.Busy(), st.Waiting())
	}
}

func TestCancelWhileWaitingForASlotReturnsCtxErr(t *testing.T) {
	st := model.NewStation(1, model.Latency{}, nil, model.NewRand(1, "t"))
	h := hold(t, st)
	h.serve(context.Background(), nil)
	eventually(t, 2*time.Second, "the first unit of work did not start", func() bool { return h.startedCount() == 1 })

	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	ran := false
	go func() {
		errs <- st.Serve(ctx, func() error { ran = true; return nil })
	}()
	eventually(t, 2*time.Second, "the second unit of work is not waiting", func() bool { return st.Waiting() == 1 })
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("Serve returned %v, want context.Canceled", err)
	}
	if ran {
		t.Error("the work of a cancelled call ran")
	}
	if st.Waiting() != 0 || st.Busy() != 1 {
		t.Errorf("busy %d, waiting %d; want the holder alone busy", st.Busy(), st.Waiting())
	}

	// The cancelled call took no slot: once the holder is done the slot is free.
	h.done()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel2()
	if err := st.Serve(ctx2, nil); err != nil {
		t.Errorf("Serve on a free station: %v (a slot leaked)", err)
	}
}

func TestCancelDuringTheModeledWaitReleasesTheSlot(t *testing.T) {
	st := model.NewStation(1, model.Latency{Base: time.Hour}, nil, model.NewRand(1, "t"))
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	ran := false
	go func() { errs <- st.Serve(ctx, func() error { ran = true; return nil }) }()
	eventually(t, 2*time.Second, "the call did not take the slot", func() bool { return st.Busy() == 1 })
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("Serve returned %v, want context.Canceled", err)
	}
	if ran {
		t.Error("the work of a call cancelled in its modeled wait ran")
	}
	if st.Busy() != 0 {
		t.Errorf("busy %d after the cancel, want 0", st.Busy())
	}

	// The slot is free again: a new call takes it at once instead of waiting.
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { errs <- st.Serve(ctx2, nil) }()
	eventually(t, 2*time.Second, "a new call did not get the released slot", func() bool { return st.Busy() == 1 })
	if st.Waiting() != 0 {
		t.Errorf("waiting %d, want 0", st.Waiting())
	}
	cancel2()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Errorf("second Serve returned %v, want context.Canceled", err)
	}
}

func TestServeWithAnEndedContextReturnsItsError(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	<-ctx.Done()
	st := model.NewStation(0, model.Latency{Base: time.Hour}, nil, model.NewRand(1, "t"))
	if err := st.Serve(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Serve returned %v, want context.DeadlineExceeded", err)
	}
}

func TestServeReturnsTheWorksError(t *testing.T) {
	boom := errors.New("boom")
	st := model.NewStation(1, model.Latency{}, nil, model.NewRand(1, "t"))
	if err := st.Serve(context.Background(), func() error { return boom }); !errors.Is(err, boom) {
		t.Errorf("Serve returned %v, want the work's error", err)
	}
}

func TestFailRateFailsThatShareOfCalls(t *testing.T) {
	const calls = 2000
	tests := []struct {
		rate     float64
		min, max int // failures out of calls
	}{
		{0, 0, 0},
		{1, calls, calls},
		// Binomial(2000, 0.5) has a standard deviation of 22; with a
		// fixed seed the count is fixed, the band only says what is right.
		{0.5, calls/2 - 150, calls/2 + 150},
	}
	for _, tt := range tests {
		var f model.Faults
		f.SetFailRate(tt.rate)
		st := model.NewStation(0, model.Latency{}, &f, model.NewRand(7, "faults"))
		failed, ran := 0, 0
		for range calls {
			err := st.Serve(context.Background(), func() error { ran++; return nil })
			switch {
			case errors.Is(err, model.ErrInjected):
				failed++
			case err != nil:
				t.Fatalf("rate %v: Serve returned %v", tt.rate, err)
			}
		}
		if failed < tt.min || failed > tt.max {
			t.Errorf("fail rate %v: %d of %d calls failed, want %d..%d", tt.rate, failed, calls, tt.min, tt.max)
		}
		if ran+failed != calls {
			t.Errorf("fail rate %v: work ran %d times and %d calls failed, want them to add up to %d (a failed call runs no work)", tt.rate, ran, failed, calls)
		}
	}
}

func TestFaultSettingsAreClamped(t *testing.T) {
	var f model.Faults
	f.SetFailRate(3)
	if f.FailRate() != 1 {
		t.Errorf("SetFailRate(3): %v, want 1", f.FailRate())
	}
	f.SetFailRate(-1)
	if f.FailRate() != 0 {
		t.Errorf("SetFailRate(-1): %v, want 0", f.FailRate())
	}
	f.SetSlow(-time.Second)
	if f.Slow() != 0 {
		t.Errorf("SetSlow(-1s): %v, want 0", f.Slow())
	}
}

func TestHealRemovesSlownessAndFailures(t *testing.T) {
	var f model.Faults
	f.SetSlow(time.Hour)
	f.SetFailRate(1)
	st := model.NewStation(0, model.Latency{}, &f, model.NewRand(1, "t"))
	if d := st.Draw(); d != time.Hour {
		t.Fatalf("Draw under a slow fault: %v, want 1h", d)
	}
	f.Heal()
	if f.Slow() != 0 || f.FailRate() != 0 {
		t.Fatalf("after Heal: slow %v, fail rate %v; want none", f.Slow(), f.FailRate())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := st.Serve(ctx, nil); err != nil {
		t.Errorf("Serve after Heal: %v", err)
	}
}

func TestDrawStaysWithinBaseJitterPlusSlow(t *testing.T) {
	tests := []struct {
		name     string
		lat      model.Latency
		slow     time.Duration
		min, max time.Duration
	}{
		{"no jitter", model.Latency{Base: 8 * time.Millisecond}, 0, 8 * time.Millisecond, 8 * time.Millisecond},
		{"jitter", model.Latency{Base: 8 * time.Millisecond, Jitter: 2 * time.Millisecond}, 0, 6 * time.Millisecond, 10 * time.Millisecond},
		{"jitter and slow", model.Latency{Base: 8 * time.Millisecond, Jitter: 2 * time.Millisecond}, 50 * time.Millisecond, 56 * time.Millisecond, 60 * time.Millisecond},
		// Jitter larger than the base never makes a negative wait.
		{"jitter beyond base", model.Latency{Base: time.Millisecond, Jitter: 5 * time.Millisecond}, 0, 0, 6 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f model.Faults
			f.SetSlow(tt.slow)
			st := model.NewStation(0, tt.lat, &f, model.NewRand(3, tt.name))
			lo, hi := time.Duration(1<<62), time.Duration(-1)
			for range 1000 {
				d := st.Draw()
				lo, hi = min(lo, d), max(hi, d)
			}
			if lo < tt.min || hi > tt.max {
				t.Errorf("draws in [%v, %v], want within [%v, %v]", lo, hi, tt.min, tt.max)
			}
			if tt.lat.Jitter > 0 && hi-lo < tt.lat.Jitter {
				t.Errorf("draws in [%v, %v]: jitter of ±%v barely used", lo, hi, tt.lat.Jitter)
			}
		})
	}
}

func TestNewRandIsReproduciblePerSeedAndName(t *testing.T) {
	seq := func(seed uint64, name string) [5]uint64 {
		r := model.NewRand(seed, name)
		var out [5]uint64
		for i := range out {
			out[i] = r.Uint64()
		}
		return out
	}
	if seq(1, "Cache") != seq(1, "Cache") {
		t.Error("the same seed and name gave different sequences")
	}
	if seq(1, "Cache") == seq(1, "Database") {
		t.Error("two components with one seed share a sequence")
	}
	if seq(1, "Cache") == seq(2, "Cache") {
		t.Error("two seeds gave one sequence")
	}
}

func TestSleepEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := model.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep returned %v, want context.Canceled", err)
	}
	if err := model.Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep of 1ms returned %v", err)
	}
}

// A caller that waits at most a bound is cut off at it when the modeled
// answer would come later, and the work is not done; an answer modeled
// within the bound is served.
func TestServeWithinCutsOffAModeledAnswerPastTheBound(t *testing.T) {
	var f model.Faults
	s := model.NewStation(0, model.Latency{Base: time.Millisecond}, &f, model.NewRand(1, "cache"))
	f.SetSlow(time.Hour)
	ran := false
	start := time.Now()
	err := s.ServeWithin(context.Background(), 5*time.Millisecond, func() error { ran = true; return nil })
	if !errors.Is(err, model.ErrLate) || ran {
		t.Errorf("an answer modeled an hour late with a 5 ms bound: %v, work ran %v; want ErrLate and no work", err, ran)
	}
	if took := time.Since(start); took < 5*time.Millisecond || took > time.Second {
		t.Errorf("cut off after %v; want the 5 ms bound waited out", took)
	}
	f.Heal()
	if err := s.ServeWithin(context.Background(), time.Second, func() error { ran = true; return nil }); err != nil || !ran {
		t.Errorf("an answer modeled within the bound: %v, work ran %v; want it served", err, ran)
	}
}
