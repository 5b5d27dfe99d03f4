package challenge

import (
	"strconv"

	"github.com/archex/archex/engine"
)

// Costs are what the levers cost, in credits, per unit added above where
// the challenge starts: capacity costs, settings do not. One service
// replica is 2 (a whole process on a host of its own), one worker consumer
// 1, one database connection 1 (memory on the database's host). The TTL,
// the rate limit and the switches (breaker, singleflight, shedding, the
// algorithm) cost nothing: they are configuration. Taking capacity away
// below the start gives nothing back.
var Costs = []struct {
	Lever string
	Per   int
	of    func(engine.Levers) int
}{
	{"scale service", 2, func(l engine.Levers) int { return l.Replicas }},
	{"scale worker", 1, func(l engine.Levers) int { return l.Workers }},
	{"pool", 1, func(l engine.Levers) int { return l.Pool }},
}

// Cost is what going from the levers at start to now costs.
func Cost(start, now engine.Levers) int {
	total := 0
	for _, c := range Costs {
		if d := c.of(now) - c.of(start); d > 0 {
			total += d * c.Per
		}
	}
	return total
}

// Credits is n credits in words: "1 credit", "3 credits".
func Credits(n int) string {
	if n == 1 {
		return "1 credit"
	}
	return strconv.Itoa(n) + " credits"
}
