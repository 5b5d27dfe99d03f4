package engine

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The soak: ARCHEX_SOAK=1 runs the production card for 10 minutes
// (ARCHEX_SOAK_DURATION=5m to change it) at 1,000 req/s with flapping chaos
// — a random component killed, slowed or failing for a few seconds, then
// healed, over and over — and checks that what a long run holds stays
// bounded: resident memory, goroutines and the database file flat, and no
// event lost once it settles. It logs a sample every 30 s.
func TestSoak(t *testing.T) {
	if os.Getenv("ARCHEX_SOAK") == "" {
		t.Skip("a 10-minute soak: ARCHEX_SOAK=1 runs it")
	}
	length := 10 * time.Minute
	if d, err := time.ParseDuration(os.Getenv("ARCHEX_SOAK_DURATION")); err == nil && d > 0 {
		length = d
	}
	e := newEngine(t, Options{Rate: 1000, Seed: 7})
	idle := engineGoroutines() // the engine built, no traffic yet
	e.Start()
	rng := rand.New(rand.NewPCG(7, 11))
	targets := []string{"cache", "database", "queue", "worker", "service-1", "service-2", "gateway"}

	var samples []soakSample
	start := time.Now()
	nextSample := start.Add(30 * time.Second)
	for time.Since(start) < length {
		target := targets[rng.IntN(len(targets))]
		var undo func(string) error
		switch rng.IntN(3) {
		case 0:
			must(t, e.Kill(target))
			undo = e.Revive
		case 1:
			must(t, e.Slow(target, time.Duration(20+rng.IntN(180))*time.Millisecond))
			undo = e.Heal
		default:
			must(t, e.FailRate(target, 0.1+0.5*rng.Float64()))
			undo = e.Heal
		}
		hold := time.Duration(1+rng.IntN(5)) * time.Second
		for end := time.Now().Add(hold); time.Now().Before(end); {
			time.Sleep(200 * time.Millisecond)
			checkAccounting(t, e.Snapshot())
		}
		must(t, undo(target))
		time.Sleep(time.Duration(2+rng.IntN(6)) * time.Second)
		if time.Now().After(nextSample) {
			samples = append(samples, sampleSoak(e, time.Since(start)))
			t.Log(samples[len(samples)-1])
			nextSample = nextSample.Add(30 * time.Second)
		}
	}
	drainStart := time.Now()
	s := settleWithin(t, e, false, 2*time.Minute)
	t.Logf("drained in %v", time.Since(drainStart).Round(100*time.Millisecond))
	final := sampleSoak(e, time.Since(start))
	t.Logf("settled: %v", final)
	t.Logf("requests %+v", s.Requests)
	t.Logf("events %+v lost %d", s.Events, s.Events.Lost())
	// No goroutine left behind: under load their number follows what is in
	// flight (hundreds to thousands as chaos slows a component), so it is
	// judged still: once the traffic has stopped and the idle connections
	// have timed out (30 s), it is back near the engine's own.
	stillBy := time.Now().Add(45 * time.Second)
	for engineGoroutines() > idle+soakGoroutineSlack && time.Now().Before(stillBy) {
		time.Sleep(time.Second)
	}
	if n := engineGoroutines(); n > idle+soakGoroutineSlack {
		t.Errorf("goroutines: %d once still, %d before the traffic", n, idle)
	} else {
		t.Logf("goroutines once still: %d (%d before the traffic)", n, idle)
	}
	if len(samples) < 4 {
		return // too short to speak of a trend
	}
	// Flat: the end of the run holds no more than its middle, with room
	// for noise. (The record of applied events fills for its first 4
	// minutes, its pruning window, then stays; SQLite reuses the pages a
	// prune frees.)
	first, last := samples[len(samples)/2], samples[len(samples)-1]
	if last.rssMiB > 1.5*first.rssMiB+20 {
		t.Errorf("resident memory grew from %.0f MiB to %.0f MiB", first.rssMiB, last.rssMiB)
	}
	if last.dbMiB > 1.5*first.dbMiB+8 {
		t.Errorf("the database's files grew from %.1f MiB to %.1f MiB", first.dbMiB, last.dbMiB)
	}
}

// soakGoroutineSlack is how many more goroutines than before the traffic
// a still engine may have: the ones that start on demand, a connection or
// two an HTTP pool keeps a moment longer.
const soakGoroutineSlack = 40

// engineGoroutines counts the goroutines but those that serve a Redis
// client's connection inside miniredis: the clients keep a pool of
// connections open for as long as they live (go-redis closes idle ones
// after 30 minutes), as many as were once needed at the same time, so
// their number says how busy the run was, not whether anything leaked.
func engineGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.TrimSpace(g) != "" && !strings.Contains(g, "miniredis/v2/server.(*Server).servePeer") {
			count++
		}
	}
	return count
}

type soakSample struct {
	at                     time.Duration
	rssMiB, heapMiB, dbMiB float64
	goroutines             int
	sent, failed           int64
	lost                   int64
	queued, jobs           int // events in the queue; the worker's jobs in the last second
}

func (s soakSample) String() string {
	return fmt.Sprintf("t=%4.0fs rss %5.1f MiB heap %5.1f MiB goroutines %4d db %5.1f MiB sent %d failed %d queued %d jobs %d/s books (read mid-flight) %+d",
		s.at.Seconds(), s.rssMiB, s.heapMiB, s.goroutines, s.dbMiB, s.sent, s.failed, s.queued, s.jobs, s.lost)
}

func sampleSoak(e *Engine, at time.Duration) soakSample {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	snap := e.Snapshot()
	return soakSample{at: at, rssMiB: rssMiB(), heapMiB: float64(ms.HeapInuse) / (1 << 20),
		goroutines: runtime.NumGoroutine(), dbMiB: dirMiB(e.dir),
		sent: snap.Requests.Sent, failed: snap.Requests.Failed, lost: snap.Events.Lost(),
		queued: snap.Events.Queued, jobs: snap.Last.Jobs}
}

// rssMiB is the process's resident memory, from /proc (0 where there is none).
func rssMiB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// dirMiB is the size of the files in dir (the database, its WAL).
func dirMiB(dir string) float64 {
	var n int64
	entries, _ := os.ReadDir(dir)
	for _, d := range entries {
		if fi, err := os.Stat(filepath.Join(dir, d.Name())); err == nil && !fi.IsDir() {
			n += fi.Size()
		}
	}
	return float64(n) / (1 << 20)
}
