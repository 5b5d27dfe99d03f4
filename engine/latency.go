package engine

import (
	"math"
	"slices"
)

// Latencies is a distribution of response times, compact enough to keep
// for every second of a run: counts in buckets 5 % wide (from 100 µs up to
// a minute), only the buckets that have any. Seconds carry one, so that a
// percentile over a window of seconds (Merge, then Quantile) counts every
// request of the window, not an average of the seconds' percentiles. A
// quantile is read to within 2.5 % (the middle of its bucket).
type Latencies struct {
	// Buckets are the non-empty buckets in order: bucket index, count.
	Buckets []LatencyBucket `json:"-"`
}

// LatencyBucket is one bucket of a distribution.
type LatencyBucket struct {
	Index uint16
	N     uint32
}

// Geometry of the buckets: bucket 0 is below latencyBase; bucket i ≥ 1
// holds [base·growth^(i-1), base·growth^i).
const (
	latencyBase    = 100.0 // µs
	latencyGrowth  = 1.05
	latencyBuckets = 275 // up to about 60 s
)

var logGrowth = math.Log(latencyGrowth)

// latencyBucket is the bucket of a latency in µs.
func latencyBucket(us int64) int {
	if float64(us) < latencyBase {
		return 0
	}
	i := 1 + int(math.Log(float64(us)/latencyBase)/logGrowth)
	return min(i, latencyBuckets-1)
}

// bucketMiddle is a bucket's value in ms: the geometric middle of its
// bounds.
func bucketMiddle(i int) float64 {
	if i == 0 {
		return latencyBase / 2 / 1000
	}
	lo := latencyBase * math.Pow(latencyGrowth, float64(i-1))
	return lo * math.Sqrt(latencyGrowth) / 1000
}

// latencyCounter counts a second's latencies before they become Latencies.
type latencyCounter [latencyBuckets]uint32

func (c *latencyCounter) add(us int64) { c[latencyBucket(us)]++ }

// take returns the counts as Latencies and clears them.
func (c *latencyCounter) take() Latencies {
	var l Latencies
	for i, n := range c {
		if n > 0 {
			l.Buckets = append(l.Buckets, LatencyBucket{Index: uint16(i), N: n})
			c[i] = 0
		}
	}
	return l
}

// Count is how many latencies the distribution holds.
func (l Latencies) Count() int64 {
	var n int64
	for _, b := range l.Buckets {
		n += int64(b.N)
	}
	return n
}

// Merge adds other's counts to l's, in a new distribution.
func (l Latencies) Merge(other Latencies) Latencies {
	var out Latencies
	i, j := 0, 0
	for i < len(l.Buckets) || j < len(other.Buckets) {
		switch {
		case j == len(other.Buckets) || i < len(l.Buckets) && l.Buckets[i].Index < other.Buckets[j].Index:
			out.Buckets = append(out.Buckets, l.Buckets[i])
			i++
		case i == len(l.Buckets) || other.Buckets[j].Index < l.Buckets[i].Index:
			out.Buckets = append(out.Buckets, other.Buckets[j])
			j++
		default:
			out.Buckets = append(out.Buckets, LatencyBucket{Index: l.Buckets[i].Index, N: l.Buckets[i].N + other.Buckets[j].N})
			i++
			j++
		}
	}
	return out
}

// Quantile is the latency in ms below which a fraction q (0..1) of the
// distribution lies, 0 for an empty one: the smallest bucket whose
// cumulative count reaches q of the total, read at its middle.
func (l Latencies) Quantile(q float64) float64 {
	total := l.Count()
	if total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(total)))
	rank = max(rank, 1)
	var seen int64
	for _, b := range l.Buckets {
		seen += int64(b.N)
		if seen >= rank {
			return bucketMiddle(int(b.Index))
		}
	}
	return bucketMiddle(int(l.Buckets[len(l.Buckets)-1].Index))
}

// LatenciesOf builds a distribution from latencies in ms (tests, and
// anyone with raw figures).
func LatenciesOf(ms ...float64) Latencies {
	var c latencyCounter
	for _, v := range ms {
		c.add(int64(v * 1000))
	}
	l := c.take()
	slices.SortFunc(l.Buckets, func(a, b LatencyBucket) int { return int(a.Index) - int(b.Index) })
	return l
}
