package gateway

import (
	"fmt"

	"golang.org/x/time/rate"
)

// MaxKeyRate is the highest rate limit a key may be given, requests per
// second: the most the user sends at all.
const MaxKeyRate = 5000

// BurstFor is the bucket a key of rate r gets: half a second of its rate,
// plus one.
func BurstFor(r float64) int { return int(r/2) + 1 }

// SetKeyRate gives every key but the trial key a rate limit of r requests
// per second (its bucket BurstFor(r)), from now on: the token buckets keep
// the tokens they have, up to the new burst, and refill at the new rate.
func (g *Gateway) SetKeyRate(r float64) error {
	if !(r >= 1 && r <= MaxKeyRate) {
		return fmt.Errorf("%s: a rate limit of %v requests per second per key: give 1 to %d", g.cfg.Name, r, MaxKeyRate)
	}
	for key, lim := range g.limiters {
		if key == TrialKey {
			continue
		}
		lim.SetLimit(rate.Limit(r))
		lim.SetBurst(BurstFor(r))
	}
	return nil
}

// KeyRate is the rate limit of the demo keys now (the first one's).
func (g *Gateway) KeyRate() float64 {
	for _, k := range g.cfg.Keys {
		if k.Key != TrialKey {
			return float64(g.limiters[k.Key].Limit())
		}
	}
	return 0
}
