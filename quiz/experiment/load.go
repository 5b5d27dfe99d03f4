package experiment

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/archex/archex/card"
	"github.com/archex/archex/quiz"
)

//go:embed experiments.yaml
var questionsYAML []byte

var experiments = mustLoad(questionsYAML)

func mustLoad(data []byte) []*Experiment {
	es, err := load(data)
	if err != nil {
		// The file is embedded and tested: this is a broken build.
		panic(err)
	}
	return es
}

type fileOption struct {
	Outcome     string `yaml:"outcome"`
	Text        string `yaml:"text"`
	Explanation string `yaml:"explanation"`
}

type fileQuestion struct {
	ID         string       `yaml:"id"`
	Topic      string       `yaml:"topic"`
	Difficulty string       `yaml:"difficulty"`
	Prompt     string       `yaml:"prompt"`
	Related    []string     `yaml:"related"`
	Options    []fileOption `yaml:"options"`
}

// load reads the questions and binds each to its script. Every question
// needs an id with a script, a topic, a difficulty, a prompt and 2 to 4
// options with an outcome, a text and an explanation; the outcomes are
// exactly the ones its grader can decide. Related names bank questions (a
// test checks that they exist).
func load(data []byte) ([]*Experiment, error) {
	var f struct {
		Experiments []fileQuestion `yaml:"experiments"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("experiments.yaml: %w", err)
	}
	var out []*Experiment
	seen := map[string]bool{}
	for i, q := range f.Experiments {
		where := fmt.Sprintf("experiments.yaml: experiment %d (%q)", i+1, q.ID)
		s, ok := scripts[q.ID]
		switch {
		case !ok:
			return nil, fmt.Errorf("%s: no script has this id", where)
		case seen[q.ID]:
			return nil, fmt.Errorf("%s: id used twice", where)
		case strings.TrimSpace(q.Topic) == "" || strings.TrimSpace(q.Prompt) == "":
			return nil, fmt.Errorf("%s: needs a topic and a prompt", where)
		case !slices.Contains(quiz.Difficulties, q.Difficulty):
			return nil, fmt.Errorf("%s: difficulty %q: use easy, medium or hard", where, q.Difficulty)
		case len(q.Options) < 2 || len(q.Options) > quiz.MaxOptions:
			return nil, fmt.Errorf("%s: has %d options: give 2 to %d", where, len(q.Options), quiz.MaxOptions)
		}
		seen[q.ID] = true
		e := &Experiment{
			Question: card.Question{ID: q.ID, Topic: q.Topic, Difficulty: q.Difficulty, Prompt: strings.TrimSpace(q.Prompt)},
			Needs:    s.needs, Acts: s.acts, Related: q.Related, script: s,
		}
		for j, o := range q.Options {
			if o.Outcome == "" || strings.TrimSpace(o.Text) == "" || strings.TrimSpace(o.Explanation) == "" {
				return nil, fmt.Errorf("%s: option %s needs an outcome, a text and an explanation", where, quiz.Letter(j))
			}
			if slices.Contains(e.Outcomes, o.Outcome) {
				return nil, fmt.Errorf("%s: outcome %q is on two options", where, o.Outcome)
			}
			e.Outcomes = append(e.Outcomes, o.Outcome)
			e.Question.Options = append(e.Question.Options, card.Option{Text: strings.TrimSpace(o.Text), Explanation: strings.TrimSpace(o.Explanation)})
		}
		if !sameSet(e.Outcomes, s.outcomes) {
			return nil, fmt.Errorf("%s: the options stand for %s; the grader decides %s", where,
				strings.Join(e.Outcomes, ", "), strings.Join(s.outcomes, ", "))
		}
		out = append(out, e)
	}
	if len(out) != len(scripts) {
		var missing []string
		for id := range scripts {
			if !seen[id] {
				missing = append(missing, id)
			}
		}
		sort.Strings(missing)
		return nil, fmt.Errorf("experiments.yaml: no question for %s", strings.Join(missing, ", "))
	}
	return out, nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
