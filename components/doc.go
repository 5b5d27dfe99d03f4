// Package components holds one real component per kind of the design card:
// loadbalancer, gateway, service, cache, database, queue, worker, traffic (the
// User) and generic (any other kind). Each runs for real on loopback, applies
// its modeled latency (package model) and records the hops it sees (package
// trace). None of them knows anything about a user interface.
package components
