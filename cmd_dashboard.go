package main

func cmdDashboard(env *cliEnv, args []string) error {
	return badUsage(mainUsage, "dashboard: not built yet; try 'archex run'")
}
