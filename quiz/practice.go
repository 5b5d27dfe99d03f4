package quiz

import (
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/archex/archex/card"
)

// pickPractice chooses up to size questions from pool for a practice set,
// in this order of priority:
//
//  1. due questions last answered wrong, the longest overdue first;
//  2. other due questions, lowest box first;
//  3. new questions, the card's (the first fromCard of the pool) before the
//     bank's, easy before medium before hard.
//
// Questions not yet due are never picked: answering them early would teach
// nothing about recall days later, and could not move them up anyway (see
// Progress.Record). So a set can be shorter than size, or empty when nothing
// is due or new. Ties are broken by rng, and the chosen questions are
// shuffled with it, so that a set mixes topics.
func pickPractice(pool []card.Question, fromCard int, p *Progress, now time.Time, size int, rng *rand.Rand) []card.Question {
	type candidate struct {
		q     card.Question
		class int
		rec   Record
		card  bool
		tie   float64
	}
	cands := make([]candidate, len(pool))
	for i, q := range pool {
		c := candidate{q: q, card: i < fromCard, tie: rng.Float64()}
		rec, seen := p.Get(q.ID)
		c.rec = rec
		switch {
		case seen && !now.Before(rec.Due) && rec.Missed:
			c.class = 0
		case seen && !now.Before(rec.Due):
			c.class = 1
		case !seen:
			c.class = 2
		default:
			c.class = notDue
		}
		cands[i] = c
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.class != b.class {
			return a.class < b.class
		}
		switch a.class {
		case 0:
			if !a.rec.Due.Equal(b.rec.Due) {
				return a.rec.Due.Before(b.rec.Due)
			}
		case 1:
			if a.rec.Box != b.rec.Box {
				return a.rec.Box < b.rec.Box
			}
			if !a.rec.Due.Equal(b.rec.Due) {
				return a.rec.Due.Before(b.rec.Due)
			}
		case 2:
			if a.card != b.card {
				return a.card
			}
			if da, db := difficultyRank(a.q.Difficulty), difficultyRank(b.q.Difficulty); da != db {
				return da < db
			}
		}
		return a.tie < b.tie
	})
	out := make([]card.Question, 0, min(size, len(cands)))
	for _, c := range cands {
		if len(out) == size || c.class == notDue {
			break
		}
		out = append(out, c.q)
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// notDue is the class of a question pickPractice leaves out.
const notDue = 3

func difficultyRank(d string) int {
	if i := slices.Index(Difficulties, d); i >= 0 {
		return i
	}
	return len(Difficulties)
}

// pickExperiment chooses the experiment a practice set includes: the first
// of the due or new ones in pickPractice's order (missed and due first, new
// last), or nil when none is due or new. Experiments take a live system
// several seconds each, so a practice set has one at most, and none once
// every one is learnt until one falls due again.
func pickExperiment(exps []card.Question, p *Progress, now time.Time, rng *rand.Rand) *card.Question {
	var cands []card.Question
	for _, q := range exps {
		if rec, seen := p.Get(q.ID); !seen || !now.Before(rec.Due) {
			cands = append(cands, q)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	q := pickPractice(cands, 0, p, now, 1, rng)[0]
	return &q
}
