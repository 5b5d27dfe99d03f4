package card

import "strconv"

// call is one component holding the request: the hop that called it (-1
// for the client, which sends the request). A queue at the root of the
// async branch has handed the event off: it waits for nothing.
type call struct {
	name      string
	hop       int
	handedOff bool
}

// checkCalls follows the synchronous hops as calls and replies, the way a
// request travels: a hop to the component that called its sender is the
// reply, and any other hop is a call. A call into a component that is
// itself still waiting on this request (Service -> Load Balancer ->
// Gateway -> Service ...) would wait on itself: refused. A hop from a
// component further down the chain than the last one called means the
// calls after it have answered (a fill or a publish whose reply the card
// does not draw). The async branch is followed the same way, from its
// queue, which waits for nothing (a consumer that publishes to it again
// is no loop).
func checkCalls(c *Card, src source) *Error {
	var sync, branch []call
	for i, h := range c.Flow {
		stack := &sync
		switch {
		case h.Async && (i == 0 || !c.Flow[i-1].Async):
			branch = append(branch[:0], call{name: h.From, hop: i - 1, handedOff: true})
			stack = &branch
		case h.Async:
			stack = &branch
		case len(sync) == 0:
			sync = append(sync, call{name: h.From, hop: -1})
		}
		s := *stack
		from := len(s) - 1
		for from >= 0 && s[from].name != h.From {
			from--
		}
		if from < 0 {
			// It does not hold the request (checkFlow allows that): a new
			// chain of calls from it.
			s = append(s[:0], call{name: h.From, hop: i})
			from = 0
		}
		s = s[:from+1]
		switch {
		case from > 0 && s[from-1].name == h.To:
			s = s[:from] // the reply
		default:
			for _, waiting := range s[:from] {
				if waiting.name == h.To && !waiting.handedOff {
					return callBack(c, src, i, waiting, s[from-1].name)
				}
			}
			s = append(s, call{name: h.To, hop: i})
		}
		*stack = s
	}
	return nil
}

// callBack is the error for hop i calling back into a component waiting on
// the request; caller called the hop's sender.
func callBack(c *Card, src source, i int, waiting call, caller string) *Error {
	h := c.Flow[i]
	since := "it sent the request"
	if waiting.hop >= 0 {
		since = "hop " + strconv.Itoa(waiting.hop+1) + " called it"
	}
	return src.errorf(index("flow", i), "hop %d (%s) calls %q, which is still waiting on this request (%s): the request would loop back into a component on its way; if the hop is a reply, it goes to %q, which called %q",
		i+1, h, h.To, since, caller, h.From)
}
