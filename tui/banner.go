package tui

import (
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/engine"
)

// failureWatch follows the card's failure scenario: when its component goes
// down it keeps the figures from just before, for "before vs now"; after
// the revive it follows the rebuild.
type failureWatch struct {
	card      *card.Card
	down      bool
	before    engine.Second
	failedAt  int64 // failed requests when it went down
	lastUp    engine.Second
	revivedAt time.Time
	rebuilt   bool
}

// rebuildFor is how long the rebuild stays on screen at most.
const rebuildFor = 45 * time.Second

func (f *failureWatch) observe(s *engine.Snapshot) {
	if f.card.Failure == nil {
		return
	}
	st, ok := s.Component(f.card.Failure.Component)
	if !ok {
		return
	}
	down := st.State == engine.Down
	if !down {
		// The figures of the last second seen before a kill are the
		// "before" of "before vs now".
		f.lastUp = s.Last
	}
	switch {
	case down && !f.down:
		f.down, f.before, f.failedAt = true, f.lastUp, s.Requests.Failed
		f.revivedAt, f.rebuilt = time.Time{}, false
	case !down && f.down:
		f.down, f.revivedAt = false, s.At
	case !down && f.rebuilding(s.At) && st.Kind == card.KindQueue:
		// Caught up once nothing waits to be published.
		f.rebuilt = st.Outbox+st.Spool == 0
	case !down && f.rebuilding(s.At):
		// Rebuilt once the hit ratio is back where it was (or 80 %).
		target := 0.8
		if b := f.before.HitRatio; b != nil {
			target = min(*b*0.95, 0.8)
		}
		if hr := st.HitRatio; hr != nil && *hr >= target {
			f.rebuilt = true
		}
	}
}

// rebuilding reports whether the failed component is back and recovering.
func (f *failureWatch) rebuilding(now time.Time) bool {
	return !f.down && !f.revivedAt.IsZero() && !f.rebuilt && now.Sub(f.revivedAt) < rebuildFor
}
