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
// option is usually fixed in its data; a session can also grade an answer
// against a verdict decided at run time (Session.AnswerJudged), which is what
// the "predict, then observe" experiments use: the learner answers before an
// action on the live system, and the measurements decide which option was
// right. The experiments themselves, which drive the engine, are in
// quiz/experiment; here they are questions (Config.Experiments, the
// experiments set, one in a practice set when one is due or new) and a Judge
// that a front end passes in (RunPlainJudged for --plain).
package quiz
