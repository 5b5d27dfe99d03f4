package experiment

import "testing"

// A baseline is measured once the system holds steady: these are seconds of
// real runs (a fresh system at 200 requests/s warming its cache, then
// running) and the borderlines.
func TestIsSteady(t *testing.T) {
	hit := func(x float64) *float64 { return &x }
	warming := secondsOf(
		sec{sent: 197, ok: 193, reads: 70, p50: 12.6, hit: hit(0.60)},
		sec{sent: 184, ok: 188, reads: 34, p50: 8.8, hit: hit(0.80)},
		sec{sent: 211, ok: 211, reads: 29, p50: 5.2, hit: hit(0.85)},
		sec{sent: 192, ok: 192, reads: 24, p50: 7.0, hit: hit(0.86)},
		sec{sent: 217, ok: 210, reads: 30, p50: 5.7, hit: hit(0.84)},
	)
	for _, tt := range []struct {
		name     string
		from, to int
		want     bool
	}{
		{"the cache filling", 0, 3, false},
		{"still climbing 6 points", 1, 4, false},
		{"warm", 2, 5, true},
	} {
		if got := isSteady(warming[tt.from:tt.to]); got != tt.want {
			t.Errorf("%s: steady %v, want %v", tt.name, got, tt.want)
		}
	}
	for _, tt := range []struct {
		name string
		secs []sec
		want bool
	}{
		{"hit ratio within 8 points", []sec{{ok: 200, p50: 5, hit: hit(0.90)}, {ok: 200, p50: 5, hit: hit(0.82)}, {ok: 200, p50: 5, hit: hit(0.86)}}, true},
		{"hit ratio over 8 points apart", []sec{{ok: 200, p50: 5, hit: hit(0.90)}, {ok: 200, p50: 5, hit: hit(0.81)}, {ok: 200, p50: 5, hit: hit(0.86)}}, false},
		{"1% failed", []sec{{ok: 198, failed: 2, p50: 5}, {ok: 200, p50: 5}}, true},
		{"over 1% failed", []sec{{ok: 197, failed: 3, p50: 5}, {ok: 200, p50: 5}}, false},
		{"nothing answered", []sec{{p50: 0}, {ok: 200, p50: 5}}, false},
		{"the median within twice and 2 ms", []sec{{ok: 200, p50: 5}, {ok: 200, p50: 12}}, true},
		{"the median further apart", []sec{{ok: 200, p50: 5}, {ok: 200, p50: 12.1}}, false},
		{"the cache down: no ratio to move", []sec{{ok: 200, p50: 13, hit: hit(0)}, {ok: 200, p50: 14, hit: hit(0)}}, true},
	} {
		if got := isSteady(secondsOf(tt.secs...)); got != tt.want {
			t.Errorf("%s: steady %v, want %v", tt.name, got, tt.want)
		}
	}
}
