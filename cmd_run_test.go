package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/cards"
)

// runCLI runs archex with args and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	code = runMain(env, args)
	return code, out.String(), errb.String()
}

// Bad input: one line naming what is wrong, the usage after it on stderr,
// exit code 2, nothing on stdout, nothing left in TMPDIR, and at once (the
// bound is loose for a busy machine; a refusal takes well under a second).
func TestBadInputIsOneLineAndExitTwo(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--rate", "fast"}, `invalid value "fast" for flag -rate`},
		{[]string{"run", "--rate", "NaN"}, "rate NaN is not a number"},
		{[]string{"run", "--rate", "Inf"}, "rate +Inf is not a number"},
		{[]string{"run", "--rate", "-1"}, "give requests per second, from 0 to 5000"},
		{[]string{"run", "--rate", "2e9"}, "above the 5000 requests per second"},
		{[]string{"run", "--rate", "1e400"}, "value out of range"},
		{[]string{"run", "--rate", "2000", "--pattern", "spike"}, "peaks at 8000"},
		{[]string{"run", "--rate", "1500", "--fault", "pattern spike @1s"}, `--fault "pattern spike @1s": rate 1500 with the spike pattern peaks at 6000`},
		{[]string{"run", "--duration", "0s"}, "--duration 0s"},
		{[]string{"run", "--fault", "kill cahce @5s"}, `unknown component "cahce"`},
		{[]string{"run", "--fault", "kill cache"}, "no time (@5s)"},
		{[]string{"run", "--fault", "explode cache @1s"}, `unknown action "explode"`},
		{[]string{"run", "--fault", "slow database fast @1s"}, `"fast" is not a duration`},
		{[]string{"run", "--fault", "slow cache NaNms @1s"}, `"NaNms" is not a duration`},
		{[]string{"run", "--fault", "slow cache 2h @1s"}, `"2h" is not a duration like 20ms (from 0 to 1m0s)`},
		{[]string{"run", "--fault", "fail cache NaN @1s"}, `fail rate "NaN"`},
		{[]string{"run", "--fault", "slow user 100ms @1s"}, `User has no calls to slow or fail`},
		{[]string{"run", "--fault", "fail cache 1.5 @1s"}, `fail rate "1.5"`},
		{[]string{"run", "--fault", "rate NaN @1s"}, "rate NaN is not a number"},
		{[]string{"run", "--fault", "rate Inf @1s"}, "rate +Inf is not a number"},
		{[]string{"run", "--fault", "rate 1e999 @1s"}, "rate +Inf is not a number"},
		{[]string{"run", "--fault", "rate 9000 @1s"}, "above the 5000 requests per second"},
		{[]string{"run", "--fault", "rate 10 @NaNs"}, `time "NaNs" is not a duration`},
		{[]string{"run", "--fault", `kill "Load Balancer @1s`}, "a quote (\") is not closed"},
		{[]string{"run", "--fault", `kill "" @1s`}, "the name is empty"},
		{[]string{"run", "--fault", `kill "Lode Balancer" @1s`}, `unknown component "Lode Balancer"`},
		{[]string{"run", "--fault", "kill cache @30s", "--duration", "5s"}, "but the run lasts 5s"},
		{[]string{"run", "--pattern", "zigzag"}, `unknown traffic pattern "zigzag"`},
		{[]string{"run", "--card", "no-such-card.yaml"}, "no-such-card.yaml"},
		{[]string{"run", "extra"}, `unexpected argument "extra"`},
		{[]string{"trace", "--key", "0"}, "--key 0"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"--theme", "neon"}, `--theme "neon"`},
		{[]string{"--rate", "NaN"}, "rate NaN is not a number"},
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			start := time.Now()
			code, stdout, stderr := runCLI(t, tc.args...)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("refused after %v", d)
			}
			if code != exitUsage {
				t.Errorf("exit code %d, want %d", code, exitUsage)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			first, _, _ := strings.Cut(stderr, "\n")
			if !strings.HasPrefix(first, "archex: ") || !strings.Contains(first, tc.want) {
				t.Errorf("first line of stderr %q, want it to name %q", first, tc.want)
			}
			noTempDirLeft(t, tmp)
		})
	}
}

