package service

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
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

// call starts the record of a call (op) from the service to target, begun
// at start and ending now, about the request's item and key. The caller
// fills in what else it knows and records it.
func (q *request) call(target, op string, start time.Time, outcome trace.Outcome) trace.Hop {
	return trace.Hop{
		Trace: q.id, From: q.s.cfg.Name, To: target, Instance: q.rep.name, Op: op,
		Start: start, Duration: time.Since(start), Outcome: outcome, ID: q.prod, Key: q.key,
	}
}

// answer starts the record of target's reply to op: an answer on the call's
// own connection, that takes no time of its own (the call's time includes
// it).
func (q *request) answer(target, op string, outcome trace.Outcome) trace.Hop {
	return trace.Hop{
		Trace: q.id, From: target, To: q.s.cfg.Name, Instance: q.rep.name, Op: op,
		Start: time.Now(), Outcome: outcome, Reply: true, ID: q.prod, Key: q.key,
	}
}

func (q *request) record(h trace.Hop) { q.s.cfg.Recorder.Record(h) }

// response is what the service answers: the item as JSON, its field
// named as the resource names it ({"id":42,"name":"Glass Mug 42",
// "price_cents":2053,...}).
type response struct {
	ID      int
	Name    string
	Value   int
	Source  string
	Replica string
	Error   string
}

// appendJSON writes r as JSON, field being the name of its value.
func (r response) appendJSON(b []byte, field string) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(r.ID), 10)
	if r.Name != "" {
		b = appendString(append(b, `,"name":`...), r.Name)
	}
	b = append(append(append(b, `,"`...), field...), `":`...)
	b = strconv.AppendInt(b, int64(r.Value), 10)
	if r.Source != "" {
		b = appendString(append(b, `,"source":`...), r.Source)
	}
	b = appendString(append(b, `,"replica":`...), r.Replica)
	if r.Error != "" {
		b = appendString(append(b, `,"error":`...), r.Error)
	}
	return append(b, '}')
}

// appendString writes s as a JSON string.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func (s *Service) serve(rep *replica, w http.ResponseWriter, r *http.Request) {
	rep.inFlight.Add(1)
	defer rep.inFlight.Add(-1)
	from, sent := trace.Received(r.Header, time.Now())
	q := &request{s: s, rep: rep, id: trace.FromHeader(r.Header)}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()

	words := s.cfg.Resource
	id, known := words.ID(r.URL.Path)
	q.prod, q.key = id, words.Key(id)
	err := rep.station.Serve(ctx, nil)
	in := trace.Hop{Trace: q.id, From: from, To: s.cfg.Name, Instance: rep.name, Start: sent, Duration: time.Since(sent),
		Method: r.Method, Path: r.URL.Path, ID: id, Detail: r.Method + " " + words.Singular() + " " + strconv.Itoa(id)}
	if err != nil {
		in.Outcome, in.Err, in.Detail = trace.Error, err.Error(), in.Detail+": "+err.Error()
	}
	q.record(in)

	var (
		resp   response
		status = http.StatusOK
	)
	switch {
	case err != nil:
		status, err = statusOf(err), fmt.Errorf("%s: %w", s.cfg.Name, err)
	case !known || id <= 0:
		status, err = http.StatusBadRequest, fmt.Errorf("bad %s id in %s", words.Singular(), r.URL.Path)
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
	body := resp.appendJSON(make([]byte, 0, 128), words.Field())
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
