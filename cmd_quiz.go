package main

// cmdQuiz runs `archex quiz`. Owned by the quiz work (issue 4).
func cmdQuiz(env *cliEnv, args []string) error {
	return badUsage(mainUsage, "quiz: not built yet")
}
