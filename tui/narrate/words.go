package narrate

import "strings"

// The helpers below take apart the details the components write on their
// hops (service, gateway, load balancer, worker, relays); the table tests
// hold real ones, copied from archex trace.

// failure makes a sentence of a component's error: errors usually start
// with the component's name ("Cache unreachable (no answer in 20ms): down"),
// which then starts the sentence.
func failure(name, err string) string {
	err = strings.TrimSuffix(err, ": down")
	if strings.HasPrefix(err, name+" ") {
		return err
	}
	return name + " failed (" + err + ")"
}

// shortErr is an error in a few words for a parenthesis: without the
// component's name, the dial details and a bare "down".
func shortErr(name, err string) string {
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

// cutFailed splits "product:43 failed (why)..." into the key and why.
func cutFailed(s string) (key, why string) {
	key, rest, ok := strings.Cut(s, " failed (")
	if !ok {
		return s, ""
	}
	// The reason may hold parentheses of its own: the last ")" closes it.
	if i := strings.LastIndex(rest, ")"); i >= 0 {
		return key, rest[:i] + strings.TrimPrefix(rest[i+1:], ")")
	}
	return key, rest
}

// on names the instance a hop ran on.
func on(instance string) string {
	if instance == "" {
		return ""
	}
	return " on " + instance
}

// after returns what follows sep in s, or s.
func after(s, sep string) string {
	if _, rest, ok := strings.Cut(s, sep); ok {
		return rest
	}
	return s
}

func lastField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[len(f)-1]
	}
	return s
}

// isRequestLine reports whether s looks like "GET /products/42".
func isRequestLine(s string) bool {
	method, path, ok := strings.Cut(s, " ")
	return ok && strings.HasPrefix(path, "/") && !strings.Contains(path, " ") && isUpper(method)
}

// isProductLine reports whether s looks like "GET product 42".
func isProductLine(s string) bool {
	method, rest, ok := strings.Cut(s, " ")
	return ok && isUpper(method) && strings.HasPrefix(rest, "product ")
}

func isUpper(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// statusPrefix splits "503 Service Unavailable" into "503" and the rest.
func statusPrefix(s string) (code, rest string) {
	if len(s) < 4 || s[3] != ' ' {
		return "", s
	}
	for _, r := range s[:3] {
		if r < '0' || r > '9' {
			return "", s
		}
	}
	return s[:3], s[4:]
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
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
