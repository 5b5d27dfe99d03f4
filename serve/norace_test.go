//go:build !race

package serve

const raceSlack = 1
