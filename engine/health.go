package engine

import (
	"fmt"
	"strings"

	"github.com/archex/archex/card"
)

// health sums a component up in one word and a note, from its figures.
// The rules, first match wins:
//
//	DOWN      killed by chaos (a paused user: "paused"), or a component with
//	          replicas none of which is healthy (a load balancer with 0/3
//	          healthy serves nothing: it is down, not degraded)
//	OPEN      a cache the circuit breaker has stopped calling
//	DEGRADED  short of replicas (some ejected or killed), failing some calls
//	          or slowed by chaos, a database pool with more waiting than it
//	          has connections, a breaker half-open
//	UP        otherwise
func health(st Status) (State, string) {
	switch {
	case st.Killed && st.Kind == card.KindClient:
		return Down, "paused"
	case st.Killed:
		return Down, "killed"
	case st.Replicas > 0 && st.Healthy == 0:
		return Down, fmt.Sprintf("0/%d healthy", st.Replicas)
	case st.Breaker == "open":
		return Open, "breaker open: not called"
	case st.Replicas > 0 && st.Healthy < st.Replicas && len(st.Ejected) > 0:
		return Degraded, strings.Join(st.Ejected, ", ") + " ejected"
	case st.Replicas > 0 && st.Healthy < st.Replicas:
		return Degraded, fmt.Sprintf("%d/%d replicas", st.Healthy, st.Replicas)
	case st.Fail > 0:
		return Degraded, faultScope(st) + fmt.Sprintf("failing %.0f%% of calls", st.Fail*100)
	case st.Slow > 0:
		return Degraded, faultScope(st) + fmt.Sprintf("slowed +%v", st.Slow)
	case st.PoolWaiting > st.PoolSize:
		return Degraded, fmt.Sprintf("saturated: %d waiting", st.PoolWaiting)
	case st.Breaker == "half-open":
		return Degraded, "breaker half-open: trying"
	}
	return Up, ""
}

// faultScope is "replica-1 " when chaos is on some replicas only.
func faultScope(st Status) string {
	if len(st.FaultsOn) == 0 {
		return ""
	}
	return strings.Join(st.FaultsOn, ", ") + " "
}
