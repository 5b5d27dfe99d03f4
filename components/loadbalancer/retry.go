package loadbalancer

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/archex/archex/components/trace"
)

// retrying sends the request to the chosen replica and, when that replica
// cannot be reached or answers 502 or 503 and the request is idempotent,
// once to another. Every answer counts for outlier detection.
type retrying struct {
	lb   *LB
	next http.RoundTripper
}

type unreachableError struct {
	name string
	err  error
}

func (e unreachableError) Error() string { return fmt.Sprintf("%s unreachable: %v", e.name, e.err) }
func (e unreachableError) Unwrap() error { return e.err }

func (t *retrying) RoundTrip(req *http.Request) (*http.Response, error) {
	a, _ := req.Context().Value(ctxKey{}).(*attempt)
	if a == nil {
		return nil, errors.New("load balancer: request without routing state")
	}
	b := a.first
	out := req // Rewrite addressed it to the first choice
	for try := 0; ; try++ {
		a.tried = append(a.tried, b)
		if try > 0 {
			out = req.Clone(req.Context())
			out.URL.Host, out.Host = b.Addr, b.Addr
			// The retry is a hop of its own: sent now, not when the
			// first attempt was.
			trace.Send(out.Header, t.lb.cfg.Name, time.Now())
		}
		b.served.Add(1) // pick reserved b: its active count is up already
		resp, err := t.next.RoundTrip(out)
		if err == nil {
			t.lb.observe(b, failedAnswer(resp))
			if try == 0 && retriable(resp) && t.mayRetry(req) {
				if next := t.lb.pick(a.tried); next != nil {
					t.lb.retries.Add(1)
					t.discard(req, resp, b, next)
					b = next
					continue
				}
			}
			resp.Body = &doneBody{ReadCloser: resp.Body, done: b.release}
			return resp, nil
		}
		b.release()
		if req.Context().Err() == nil {
			t.lb.observe(b, true) // not when the caller gave up
		}
		if refused(err) {
			// Passive health: a replica that refuses connections is out
			// of rotation now, not at the next health check.
			b.healthy.Store(false)
		}
		if try > 0 || !t.mayRetry(req) {
			return nil, unreachableError{name: b.Name, err: err}
		}
		next := t.lb.pick(a.tried)
		if next == nil {
			return nil, unreachableError{name: b.Name, err: err}
		}
		t.lb.retries.Add(1)
		b = next
	}
}

func (t *retrying) mayRetry(req *http.Request) bool {
	return idempotent(req) && req.Context().Err() == nil
}

// discard drops an answer that will be retried, recording it as the hop
// back from b that it was.
func (t *retrying) discard(req *http.Request, resp *http.Response, b, next *backend) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	b.release()
	now := time.Now()
	from, sent := trace.Received(resp.Header, now)
	if from == "" {
		from = t.lb.cfg.Next
	}
	t.lb.cfg.Recorder.Record(trace.Hop{
		Trace: trace.FromHeader(req.Header), From: from, To: t.lb.cfg.Name, Instance: b.Name,
		Start: sent, Duration: now.Sub(sent), Outcome: trace.Error,
		Detail: resp.Status + " from " + b.Name + ", retried on " + next.Name,
		Reply:  true, Status: resp.StatusCode, Retry: next.Name, Why: trace.Retried,
	})
}

func idempotent(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return r.Body == nil || r.Body == http.NoBody
	}
	return false
}

func refused(err error) bool {
	var op *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &op) && op.Op == "dial")
}

// doneBody calls done once when the response body is closed.
type doneBody struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (b *doneBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.done)
	return err
}
