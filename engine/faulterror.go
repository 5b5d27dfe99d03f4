package engine

import "fmt"

// FaultError is a fault ParseFault could not read: the input and why, so
// that a front end with its own grammar around faults (a lesson's lines)
// can say why in its own words.
type FaultError struct {
	Input string // the fault as given
	Why   string // what is wrong with it, in a few words
}

func (e *FaultError) Error() string {
	return fmt.Sprintf("bad fault %q: %s; %s; %s", e.Input, e.Why, faultUsage, faultNames)
}
