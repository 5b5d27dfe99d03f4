package narrate

import "strings"

// The helpers below put a component's error into a sentence. Errors are
// the one prose a hop carries (its Err field, as the failing component
// said it); everything else in a sentence comes from the hop's fields.

// failure makes a sentence of a component's error: errors usually start
// with the component's name ("Cache unreachable (no answer in 20ms): down"),
// which then starts the sentence.
func failure(name, err string) string {
	err = strings.TrimSuffix(undial(err), ": down")
	if strings.HasPrefix(err, name+" ") {
		return err
	}
	return name + " failed (" + err + ")"
}

// shortErr is an error in a few words for a parenthesis: without the
// component's name, the dial details and a bare "down"; a timeout (which a
// client may report as the server unreachable) says so.
func shortErr(name, err string) string {
	if strings.Contains(err, "i/o timeout") || strings.Contains(err, "deadline exceeded") {
		return name + " did not answer in time"
	}
	err = strings.TrimPrefix(err, name+": ")
	err = strings.TrimPrefix(err, name+" ")
	if i := strings.Index(err, " (dial "); i >= 0 {
		err = err[:i]
	}
	if i := strings.Index(err, ": down ("); i >= 0 {
		err = err[:i+len(": down")] // "down (connection refused)"
	}
	err = undial(err)
	if strings.HasSuffix(err, ": down") || err == "down" {
		return name + " is down"
	}
	return err
}

// on names the instance a hop ran on.
func on(instance string) string {
	if instance == "" {
		return ""
	}
	return " on " + instance
}

// undial drops the addresses from a dial error: "dial tcp 127.0.0.1:39773:
// connect: connection refused" says no more to a learner than "connection
// refused", and the port changes every run.
func undial(err string) string {
	i := strings.Index(err, "dial tcp ")
	if i < 0 {
		return err
	}
	j := strings.Index(err[i:], ": connect: ")
	if j < 0 {
		return err
	}
	return err[:i] + err[i+j+len(": connect: "):]
}
