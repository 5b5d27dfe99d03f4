// Package quiz is the architecture quiz as logic and data: the question bank
// (YAML, embedded, validated when loaded), the numeric questions (templates
// whose values are drawn per attempt, answered by typing a number, graded
// with a stated tolerance and shown with the worked method), quiz sessions
// (which questions, options shuffled with a seed, answers, scoring per topic,
// a miss asked again later in the session, the misses to review), the
// learner's progress (Leitner boxes, stored atomically in the user's config
// directory) and the line-based --plain mode.
//
// Spacing is honest: practice asks only what is due or new; a right answer
// before a question is due counts but does not move it up, so "mastered"
// (box 4 and up) means right three times in a row, each when due, days
// apart. The standing (Summary) adds up: mastered + learning + due + new =
// total.
//
// Nothing here draws: the Bubble Tea screen lives in tui/quizview. Nothing
// here reads the clock either: every function that schedules takes the time
// as an argument, so tests pass a fixed one.
//
// Questions are card.Question values, the same shape as a card's own quiz, so
// a session mixes the card's questions with the bank's. A question's correct
// option is usually fixed in its data. The "predict, then observe"
// experiments are measured instead: a Trial measures the live system's
// steady baseline, the learner predicts a number from it, and the trial
// acts and measures; Session.AnswerMeasured grades the prediction like a
// numeric answer, against the measured number with the stated tolerance.
// The experiments themselves, which drive the engine, are in
// quiz/experiment; here they are questions (Config.Experiments, the
// experiments set, one in a practice set when one is due or new) and an
// Experimenter that a front end passes in (RunPlainExperiments for --plain).
// A class poll asks the same experiments with letters, graded by a Judge.
package quiz
