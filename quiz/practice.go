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
//     bank's, easy before medium before hard;
//  4. questions not yet due, the soonest due first.
//
// Ties are broken by rng, and the chosen questions are shuffled with it, so
// that a set mixes topics.
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
			c.class = 3
		}
		cands[i] = c
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.class != b.class {
			return a.class < b.class
		}
		switch a.class {
		case 0, 3:
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
	n := min(size, len(cands))
	out := make([]card.Question, n)
	for i := range n {
		out[i] = cands[i].q
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

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
