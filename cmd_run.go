package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/archex/archex/components/traffic"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/headless"
)

// faultList collects repeated --fault flags.
type faultList []string

func (f *faultList) String() string     { return strings.Join(*f, "; ") }
func (f *faultList) Set(s string) error { *f = append(*f, s); return nil }

// systemFlags are the flags every command that runs the system shares.
type systemFlags struct {
	seed    uint64
	card    string
	pattern string
	rate    float64
	strict  *bool
}

func (s *systemFlags) register(fs *flag.FlagSet, rate float64) {
	fs.Uint64Var(&s.seed, "seed", 1, "random seed: the same seed and flags send the same requests (times, products, reads and writes, keys) in the same seconds")
	fs.StringVar(&s.card, "card", "", "design card to run (YAML or the card's text form); default: the production card")
	fs.StringVar(&s.pattern, "pattern", "steady", patternHelp())
	fs.Float64Var(&s.rate, "rate", rate, fmt.Sprintf("requests per second, from 0 to %d (a pattern's peak too)", traffic.MaxRate))
	s.strict = registerStrict(fs)
}

// patternHelp lists the patterns with what each does.
func patternHelp() string {
	var b strings.Builder
	b.WriteString("traffic pattern:")
	for i, p := range traffic.Patterns {
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s (%s)", p, p.Describe())
	}
	return b.String()
}

// options turns the flags into engine options, or a usage error; warnings
// about the card go to warn.
func (s *systemFlags) options(usage func(io.Writer), warn io.Writer) (engine.Options, error) {
	p, err := traffic.ParsePattern(s.pattern)
	if err != nil {
		return engine.Options{}, badUsage(usage, "--pattern: %v", err)
	}
	if err := traffic.CheckRate(s.rate, p); err != nil {
		return engine.Options{}, badUsage(usage, "--rate: %v", err)
	}
	c, err := loadCard(s.card, *s.strict, warn)
	if err != nil {
		return engine.Options{}, badUsage(usage, "%v", err)
	}
	return engine.Options{Card: c, Seed: s.seed, Rate: s.rate, Pattern: p}, nil
}

func cmdRun(env *cliEnv, args []string) error {
	var fs *flag.FlagSet
	usage := flagUsage(`archex run [--duration 20s] [--rate 200] [--seed 1] [--fault "kill cache @5s"]... [--json]`, &fs)
	fs = newFlagSet("run", usage)
	var (
		sys      systemFlags
		duration = fs.Duration("duration", 20*time.Second, "how long the traffic runs")
		drain    = fs.Duration("drain", 10*time.Second, "at the end, how long to wait for requests in flight and the queue")
		asJSON   = fs.Bool("json", false, "print one JSON object (timeline and summary) instead of a table")
		faults   faultList
	)
	sys.register(fs, 200)
	fs.Var(&faults, "fault", `a fault at a time, e.g. "kill cache @5s" (repeat for more)`)
	if err := parseFlags(env, fs, usage, args); err != nil {
		return err
	}
	if *duration < time.Second {
		return badUsage(usage, "--duration %v: run for at least 1s", *duration)
	}
	if *drain < 0 {
		return badUsage(usage, "--drain %v: give a duration, 0 or more", *drain)
	}
	opts, err := sys.options(usage, env.stderr)
	if err != nil {
		return err
	}
	// From here a signal, or stdout's reader going away, ends the run with
	// its summary, and the temporary files go.
	ctx, stop := env.stopContext(context.Background())
	defer stop()
	var script []engine.Fault
	for _, s := range faults {
		f, err := engine.ParseFault(s)
		if err != nil {
			return badUsage(usage, "--fault: %v", err)
		}
		if f.At >= *duration {
			return badUsage(usage, "--fault %q: at %v, but the run lasts %v", s, f.At, *duration)
		}
		script = append(script, f)
	}
	if err := checkTraffic(opts.Rate, opts.Pattern, script); err != nil {
		return badUsage(usage, "%v", err)
	}

	e, err := engine.New(opts)
	if err != nil {
		return err
	}
	defer e.Close()
	for _, f := range script {
		if err := e.CheckFault(f); err != nil {
			return badUsage(usage, "--fault: %v", err)
		}
	}

	run := headless.Run{Duration: *duration, Drain: *drain, Faults: script}
	if !*asJSON {
		headless.TableHeader(env.stdout)
		run.OnSecond = func(s engine.Second) { headless.TableRow(env.stdout, s) }
	}
	rep, err := run.Execute(ctx, e)
	var werr error
	if *asJSON {
		werr = headless.WriteJSON(env.stdout, rep)
	} else {
		fmt.Fprintln(env.stdout)
		headless.WriteSummary(env.stdout, rep.Summary)
	}
	if ie := interruption(ctx); ie != nil {
		return ie
	}
	if werr != nil {
		return werr
	}
	return err
}