// A card's own names work in faults, quoted or not, in any case, and as
// slugs.
func TestFaultsTakeTheCardsNames(t *testing.T) {
	if testing.Short() {
		t.Skip("four 1 s runs")
	}
	for _, fault := range []string{`kill "Load Balancer" @0s`, "kill Load Balancer @0s", "kill load-balancer @0s", `kill "LOAD balancer" @0s`} {
		t.Run(fault, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, "run", "--duration", "1s", "--rate", "20", "--drain", "1s", "--json", "--fault", fault)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var rep struct{ Timeline []struct{ Down []string } }
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatal(err)
			}
			if len(rep.Timeline) != 1 || len(rep.Timeline[0].Down) != 1 || rep.Timeline[0].Down[0] != "loadbalancer" {
				t.Errorf("timeline %+v, want the load balancer down", rep.Timeline)
			}
		})
	}
}

func TestDashboardWithoutATerminal(t *testing.T) {
	code, stdout, stderr := runCLI(t)
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "archex run") {
		t.Errorf("exit %d, stdout %q, stderr %q: want exit 2 pointing to 'archex run'", code, stdout, stderr)
	}
}

// archex trace --json: the card's 14 hops, each with its start, duration,
// async flag, fields and detail, and what the user waited; the worker's
// write ends after the user had the answer.
func TestTraceJSONIsTheCardsFlow(t *testing.T) {
	type hop struct {
		From, To, Detail, Key, Table, Op string
		StartMS                          *float64 `json:"start_ms"`
		MS                               *float64 `json:"ms"`
		Async                            *bool
	}
	var out struct {
		ResponseMS *float64 `json:"response_ms"`
		Path       string
		Hops       []hop
	}
	var stdout string
	// A machine busy with other tests can make the first event's publish
	// miss its 2 ms: the trace then truly shows the spool and its relay,
	// a hop more than the card's flow. That run is told, and run again.
	for try := 1; try <= 3; try++ {
		var code int
		var stderr string
		code, stdout, stderr = runCLI(t, "trace", "--json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stdout, "the spool") {
			break
		}
		t.Logf("try %d: the publish was late and went through the spool: %d hops", try, len(out.Hops))
	}
	if len(out.Hops) != 14 || out.Hops[4].Detail != "MISS product:42" || out.Hops[13].To != "User" {
		t.Fatalf("trace: %+v", out.Hops)
	}
	if out.ResponseMS == nil || *out.ResponseMS <= 0 || out.Path != "/products/42" {
		t.Fatalf("response_ms %v, path %q", out.ResponseMS, out.Path)
	}
	for i, h := range out.Hops {
		if h.StartMS == nil || h.MS == nil || h.Async == nil {
			t.Fatalf("hop %d lacks start_ms, ms or async: %s", i+1, stdout)
		}
		if want := cards.Default().Flow[i].Async; *h.Async != want {
			t.Errorf("hop %d async %v, want the card's %v", i+1, *h.Async, want)
		}
	}
	if h := out.Hops[4]; h.Key != "product:42" || h.Op != "GET" {
		t.Errorf("hop 5's fields: key %q op %q", h.Key, h.Op)
	}
	if h := out.Hops[5]; h.Table != "products" {
		t.Errorf("hop 6's table %q, want products", h.Table)
	}
	if w := out.Hops[10]; *w.StartMS+*w.MS <= *out.ResponseMS {
		t.Errorf("the worker's write ends at %.2f ms, not after the answer at %.2f ms", *w.StartMS+*w.MS, *out.ResponseMS)
	}
}

