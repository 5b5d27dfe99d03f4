package serve

import (
	"fmt"
	"net"
	"os"
)

// JoinCommand is what a student types to join a server on host and port:
// "ssh -p 2222 yourname@10.0.0.5" ("ssh yourname@host" on port 22).
func JoinCommand(host string, port int) string {
	if port == 22 {
		return "ssh yourname@" + host
	}
	return fmt.Sprintf("ssh -p %d yourname@%s", port, host)
}

// JoinHint is the line a presenter's screen shows: the command and the
// class code.
func JoinHint(command, classCode string) string { return command + " · class code " + classCode }

// ReachableHost is the host students type for a server listening on ip:
// ip itself, or for an address that listens everywhere (0.0.0.0, ::) this
// machine's first address that is not loopback (its name when it has none).
func ReachableHost(ip net.IP) string {
	if !ip.IsUnspecified() {
		return ip.String()
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
				return n.IP.String()
			}
		}
	}
	if name, err := os.Hostname(); err == nil {
		return name
	}
	return "localhost"
}

// Loopback reports whether ip is reachable from this machine only.
func Loopback(ip net.IP) bool { return ip.IsLoopback() }
