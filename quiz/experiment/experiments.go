package experiment

import (
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/archex/archex/card"
	"github.com/archex/archex/components/service"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/engine"
	"github.com/archex/archex/quiz"
)

//go:embed experiments.yaml
var questionsYAML []byte

// script is the Go half of an experiment: what it needs, what it does and
// how it grades. The question is the data half, in experiments.yaml.
type script struct {
	acts  string // what it does to the system, for Preview
	needs []string
	// outcomes are every outcome the grader can decide; the question has
	// one option for each.
	outcomes []string
	run      func(r *run) (Measurement, error)
	grade    func(m Measurement) (outcome, evidence string)
}

// How long the experiments keep things down: the prompts say so.
const (
	workerDown = 6 // seconds
	queueDown  = 4 // seconds
	stampede   = 100
)

var scripts = map[string]script{
	"exp-cache-kill": {acts: "kills the cache for about 4 s, then revives it (it comes back empty)",
		needs: []string{"cache", "database"}, outcomes: []string{"rise", "same", "zero", "down"},
		run: cacheKill, grade: gradeCacheKill},
	"exp-worker-kill": {acts: fmt.Sprintf("kills the worker for %d s, then revives it", workerDown),
		needs: []string{"worker", "queue"}, outcomes: []string{"drain", "flat", "stuck", "fail"},
		run: workerKill, grade: gradeWorkerKill},
	"exp-replica-kill": {acts: "kills replica 2 of the service for about 4 s, then revives it",
		needs: []string{"loadbalancer", "service-2"}, outcomes: []string{"unnoticed", "third", "all", "slow"},
		run: replicaKill, grade: gradeReplicaKill},
	"exp-breaker-off": {acts: fmt.Sprintf("kills the cache, switches the circuit breaker off and on every second for %d s, then revives the cache (it comes back empty)", breakerSeconds),
		needs: []string{"cache", "database"}, outcomes: []string{"slower", "same", "faster", "fail"},
		run: breakerOff, grade: gradeBreakerOff},
	"exp-database-kill": {acts: "kills the database for about 4 s, then revives it",
		needs: []string{"database", "cache"}, outcomes: []string{"some", "all", "none", "hang"},
		run: databaseKill, grade: gradeDatabaseKill},
	"exp-stampede": {acts: fmt.Sprintf("twice updates a rarely read product and sends %d reads of it at once: first with singleflight off, then on", stampede),
		needs: []string{"cache", "database"}, outcomes: []string{"shared", "one", "many", "fail"},
		run: stampedeRun, grade: gradeStampede},
	"exp-queue-kill": {acts: fmt.Sprintf("kills the queue for %d s, then revives it", queueDown),
		needs: []string{"queue"}, outcomes: []string{"dropped", "fail", "kept", "slow"},
		run: queueKill, grade: gradeQueueKill},
}

var experiments = mustLoad(questionsYAML)

func mustLoad(data []byte) []*Experiment {
	es, err := load(data)
	if err != nil {
		// The file is embedded and tested: this is a broken build.
		panic(err)
	}
	return es
}

type fileOption struct {
	Outcome     string `yaml:"outcome"`
	Text        string `yaml:"text"`
	Explanation string `yaml:"explanation"`
}

type fileQuestion struct {
	ID         string       `yaml:"id"`
	Topic      string       `yaml:"topic"`
	Difficulty string       `yaml:"difficulty"`
	Prompt     string       `yaml:"prompt"`
	Options    []fileOption `yaml:"options"`
}