// checkTraffic checks that the rate and pattern faults of a script, in
// their order, never ask for more than the user can send (a rate that is
// fine steady can be too much for a spike).
func checkTraffic(rate float64, p traffic.Pattern, script []engine.Fault) error {
	script = slices.Clone(script)
	slices.SortStableFunc(script, func(a, b engine.Fault) int { return int(a.At - b.At) })
	if i, err := trafficLimit(rate, p, script); err != nil {
		return fmt.Errorf("--fault %q: %v", script[i].Text, err)
	}
	return nil
}

// trafficLimit walks the faults in the order given from rate and pattern p,
// and returns the index of the first rate or pattern fault that asks for
// more than the user can send, with why.
func trafficLimit(rate float64, p traffic.Pattern, faults []engine.Fault) (int, error) {
	for i, f := range faults {
		switch f.Action {
		case "rate":
			rate, _ = strconv.ParseFloat(f.Value, 64)
		case "pattern":
			p, _ = traffic.ParsePattern(f.Value)
		default:
			continue
		}
		if err := traffic.CheckRate(rate, p); err != nil {
			return i, err
		}
	}
	return -1, nil
}

func cmdTrace(env *cliEnv, args []string) error {
	var fs *flag.FlagSet
	usage := flagUsage("archex trace [--key N] [--warm] [--write] [--json]", &fs)
	fs = newFlagSet("trace", usage)
	var (
		seed   = fs.Uint64("seed", 1, "random seed")
		cardF  = fs.String("card", "", "design card to run (YAML or the card's text form); default: the production card")
		key    = fs.Int("key", 42, "id of the item to read (a product on the production card)")
		warm   = fs.Bool("warm", false, "read the key once first, so the traced read is a cache hit")
		write  = fs.Bool("write", false, "trace a write (PUT) instead of a read")
		asJSON = fs.Bool("json", false, `print {"response_ms", "hops":[{"start_ms","ms","async","from","to","outcome","detail", and the hop's fields}]}`)
		strict = registerStrict(fs)
	)
	if err := parseFlags(env, fs, usage, args); err != nil {
		return err
	}
	c, err := loadCard(*cardF, *strict, env.stderr)
	if err != nil {
		return badUsage(usage, "%v", err)
	}
	if words := engine.ResourceOf(c); *key < 1 {
		return badUsage(usage, "--key %d: %s are numbered from 1", *key, words.Plural())
	}
	ctx, stop := env.stopContext(context.Background())
	defer stop()
	e, err := engine.New(engine.Options{Card: c, Seed: *seed})
	if err != nil {
		return err
	}
	defer e.Close()
	if *warm {
		if _, err := e.Send(ctx, engine.Request{Product: *key}, true); err != nil {
			return err
		}
	}
	t, err := e.Send(ctx, engine.Request{Product: *key, Write: *write}, true)
	if ie := interruption(ctx); ie != nil {
		return ie
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return headless.WriteTraceJSON(env.stdout, t)
	}
	headless.WriteTrace(env.stdout, t)
	return nil
}