// On another card, archex trace speaks its words.
func TestTraceSpeaksTheCardsWords(t *testing.T) {
	code, stdout, stderr := runCLI(t, "trace", "--card", "chat")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"GET /messages/42", "GET message 42", "SELECT name, reactions FROM messages WHERE id=42", "message.viewed", "message_stats"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("archex trace --card chat lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "product") {
		t.Errorf("archex trace --card chat speaks of products:\n%s", stdout)
	}
}

func TestRunJSONContract(t *testing.T) {
	if testing.Short() {
		t.Skip("a 3 s run")
	}
	code, stdout, stderr := runCLI(t, "run", "--duration", "3s", "--rate", "50", "--json", "--fault", "kill cache @1s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Timeline []map[string]any `json:"timeline"`
		Summary  map[string]any   `json:"summary"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v in %s", err, stdout)
	}
	if len(rep.Timeline) != 3 {
		t.Fatalf("%d seconds in the timeline, want 3", len(rep.Timeline))
	}
	for _, k := range []string{"t", "sent", "ok", "failed", "hit_ratio", "db_reads", "db_qps", "p50_ms", "p99_ms", "queue_depth", "down"} {
		if _, ok := rep.Timeline[0][k]; !ok {
			t.Errorf("timeline entries lack %q", k)
		}
	}
	for _, k := range []string{"sent", "ok", "failed", "events_published", "events_processed", "events_duplicated", "events_dead_lettered"} {
		if _, ok := rep.Summary[k]; !ok {
			t.Errorf("summary lacks %q", k)
		}
	}
	if down := rep.Timeline[2]["down"].([]any); len(down) != 1 || down[0] != "cache" {
		t.Errorf("second 2 down = %v, want [cache]", down)
	}
	if rep.Summary["failed"].(float64) != 0 {
		t.Errorf("%v requests failed", rep.Summary["failed"])
	}
}

// Cards archex must not run are refused in one line, exit 2, with nothing
// left behind: a flow that loops back, too many components, a file too
// large to be a card (on standard input too).
func TestBadCardsAreRefused(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	loop := write("loop.yaml", strings.Replace(readCard(t, "production.yaml"), "  - {from: Service Layer, to: Cache}\n",
		"  - {from: Service Layer, to: Load Balancer}\n  - {from: Service Layer, to: Cache}\n", 1))
	var many strings.Builder
	many.WriteString("title: Many\ncomponents:\n  - {name: User, kind: client}\n")
	for i := range 30 {
		fmt.Fprintf(&many, "  - {name: Stage %d, kind: cdn}\n", i)
	}
	many.WriteString("flow:\n  - {from: User, to: Stage 0}\n")
	huge := filepath.Join(dir, "huge.yaml")
	f, _ := os.Create(huge)
	f.Truncate(50 << 20)
	f.Close()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for _, tc := range []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"run", "--card", loop}, "", `loop.yaml:36: hop 4 (Service Layer -> Load Balancer) calls "Load Balancer", which is still waiting on this request (hop 1 called it)`},
		{[]string{"trace", "--card", write("many.yaml", many.String())}, "", "many.yaml:23: the card has 31 components; archex runs at most 20"},
		{[]string{"run", "--card", huge}, "", "huge.yaml: the file is 52,428,800 bytes; a card file is at most 262,144"},
		{[]string{"import", "-"}, strings.Repeat("x", 300_000), "stdin: the file is 262,145 bytes"},
	} {
		var out, errb strings.Builder
		env := &cliEnv{stdin: strings.NewReader(tc.stdin), stdout: &out, stderr: &errb}
		code := runMain(env, tc.args)
		first, _, _ := strings.Cut(errb.String(), "\n")
		if code != exitUsage || out.Len() > 0 || !strings.Contains(first, tc.want) || len(first) > 500 {
			t.Errorf("%v: exit %d, stdout %d bytes, first line %q; want exit 2 and %q", tc.args, code, out.Len(), first, tc.want)
		}
	}
	noTempDirLeft(t, tmp)
}

func readCard(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("cards", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
