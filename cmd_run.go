package main

func cmdRun(env *cliEnv, args []string) error   { return badUsage(mainUsage, "run: not built yet") }
func cmdTrace(env *cliEnv, args []string) error { return badUsage(mainUsage, "trace: not built yet") }
func cmdDashboard(env *cliEnv, args []string) error {
	return badUsage(mainUsage, "dashboard: not built yet")
}
