package quizview

import "github.com/archex/archex/quiz"

// Preview says what answering an experiment question will change on the
// live system (experiment.PreviewOn), for the learner to read before
// predicting; "" for nothing to say. It is called when the question is
// drawn, so it must be quick: it reads the system, it never waits.
type Preview func(quiz.Item) string

// WithPreview sets what an experiment question shows before it starts.
func WithPreview(p Preview) Option { return func(m *Model) { m.preview = p } }

// WithPreview returns the model with p as its preview (see the option).
func (m Model) WithPreview(p Preview) Model {
	m.preview = p
	return m
}

// previewLines are the preview of it, wrapped to w, or none.
func (m Model) previewLines(it quiz.Item, w int) []string {
	if m.preview == nil || !it.Judged() {
		return nil
	}
	text := m.preview(it)
	if text == "" {
		return nil
	}
	return append([]string{""}, styleLines(m.styles.Dim, wrap(text, w))...)
}
