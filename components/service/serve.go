package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/archex/archex/components/database"
	"github.com/archex/archex/components/trace"
)

func (s *Service) handler(rep *replica) http.Handler {
	var app http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(rep, w, r) })
	for i := len(s.cfg.Ingress) - 1; i >= 0; i-- {
		app = s.cfg.Ingress[i](rep.name, app)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The load balancer's health check asks the replica itself.
		if r.URL.Path == "/healthz" {
			w.WriteHeader(http.StatusOK)
			return
		}
		app.ServeHTTP(w, r)
	})
}

// request is one request being served: where it runs and how to record its
// hops.
type request struct {
	s    *Service
	rep  *replica
	id   trace.ID
	key  string
	prod int
}

func (q *request) hop(from, to, op string, start time.Time, outcome trace.Outcome, detail string) {
	q.s.cfg.Recorder.Record(trace.Hop{
		Trace: q.id, From: from, To: to, Instance: q.rep.name, Op: op,
		Start: start, Duration: time.Since(start), Outcome: outcome, Detail: detail,
	})
}

// out records a call (op) from the service to target.
func (q *request) out(target, op string, start time.Time, outcome trace.Outcome, detail string) {
	q.hop(q.s.cfg.Name, target, op, start, outcome, detail)
}

// back records a reply to op from target to the service.
func (q *request) back(target, op string, outcome trace.Outcome, detail string) {
	q.hop(target, q.s.cfg.Name, op, time.Now(), outcome, detail)
}

// response is what the service answers.
type response struct {
	ID         int    `json:"id"`
	Name       string `json:"name,omitempty"`
	PriceCents int    `json:"price_cents"`
	Source     string `json:"source,omitempty"`
	Replica    string `json:"replica"`
	Error      string `json:"error,omitempty"`
}

func (s *Service) serve(rep *replica, w http.ResponseWriter, r *http.Request) {
	rep.inFlight.Add(1)
	defer rep.inFlight.Add(-1)
	from, sent := trace.Received(r.Header, time.Now())
	q := &request{s: s, rep: rep, id: trace.FromHeader(r.Header)}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()

	id, perr := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/products/"))
	q.prod, q.key = id, "product:"+strconv.Itoa(id)
	err := rep.station.Serve(ctx, nil)
	detail := r.Method + " product " + strconv.Itoa(id)
	outcome := trace.OK
	if err != nil {
		outcome, detail = trace.Error, detail+": "+err.Error()
	}
	q.hop(from, s.cfg.Name, "", sent, outcome, detail)

	var (
		resp   response
		status = http.StatusOK
	)
	switch {
	case err != nil:
		status, err = statusOf(err), fmt.Errorf("%s: %w", s.cfg.Name, err)
	case perr != nil || id <= 0:
		status, err = http.StatusBadRequest, fmt.Errorf("bad product id in %s", r.URL.Path)
	case r.Method == http.MethodGet:
		s.reads.Add(1)
		resp, err = s.read(ctx, q)
		status = statusOf(err)
	case r.Method == http.MethodPut:
		s.writes.Add(1)
		resp, err = s.write(ctx, q, r)
		status = statusOf(err)
	default:
		status, err = http.StatusMethodNotAllowed, fmt.Errorf("%s not allowed", r.Method)
	}
	resp.ID, resp.Replica = id, rep.name
	if err != nil {
		s.failed.Add(1)
		resp.Error = err.Error()
	}
	body, _ := json.Marshal(resp)
	w.Header().Set("Content-Type", "application/json")
	if isShed(err) {
		// Come back later: not a fault of this replica, and no use
		// retrying on another now (they share the database).
		w.Header().Set("Retry-After", "1")
	}
	trace.Send(w.Header(), s.cfg.Name, time.Now())
	w.WriteHeader(status)
	w.Write(body)
}

// statusOf maps an error to the status the user sees.
func statusOf(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, database.ErrNotFound):
		return http.StatusNotFound
	case errors.As(err, new(badRequest)):
		return http.StatusBadRequest
	case isShed(err):
		return http.StatusServiceUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	default:
		return http.StatusServiceUnavailable
	}
}

// Operations the service's calls carry (trace.Hop.Op).
const (
	OpGet     = "GET"
	OpSet     = "SET"
	OpDel     = "DEL"
	OpSelect  = "SELECT"
	OpUpdate  = "UPDATE"
	OpPublish = "XADD"
	OpCall    = "CALL"
)

type badRequest struct{ msg string }

func (e badRequest) Error() string { return e.msg }

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}
