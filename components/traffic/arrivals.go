package traffic

import (
	"context"
	"time"

	"github.com/archex/archex/components/trace"
)

// maxBurst bounds the arrivals sent in one go before the loop looks at its
// context again, so that Stop returns promptly at any rate and however far
// behind the loop has fallen.
const maxBurst = 256

// loop sends the arrivals at their times on the schedule. A loop that falls
// behind sends what is due at once, in order: late, but the same requests.
func (g *Generator) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		g.mu.Lock()
		epoch := g.epoch
		at, due := g.sched.Next()
		end, ended := g.sched.ended()
		g.mu.Unlock()
		var wait <-chan time.Time
		switch {
		case due:
			if d := time.Until(epoch.Add(at)); d > 0 {
				timer.Reset(d)
				wait = timer.C
			} else {
				g.sendDue(ctx, time.Since(epoch))
				if ctx.Err() != nil {
					return
				}
				continue
			}
		case ended:
			d := time.Until(epoch.Add(end))
			if d <= 0 {
				g.markEnded()
				return
			}
			timer.Reset(d)
			wait = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-g.wake:
		case <-wait:
		}
	}
}

func (g *Generator) markEnded() {
	select {
	case <-g.ended:
	default:
		close(g.ended)
	}
}

// sendDue sends up to maxBurst arrivals due by now.
func (g *Generator) sendDue(ctx context.Context, now time.Duration) {
	for range maxBurst {
		g.mu.Lock()
		at, due := g.sched.Next()
		if !due || at > now || ctx.Err() != nil {
			g.mu.Unlock()
			return
		}
		g.sched.Take()
		late := time.Since(g.epoch) - at
		g.stats.Late, g.stats.MaxLate = late, max(g.stats.MaxLate, late)
		req := g.Next()
		req.Key = g.cfg.Keys[g.arrivals%int64(len(g.cfg.Keys))]
		id := trace.NewID(g.ids.Uint64())
		g.countArrival(at)
		g.stats.Sent++
		full := g.stats.InFlight >= int64(g.cfg.MaxInFlight)
		if full {
			g.stats.Failed++
		} else {
			// In flight from now, not from when its goroutine runs: arrivals
			// that fall due together would otherwise all pass the limit.
			g.stats.InFlight++
		}
		g.mu.Unlock()
		if full {
			g.report(Result{Trace: id, Request: req, Start: time.Now(), Err: "too many requests in flight: the user gave up"})
			continue
		}
		g.reqs.Add(1)
		go func() {
			defer g.reqs.Done()
			defer func() {
				if v := recover(); v != nil && g.cfg.OnPanic != nil {
					g.cfg.OnPanic(g.cfg.Name, v)
				}
			}()
			g.finish(context.WithoutCancel(ctx), req, id)
		}()
	}
}
