package quiz

import (
	"fmt"
	"sort"
)

// Results is the score of a session. The score counts each question's
// first answer; a question asked again after a miss is counted apart (Again,
// AgainRight), since a second try right after the explanation shows little
// about what the learner knew.
type Results struct {
	Asked    int // questions in the session, not counting second askings
	Answered int
	Right    int
	// Topics is the score per topic, for the topics answered, sorted by
	// topic.
	Topics []TopicScore
	// Misses are the wrong first answers, in the order given, for review.
	Misses []Answer
	// Again is how many questions were answered a second time after a
	// miss; AgainRight how many of those were right.
	Again, AgainRight int
}

// TopicScore is the score for one topic.
type TopicScore struct {
	Topic    string
	Answered int
	Right    int
}

// Score scores answers given in a session of asked questions (first
// askings).
func Score(answers []Answer, asked int) Results {
	r := Results{Asked: asked}
	byTopic := map[string]*TopicScore{}
	for _, a := range answers {
		if a.Item.Again {
			r.Again++
			if a.Right() {
				r.AgainRight++
			}
			continue
		}
		r.Answered++
		t := byTopic[a.Item.Topic()]
		if t == nil {
			t = &TopicScore{Topic: a.Item.Topic()}
			byTopic[t.Topic] = t
		}
		t.Answered++
		if a.Right() {
			r.Right++
			t.Right++
		} else {
			r.Misses = append(r.Misses, a)
		}
	}
	for _, t := range byTopic {
		r.Topics = append(r.Topics, *t)
	}
	sort.Slice(r.Topics, func(i, j int) bool { return r.Topics[i].Topic < r.Topics[j].Topic })
	return r
}

// Finished reports whether every question was answered.
func (r Results) Finished() bool { return r.Answered == r.Asked }

// Score is "right/answered", as in "score: 7/10".
func (r Results) Score() string { return fmt.Sprintf("%d/%d", r.Right, r.Answered) }

// Percent is the share of answers that were right, 0 to 100.
func (r Results) Percent() int {
	if r.Answered == 0 {
		return 0
	}
	return r.Right * 100 / r.Answered
}