// load reads the questions and binds each to its script. Every question
// needs an id with a script, a topic, a difficulty, a prompt and 2 to 4
// options with an outcome, a text and an explanation; the outcomes are
// exactly the ones its grader can decide.
func load(data []byte) ([]*Experiment, error) {
	var f struct {
		Experiments []fileQuestion `yaml:"experiments"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("experiments.yaml: %w", err)
	}
	var out []*Experiment
	seen := map[string]bool{}
	for i, q := range f.Experiments {
		where := fmt.Sprintf("experiments.yaml: experiment %d (%q)", i+1, q.ID)
		s, ok := scripts[q.ID]
		switch {
		case !ok:
			return nil, fmt.Errorf("%s: no script has this id", where)
		case seen[q.ID]:
			return nil, fmt.Errorf("%s: id used twice", where)
		case strings.TrimSpace(q.Topic) == "" || strings.TrimSpace(q.Prompt) == "":
			return nil, fmt.Errorf("%s: needs a topic and a prompt", where)
		case !slices.Contains(quiz.Difficulties, q.Difficulty):
			return nil, fmt.Errorf("%s: difficulty %q: use easy, medium or hard", where, q.Difficulty)
		case len(q.Options) < 2 || len(q.Options) > quiz.MaxOptions:
			return nil, fmt.Errorf("%s: has %d options: give 2 to %d", where, len(q.Options), quiz.MaxOptions)
		}
		seen[q.ID] = true
		e := &Experiment{
			Question: card.Question{ID: q.ID, Topic: q.Topic, Difficulty: q.Difficulty, Prompt: strings.TrimSpace(q.Prompt)},
			Needs:    s.needs, Acts: s.acts, script: s.run, grade: s.grade,
		}
		for j, o := range q.Options {
			if o.Outcome == "" || strings.TrimSpace(o.Text) == "" || strings.TrimSpace(o.Explanation) == "" {
				return nil, fmt.Errorf("%s: option %s needs an outcome, a text and an explanation", where, quiz.Letter(j))
			}
			if slices.Contains(e.Outcomes, o.Outcome) {
				return nil, fmt.Errorf("%s: outcome %q is on two options", where, o.Outcome)
			}
			e.Outcomes = append(e.Outcomes, o.Outcome)
			e.Question.Options = append(e.Question.Options, card.Option{Text: strings.TrimSpace(o.Text), Explanation: strings.TrimSpace(o.Explanation)})
		}
		if !sameSet(e.Outcomes, s.outcomes) {
			return nil, fmt.Errorf("%s: the options stand for %s; the grader decides %s", where,
				strings.Join(e.Outcomes, ", "), strings.Join(s.outcomes, ", "))
		}
		out = append(out, e)
	}
	if len(out) != len(scripts) {
		var missing []string
		for id := range scripts {
			if !seen[id] {
				missing = append(missing, id)
			}
		}
		sort.Strings(missing)
		return nil, fmt.Errorf("experiments.yaml: no question for %s", strings.Join(missing, ", "))
	}
	return out, nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// killAfterBaseline is how most experiments begin: warm the system up,
// measure warm seconds of baseline into m.Before, then kill target (label
// says it in words). It returns the snapshot from just before the kill.
func (r *run) killAfterBaseline(m *Measurement, warm int, fill bool, baseline int, target, label string) (*engine.Snapshot, error) {
	if err := r.warmUp(warm, fill); err != nil {
		return nil, err
	}
	var err error
	if m.Before, err = r.baseline(baseline); err != nil {
		return nil, err
	}
	s, err := r.snapshot()
	if err != nil {
		return nil, err
	}
	return s, r.kill(target, label)
}

// ---- kill the cache: database reads ----------------------------------------

func cacheKill(r *run) (Measurement, error) {
	var m Measurement
	s, err := r.killAfterBaseline(&m, 2, true, 3, "cache", "the cache")
	if err != nil {
		return m, err
	}
	// The second of the kill is half before it: measure the whole ones.
	if m.During, err = r.phase(inProgress(s)+1, 3, "with the cache down"); err != nil {
		return m, err
	}
	return m, r.revive("cache", "the cache (it comes back empty and refills)")
}

func gradeCacheKill(m Measurement) (string, string) {
	b, d := m.Before, m.During
	evidence := fmt.Sprintf("database reads went from %s/s to %s/s (medians of %d s before and %d s after the kill); cache hit ratio %s → %s; %s",
		rate(b.DBReads), rate(d.DBReads), b.Seconds, d.Seconds, percent(b.HitRatio), percent(d.HitRatio), failedOf(d))
	before := nz(b.DBReads)
	switch {
	case d.FailRatio() >= 0.5:
		return "down", evidence
	case d.DBReads >= 2*math.Max(before, 1) && d.DBReads-before >= 10:
		return "rise", evidence
	case before >= 4 && d.DBReads <= 0.25*before:
		return "zero", evidence
	default:
		return "same", evidence
	}
}

// nz is x, or 0 when it is NaN.
func nz(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return x
}

// ---- kill the worker: the queue ---------------------------------------------

func workerKill(r *run) (Measurement, error) {
	var m Measurement
	s, err := r.killAfterBaseline(&m, 1, false, 2, "worker", "the worker")
	if err != nil {
		return m, err
	}
	at, sent0 := inProgress(s), s.Requests.Sent
	killed := time.Now()
	r.say(fmt.Sprintf("keeping the worker down for %d s...", workerDown))
	if m.During, err = r.phase(at+1, workerDown-1, ""); err != nil {
		return m, err
	}
	if s, err = r.snapshot(); err != nil {
		return m, err
	}
	m.Sent = s.Requests.Sent - sent0
	if q, ok := statusOf(s, "queue"); ok {
		m.Peak = q.Depth
	}
	m.Peak = max(m.Peak, m.During.MaxDepth)
	if err := r.revive("worker", "the worker"); err != nil {
		return m, err
	}
	m.Down = time.Since(killed)
	r.say(fmt.Sprintf("watching the backlog of %s events drain...", count(m.Peak)))
	m.DrainedIn, err = r.drain(m.Before.Depth, m.Peak, 5*time.Second)
	return m, err
}

// drained is the depth a backlog counts as drained at: the depth before
// plus a little (20 events, or a twentieth of the peak).
func drained(before float64, peak int) float64 {
	return nz(before) + math.Max(20, 0.05*float64(peak))
}

// drain watches the queue's depth, as the engine refreshes it (ten times a
// second), until it is back to normal; -1 when it is not within limit.
func (r *run) drain(before float64, peak int, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for time.Since(start) < limit {
		select {
		case <-r.ctx.Done():
			return 0, r.ctx.Err()
		case <-tick.C:
		}
		s, err := r.snapshot()
		if err != nil {
			return 0, err
		}
		if q, ok := statusOf(s, "queue"); ok && float64(q.Depth) <= drained(before, peak) {
			return time.Since(start), nil
		}
	}
	return -1, nil
}

func gradeWorkerKill(m Measurement) (string, string) {
	evidence := fmt.Sprintf("queue depth rose from %s to %s in %s without the worker", rate(m.Before.Depth), count(m.Peak), secs(m.Down))
	if m.DrainedIn >= 0 {
		evidence += fmt.Sprintf(", then drained in %s after the revive", secs(m.DrainedIn))
	} else {
		evidence += ", and had not drained 5 s after the revive"
	}
	evidence += "; " + failedOf(m.During)
	grew := float64(m.Peak) - nz(m.Before.Depth)
	switch {
	case m.During.FailRatio() >= 0.1:
		return "fail", evidence
	case grew < math.Max(50, 0.2*float64(m.Sent)):
		return "flat", evidence
	case m.DrainedIn >= 0:
		return "drain", evidence
	default:
		return "stuck", evidence
	}
}

// ---- kill one replica: what users see ---------------------------------------

func replicaKill(r *run) (Measurement, error) {
	var m Measurement
	s, err := r.killAfterBaseline(&m, 1, false, 2, "service-2", "replica 2 of the service")
	if err != nil {
		return m, err
	}
	at := inProgress(s)
	// Users see the second of the kill too: it counts.
	if m.During, err = r.phase(at, 3, "from the kill on"); err != nil {
		return m, err
	}
	if s, err := r.snapshot(); err == nil {
		if lb, ok := statusOf(s, "loadbalancer"); ok {
			m.Healthy, m.Replicas = lb.Healthy, lb.Replicas
		}
	}
	if at, err = r.now(); err != nil {
		return m, err
	}
	if err := r.revive("service-2", "replica 2"); err != nil {
		return m, err
	}
	m.After, err = r.phase(at+1, 2, "after the revive, to compare")
	return m, err
}

func gradeReplicaKill(m Measurement) (string, string) {
	b, d := m.Before, m.During
	evidence := fmt.Sprintf("%s in the %d s from the kill on; median response %s before, %s after", failedOf(d), d.Seconds, ms(b.P50), ms(d.P50))
	if m.Replicas > 0 {
		evidence += fmt.Sprintf("; the load balancer counted %d of %d replicas healthy", m.Healthy, m.Replicas)
	}
	f := d.FailRatio()
	switch {
	case f >= 0.75:
		return "all", evidence
	case f >= 0.1:
		return "third", evidence
	case slowedDown(d, b, m.After):
		return "slow", evidence
	default:
		return "unnoticed", evidence
	}
}

// slowedDown reports whether users waited much longer during the action
// than in the control phases around it: in every second of it at least
// twice as long as in the slowest second of the others, and 5 ms more. A
// machine busy with something else slows some seconds of any phase; an
// action that slows the system slows every second after it.
func slowedDown(during Phase, controls ...Phase) bool {
	ref := 0.0
	for _, c := range controls {
		if c.Seconds > 0 {
			ref = math.Max(ref, nz(c.MaxP50))
		}
	}
	lo := nz(during.MinP50)
	return during.Seconds > 0 && lo >= 2*ref && lo-ref >= 5
}

// ---- the breaker off, with the cache down: latency --------------------------

// breakerSeconds is how many seconds the breaker is switched for, in turns:
// on, off, on, off, ...
const breakerSeconds = 6

func breakerOff(r *run) (Measurement, error) {
	var m Measurement
	if err := r.warmUp(1, false); err != nil {
		return m, err
	}
	at, err := r.now()
	if err != nil {
		return m, err
	}
	if err := r.kill("cache", "the cache"); err != nil {
		return m, err
	}
	// The breaker opens within the second of the kill; then it is
	// switched every second, so that each second with it off is compared
	// with the one just before, with it on: a machine busy with something
	// else for a few seconds slows both alike.
	r.pushUndo("breaker", "switching the circuit breaker back on", func() error { r.lab.SetBreaker(true); return nil })
	r.say(fmt.Sprintf("switching the circuit breaker off and on, every second for %d s, with the cache down...", breakerSeconds))
	if _, err := r.seconds(at, 1); err != nil {
		return m, err
	}
	var on, off []engine.Second
	var diffs []float64
	for i := range breakerSeconds {
		breaker := i%2 == 0
		r.lab.SetBreaker(breaker)
		secs, err := r.seconds(at+1+i, 1)
		if err != nil {
			return m, err
		}
		if breaker {
			on = append(on, secs[0])
		} else {
			off = append(off, secs[0])
			diffs = append(diffs, secs[0].P50-on[len(on)-1].P50)
		}
	}
	m.Before, m.During, m.Paired = summarize(on), summarize(off), median(diffs)
	return m, nil // undone afterwards: the breaker on, then the cache revived
}

func gradeBreakerOff(m Measurement) (string, string) {
	on, off := m.Before, m.During
	evidence := fmt.Sprintf("with the cache down, the median response was %s in the seconds with the breaker on and %s in those with it off (switched every second for %d s); %s with the breaker off",
		ms(on.P50), ms(off.P50), on.Seconds+off.Seconds, failedOf(off))
	// The architecture adds two 10 ms cache timeouts to a read with
	// the breaker off (the lookup and the fill): about 20 ms.
	switch {
	case off.FailRatio() >= 0.2:
		return "fail", evidence
	case m.Paired >= 10:
		return "slower", evidence
	case m.Paired <= -5:
		return "faster", evidence
	default:
		return "same", evidence
	}
}

// ---- kill the database: what users see --------------------------------------

func databaseKill(r *run) (Measurement, error) {
	var m Measurement
	s, err := r.killAfterBaseline(&m, 2, true, 2, "database", "the database")
	if err != nil {
		return m, err
	}
	if m.During, err = r.phase(inProgress(s)+1, 3, "with the database down"); err != nil {
		return m, err
	}
	return m, r.revive("database", "the database")
}

// hangs is the 99th percentile, in ms, from which requests count as
// hanging; it must also be four times the baseline's, which a busy machine
// can raise too.
const hangs = 500

func gradeDatabaseKill(m Measurement) (string, string) {
	d := m.During
	evidence := fmt.Sprintf("%s in the %d s the database was down (99th percentile %s); cache hit ratio %s; queue depth %s → %s as the worker waited",
		failedOf(d), d.Seconds, ms(d.P99), percent(d.HitRatio), rate(m.Before.Depth), count(d.MaxDepth))
	f := d.FailRatio()
	switch {
	case f < 0.05:
		return "none", evidence
	case f >= 0.9:
		return "all", evidence
	case d.P99 >= hangs && d.P99 >= 4*nz(m.Before.P99):
		return "hang", evidence
	default:
		return "some", evidence
	}
}

// ---- a stampede, singleflight off and on ------------------------------------

func stampedeRun(r *run) (Measurement, error) {
	m := Measurement{Stampede: stampede}
	if err := r.warmUp(1, false); err != nil {
		return m, err
	}
	s, err := r.snapshot()
	if err != nil {
		return m, err
	}
	svc, _ := s.ByKind(card.KindService)
	db, _ := s.ByKind(card.KindDatabase)
	r.pushUndo("singleflight", "switching singleflight back on", func() error { r.lab.SetSingleflight(true); return nil })
	// Rarely read products, a different one each time, so that the
	// users' own traffic does not refill the key in between.
	product := 901 + int(time.Now().UnixNano()%90)
	for _, on := range []bool{false, true} {
		r.lab.SetSingleflight(on)
		queries, failed, err := r.stampede(product, svc.Name, db.Name, on)
		if err != nil {
			return m, err
		}
		if on {
			m.QueriesOn, m.FailedOn = queries, failed
		} else {
			m.QueriesOff, m.FailedOff = queries, failed
			if failed > stampede/2 {
				return m, fmt.Errorf("%d of the %d requests failed with singleflight off: the system is not healthy", failed, stampede)
			}
		}
		product++
	}
	return m, nil
}

// stampede evicts product from the cache with a write, sends n reads of it
// at once, and counts the database queries they made.
func (r *run) stampede(product int, svc, db string, on bool) (queries, failed int, err error) {
	mode := "off"
	if on {
		mode = "on"
	}
	r.say(fmt.Sprintf("singleflight %s: updating product %d (which removes it from the cache), then %d reads of it at once...", mode, product, stampede))
	w, err := r.lab.Send(r.ctx, engine.Request{Product: product, Write: true}, false)
	if err != nil {
		return 0, 0, err
	}
	if !w.OK() {
		return 0, 0, fmt.Errorf("the price update of product %d failed: %d %s", product, w.Status, w.Err)
	}
	// "At the same moment" on loopback needs a connection ready for each
	// request at every hop: a first burst of reads of a cached product
	// opens them, as a busy system would have them open.
	if _, err := r.burst(1); err != nil {
		return 0, 0, err
	}
	traces, err := r.burst(product)
	if err != nil {
		return 0, 0, err
	}
	for _, tr := range traces {
		if !tr.OK() {
			failed++
		}
		for _, h := range tr.Hops {
			if h.Op == service.OpSelect && h.From == svc && h.To == db && h.Outcome == trace.OK {
				queries++
			}
		}
	}
	return queries, failed, nil
}

// burst sends stampede reads of product at once and returns their traces.
func (r *run) burst(product int) ([]engine.Trace, error) {
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		go1    = make(chan struct{})
		errs   []error
		traces []engine.Trace
	)
	for range stampede {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-go1
			tr, err := r.lab.Send(r.ctx, engine.Request{Product: product}, false)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			traces = append(traces, tr)
		}()
	}
	close(go1)
	wg.Wait()
	if err := r.ctx.Err(); err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return traces, nil
}

func gradeStampede(m Measurement) (string, string) {
	n := m.Stampede
	evidence := fmt.Sprintf("%d reads of a product just removed from the cache made %s with singleflight off and %s with it on",
		n, plural(m.QueriesOff, "database query", "database queries"), plural(m.QueriesOn, "query", "queries"))
	if m.FailedOn+m.FailedOff > 0 {
		evidence += fmt.Sprintf("; %d failed with it off, %d with it on", m.FailedOff, m.FailedOn)
	}
	// About one is at most a tenth of the requests: the architecture gives
	// 1 with singleflight on, and without it dozens to all of them,
	// depending on how close together the requests reach the cache.
	aboutOne := max(3, n/10)
	switch {
	case m.FailedOn >= n/2:
		return "fail", evidence
	case m.QueriesOff <= aboutOne:
		return "one", evidence
	case m.QueriesOn > aboutOne:
		return "many", evidence
	default:
		return "shared", evidence
	}
}

// fraction writes "774 of 775 requests".
func fraction(part, whole int64, what string) string {
	return fmt.Sprintf("%s of %s %s", count(part), count(whole), what)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return count(n) + " " + many
}

// ---- kill the queue: users and events ----------------------------------------

func queueKill(r *run) (Measurement, error) {
	var m Measurement
	s, err := r.killAfterBaseline(&m, 1, false, 2, "queue", "the queue")
	if err != nil {
		return m, err
	}
	at, sent0, lost0 := inProgress(s), s.Requests.Sent, s.Events.Shed
	killed := time.Now()
	r.say(fmt.Sprintf("keeping the queue down for %d s...", queueDown))
	if m.During, err = r.phase(at+1, queueDown-1, ""); err != nil {
		return m, err
	}
	if s, err = r.snapshot(); err != nil {
		return m, err
	}
	at = inProgress(s)
	m.Sent, m.Shed = s.Requests.Sent-sent0, s.Events.Shed-lost0
	if err := r.revive("queue", "the queue"); err != nil {
		return m, err
	}
	m.Down = time.Since(killed)
	m.After, err = r.phase(at+1, 2, "after the revive, to compare")
	return m, err
}

func gradeQueueKill(m Measurement) (string, string) {
	b, d := m.Before, m.During
	lost := fmt.Sprintf("%s could not publish their event, which was dropped", fraction(m.Shed, m.Sent, "requests"))
	if m.Shed >= m.Sent && m.Sent > 0 {
		// Counted a few milliseconds apart, the events of requests sent
		// just before the kill can outnumber the requests.
		lost = fmt.Sprintf("every request's event (%s events) could not be published and was dropped", count(m.Shed))
	}
	evidence := fmt.Sprintf("with the queue down for %s, %s; %s in the whole seconds measured, median response %s (%s before)",
		secs(m.Down), lost, failedOf(d), ms(d.P50), ms(b.P50))
	switch {
	case d.FailRatio() >= 0.1:
		return "fail", evidence
	case slowedDown(d, b, m.After):
		return "slow", evidence
	case m.Sent > 0 && float64(m.Shed) >= 0.25*float64(m.Sent):
		return "dropped", evidence
	default:
		return "kept", evidence
	}
}
