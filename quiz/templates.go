package quiz

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Templates returns the numeric questions archex asks: the arithmetic of
// capacity that the dashboard's numbers obey. Each method ends with where to
// see it on the live system, with its defaults.
func Templates() []Template {
	return []Template{
		{ID: "num-hit-ratio-load", Topic: "cache", Difficulty: Easy, Draw: drawHitRatioLoad},
		{ID: "num-pool-capacity", Topic: "database", Difficulty: Medium, Draw: drawPoolCapacity},
		{ID: "num-littles-law", Topic: "database", Difficulty: Hard, Draw: drawLittlesLaw},
		{ID: "num-drain-time", Topic: "worker", Difficulty: Hard, Draw: drawDrainTime},
		{ID: "num-token-bucket", Topic: "api gateway", Difficulty: Medium, Draw: drawTokenBucket},
		{ID: "num-retry-amplification", Topic: "retries", Difficulty: Hard, Draw: drawRetryAmplification},
		{ID: "num-fanout-tail", Topic: "latency", Difficulty: Hard, Draw: drawFanoutTail},
	}
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

func drawHitRatioLoad(r *rand.Rand) Problem {
	reads := pick(r, 120, 150, 180, 240, 300, 360, 400, 500, 600, 800, 1000)
	hit := pick(r, 75, 80, 84, 85, 88, 90, 92, 95, 96, 98)
	misses := float64(reads) * float64(100-hit) / 100
	return Problem{
		Prompt: fmt.Sprintf("The service handles %d reads per second and the cache hit ratio is %d %%. How many reads per second reach the database?", reads, hit),
		Answer: misses, Unit: "reads/s", Tolerance: 0.02,
		Method: []string{
			"Only the misses reach the database:",
			"misses = reads x (1 - hit ratio)",
			fmt.Sprintf("       = %d x (1 - %s) = %d x %s = %s reads/s", reads, exact(float64(hit)/100), reads, exact(float64(100-hit)/100), Number(misses)),
			"Live: `archex run` (200 requests/s by default) shows both, second by second, in its hit% and db_reads columns.",
		},
	}
}

func drawPoolCapacity(r *rand.Rand) Problem {
	pool := 2 + r.IntN(7)                  // 2 to 8 connections
	ms := pick(r, 4, 5, 8, 10, 12, 16, 20) // per statement
	perConn := 1000 / float64(ms)
	capacity := float64(pool) * perConn
	return Problem{
		Prompt: fmt.Sprintf("A database has a pool of %d connections, and each statement holds one for %d ms. How many statements per second can it serve at most?", pool, ms),
		Answer: capacity, Unit: "statements/s", Tolerance: 0.02,
		Method: []string{
			fmt.Sprintf("One connection: 1000 ms / %d ms = %s statements/s.", ms, Number(perConn)),
			fmt.Sprintf("%d connections side by side: %d x %s = %s statements/s.", pool, pool, Number(perConn), Number(capacity)),
			"Past that, statements wait for a connection and latency climbs.",
			"Live: archex's database has 3 connections at 8 ms: 3 x 125 = 375 statements/s (the pool figure shows x/3 in use).",
		},
	}
}

func drawLittlesLaw(r *rand.Rand) Problem {
	rate := pick(r, 50, 100, 150, 200, 250, 300, 400, 500, 600, 800)
	ms := pick(r, 2, 4, 5, 8, 10, 12, 20, 25, 50)
	inside := float64(rate) * float64(ms) / 1000
	return Problem{
		Prompt: fmt.Sprintf("Requests arrive at %d per second and each spends %d ms inside a component. On average, how many are inside it at once?", rate, ms),
		Answer: inside, Tolerance: 0.05,
		Method: []string{
			"Little's law: in the system = arrival rate x time inside.",
			fmt.Sprintf("L = %d/s x %s s = %s", rate, exact(float64(ms)/1000), Number(inside)),
			"Live: the database's pool in use is L for statements: about 150 statements/s x 8 ms = 1.2 of its 3 connections at 200 requests/s.",
		},
	}
}

func drawDrainTime(r *rand.Rand) Problem {
	backlog := pick(r, 600, 1200, 1500, 2000, 2400, 3000, 6000)
	capacity := pick(r, 300, 400, 500, 600, 800, 1000)
	var arrivals int
	for {
		arrivals = pick(r, 100, 150, 200, 250, 300)
		if arrivals <= capacity-100 {
			break
		}
	}
	spare := capacity - arrivals
	secs := float64(backlog) / float64(spare)
	return Problem{
		Prompt: fmt.Sprintf("A backlog of %d events waits in a queue. The worker can apply %d events per second, and new events keep arriving at %d per second. How many seconds until the backlog is gone?", backlog, capacity, arrivals),
		Answer: secs, Unit: "s", Tolerance: 0.05,
		Method: []string{
			"Only the spare capacity eats into the backlog:",
			fmt.Sprintf("spare = capacity - arrivals = %d - %d = %d events/s", capacity, arrivals, spare),
			fmt.Sprintf("drain time = backlog / spare = %d / %d = %s s", backlog, spare, Number(secs)),
			"Live: kill the worker (w) for a few seconds at 200 requests/s, revive it, and watch the queue's depth fall.",
		},
	}
}

func drawTokenBucket(r *rand.Rand) Problem {
	size := pick(r, 2, 5, 10, 20, 50)
	rate := pick(r, 1, 2, 4, 5, 10)
	wait := pick(r, 1, 2, 3, 4, 5, 8, 10)
	refilled := rate * wait
	tokens := min(size, refilled)
	capped := ""
	if refilled > size {
		capped = fmt.Sprintf(": the bucket is full at %d and the rest is lost", size)
	}
	return Problem{
		Prompt: fmt.Sprintf("An API key's token bucket holds at most %d tokens and refills at %d per second. The client has just used up its tokens. It waits %d s, then sends 100 requests at once. How many pass?", size, rate, wait),
		Answer: float64(tokens),
		Method: []string{
			"Each request needs a token; the bucket refills steadily but holds no more than its size.",
			fmt.Sprintf("tokens = min(size, rate x wait) = min(%d, %d x %d) = min(%d, %d) = %d%s", size, rate, wait, size, refilled, tokens, capped),
			fmt.Sprintf("So %d pass and the other %d get 429 with Retry-After.", tokens, 100-tokens),
			"Live: the gateway's trial key holds 2 tokens and refills 2 per second; the third request at once gets 429 with Retry-After 1.",
		},
	}
}

func drawRetryAmplification(r *rand.Rand) Problem {
	layers := pick(r, 2, 3, 4)
	attempts := pick(r, 2, 3, 4, 5)
	calls := math.Pow(float64(attempts), float64(layers))
	names := []string{"A", "B", "C", "D", "E"}[:layers+1]
	chain := strings.Join(names, " calls ")
	return Problem{
		Prompt: fmt.Sprintf("%d services call each other in a chain (%s), and each caller makes up to %d attempts when its call fails. The last service is down. How many calls can one request to A make to the last one?", layers+1, chain, attempts),
		Answer: calls,
		Method: []string{
			"Each layer repeats the whole of the layer below, so the attempts multiply:",
			fmt.Sprintf("calls = attempts ^ callers = %d ^ %d = %s", attempts, layers, Number(calls)),
			"That is how a short outage becomes a retry storm. Live: archex retries at one layer only, once, at the load balancer.",
		},
	}
}

func drawFanoutTail(r *rand.Rand) Problem {
	calls := pick(r, 2, 5, 10, 20, 50, 100)
	perMille := pick(r, 10, 1) // slow calls in a thousand: past the p99 or the p99.9
	pFast := float64(1000-perMille) / 1000
	fast := math.Pow(pFast, float64(calls))
	slow := (1 - fast) * 100
	return Problem{
		Prompt: fmt.Sprintf("A page waits for %d backend calls made in parallel. Each call is slow (past its p%s) %s %% of the time, independently. What percentage of page loads wait for at least one slow call?",
			calls, exact(100*pFast), exact(float64(perMille)/10)),
		Answer: slow, Unit: "%", Tolerance: 0.05,
		Method: []string{
			"The page is fast only if every call is fast:",
			fmt.Sprintf("P(all fast) = %s ^ %d = %s", exact(pFast), calls, strconvShort(fast)),
			fmt.Sprintf("P(at least one slow) = 1 - %s = %s %%", strconvShort(fast), Number(slow)),
			"Fan-out turns a rare tail into a common wait. Live: the p99 on the dashboard is the tail one request in a hundred sees.",
		},
	}
}

// strconvShort writes a probability with four decimals.
func strconvShort(v float64) string { return fmt.Sprintf("%.4f", v) }

// exact writes a value given in a problem as it is (0.004, 0.999), where
// Number would round it.
func exact(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
