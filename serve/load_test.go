package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// The classroom's load, measured (not a timed assertion): 50 students at
// 120x40 on an engine at 100 req/s, the server in this process, the
// students' SSH clients in a child process (so that this process's CPU is
// the server's and the engine's alone). Each student presses v (next
// panel) about once a second; keypress-to-frame is from the key's write to
// the first bytes of the new panel's title.
//
//	ARCHEX_SERVE_LOAD=1 go test ./serve -run TestServeLoad -v -timeout 5m
func TestServeLoad(t *testing.T) {
	if os.Getenv("ARCHEX_SERVE_LOAD") == "" {
		t.Skip("set ARCHEX_SERVE_LOAD=1 to measure the classroom's load")
	}
	const students, measure = 50, 30 * time.Second
	c := startClass(t, 100)
	time.Sleep(3 * time.Second) // the engine warms up
	engineCPU := cpuOver(10 * time.Second)
	heapBefore, rssBefore := memory()

	child := exec.Command(os.Args[0], "-test.run", "^TestServeLoadClients$", "-test.v")
	child.Env = append(os.Environ(), "ARCHEX_SERVE_LOAD_ADDR="+c.addr, "ARCHEX_SERVE_LOAD_N="+strconv.Itoa(students),
		"ARCHEX_SERVE_LOAD_FOR="+(measure+10*time.Second).String())
	var out bytes.Buffer
	child.Stdout, child.Stderr = &out, &out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for c.class.View(0).Students < students {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d students joined:\n%s", c.class.View(0).Students, students, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(5 * time.Second) // every session past its first frames
	classCPU := cpuOver(measure)
	heapAfter, rssAfter := memory()
	if err := child.Wait(); err != nil {
		t.Fatalf("the clients: %v\n%s", err, out.String())
	}
	var lat struct {
		P50, P99, Max time.Duration
		N             int
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if j, ok := strings.CutPrefix(strings.TrimSpace(line), "LOAD "); ok {
			if err := json.Unmarshal([]byte(j), &lat); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("engine alone at 100 req/s: %.2f cores", engineCPU)
	t.Logf("with %d students at 120x40: %.2f cores in all (server, sessions and engine)", students, classCPU)
	t.Logf("memory per session: heap %.2f MiB, RSS %.2f MiB", float64(heapAfter-heapBefore)/students/(1<<20), float64(rssAfter-rssBefore)/students/(1<<20))
	t.Logf("keypress to frame over %d keys: p50 %v, p99 %v, max %v", lat.N, lat.P50, lat.P99, lat.Max)
}

// cpuOver is the cores this process used over d.
func cpuOver(d time.Duration) float64 {
	before, start := cpuTime(), time.Now()
	time.Sleep(d)
	return (cpuTime() - before).Seconds() / time.Since(start).Seconds()
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// memory is the heap in use after a collection, and the resident set.
func memory() (heap, rss uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if data, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(data)); len(f) > 1 {
			pages, _ := strconv.ParseUint(f[1], 10, 64)
			rss = pages * uint64(os.Getpagesize())
		}
	}
	return ms.HeapInuse, rss
}

// TestServeLoadClients is the students of TestServeLoad, in a process of
// their own.
func TestServeLoadClients(t *testing.T) {
	addr := os.Getenv("ARCHEX_SERVE_LOAD_ADDR")
	if addr == "" {
		t.Skip("run by TestServeLoad")
	}
	n, _ := strconv.Atoi(os.Getenv("ARCHEX_SERVE_LOAD_N"))
	run, _ := time.ParseDuration(os.Getenv("ARCHEX_SERVE_LOAD_FOR"))
	var (
		mu   sync.Mutex
		lats []time.Duration
		wg   sync.WaitGroup
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := loadStudent(addr, fmt.Sprintf("s%02d", i), run, time.Duration(i)*20*time.Millisecond)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			lats = append(lats, got...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(lats)
	if len(lats) == 0 {
		t.Fatal("no keypress measured")
	}
	q := func(p float64) time.Duration { return lats[min(int(p*float64(len(lats))), len(lats)-1)] }
	j, _ := json.Marshal(map[string]any{"P50": q(0.5), "P99": q(0.99), "Max": lats[len(lats)-1], "N": len(lats)})
	fmt.Printf("LOAD %s\n", j)
}

// The panels v goes through, as their titles read.
var panelTitles = []string{"figures", "trace inspector", "event log", "the card"}

// loadStudent is one student for run: it answers the terminal queries,
// then presses v about once a second and times each until the next
// panel's title comes.
func loadStudent(addr, user string, run, offset time.Duration) ([]time.Duration, error) {
	conn, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: user, Auth: []gossh.AuthMethod{gossh.Password(classCode)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 30 * time.Second})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	sess, err := conn.NewSession()
	if err != nil {
		return nil, err
	}
	stdout, _ := sess.StdoutPipe()
	stdin, _ := sess.StdinPipe()
	if err := sess.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{}); err != nil {
		return nil, err
	}
	if err := sess.Shell(); err != nil {
		return nil, err
	}
	io.WriteString(stdin, "\x1b]11;rgb:0000/0000/0000\x07\x1b[?62;22c")
	seen := make(chan string, 16)
	go func() {
		// Reports each panel title as it is drawn.
		buf := make([]byte, 64<<10)
		var tail []byte
		for {
			k, err := stdout.Read(buf)
			chunk := append(tail, buf[:k]...)
			for _, title := range panelTitles {
				if bytes.Contains(chunk, []byte(title+"\x1b")) || bytes.Contains(chunk, []byte(title+"  v:")) {
					select {
					case seen <- title:
					default:
					}
				}
			}
			tail = append([]byte(nil), chunk[max(0, len(chunk)-32):]...)
			if err != nil {
				close(seen)
				return
			}
		}
	}()
	time.Sleep(3*time.Second + offset)
	var lats []time.Duration
	end := time.Now().Add(run - 3*time.Second - offset)
	for next := 1; time.Now().Before(end); next = (next + 1) % len(panelTitles) {
		drain(seen)
		start := time.Now()
		io.WriteString(stdin, "v")
		timeout := time.After(5 * time.Second)
	wait:
		for {
			select {
			case title, ok := <-seen:
				if !ok {
					return lats, fmt.Errorf("%s: the session ended", user)
				}
				if title == panelTitles[next] {
					lats = append(lats, time.Since(start))
					break wait
				}
			case <-timeout:
				return lats, fmt.Errorf("%s: %q never came", user, panelTitles[next])
			}
		}
		time.Sleep(time.Second)
	}
	io.WriteString(stdin, "q")
	return lats, nil
}

func drain(c chan string) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}
