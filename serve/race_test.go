//go:build race

package serve

// The race detector makes everything five to ten times slower: the
// deadlines that stand for what a user notices stretch as much.
const raceSlack = 5
