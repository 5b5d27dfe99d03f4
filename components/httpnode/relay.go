package httpnode

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"

	"github.com/archex/archex/components/trace"
)

// ReplyWriter is handed to the next handler by a component that runs in
// front of it in the same server (a middleware hop). When the response
// starts, it records the hop back from the next component to this one and
// stamps the response as sent on by this one.
type ReplyWriter struct {
	http.ResponseWriter
	Name     string // this component
	Instance string
	Trace    trace.ID
	Recorder trace.Recorder
	wrote    bool
}

// WriteHeader records the reply hop once and passes the status on.
func (w *ReplyWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	now := time.Now()
	from, sent := trace.Received(w.Header(), now)
	// A response this component wrote itself (its proxy could not reach
	// the next one) is not a hop back to it.
	if from != w.Name {
		w.Recorder.Record(trace.Hop{
			Trace: w.Trace, From: from, To: w.Name, Instance: w.Instance,
			Start: sent, Duration: now.Sub(sent), Outcome: statusOutcome(code),
			Detail: fmt.Sprintf("%d %s", code, http.StatusText(code)),
			Reply:  true, Status: code,
		})
	}
	trace.Send(w.Header(), w.Name, time.Now())
	w.ResponseWriter.WriteHeader(code)
}

func (w *ReplyWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *ReplyWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// RelayResponse records the hop of a proxied response back to the component
// name (from whoever stamped it, or fallbackFrom), then stamps it as sent on
// by name. Reverse proxies call it from ModifyResponse.
func RelayResponse(resp *http.Response, name, fallbackFrom, instance string, rec trace.Recorder) {
	now := time.Now()
	from, sent := trace.Received(resp.Header, now)
	if from == "" {
		from = fallbackFrom
	}
	detail := resp.Status
	if instance != "" {
		detail += " from " + instance
	}
	rec.Record(trace.Hop{
		Trace: trace.FromHeader(resp.Request.Header), From: from, To: name, Instance: instance,
		Start: sent, Duration: now.Sub(sent), Outcome: statusOutcome(resp.StatusCode), Detail: detail,
		Reply: true, Status: resp.StatusCode,
	})
	trace.Send(resp.Header, name, time.Now())
}

func statusOutcome(code int) trace.Outcome {
	if code >= 500 {
		return trace.Error
	}
	return trace.OK
}

// Proxy forwards every request to target, the component the card calls next.
// It is the inside of a stage that runs as a server of its own: wrap it in
// the stage's middleware, whose ReplyWriter records the hop back. When next
// cannot be reached, it records the failed hop and answers 502.
func Proxy(name, next string, target *url.URL, rec trace.Recorder) http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = target.Host
		},
		Transport:  &http.Transport{MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second},
		BufferPool: Buffers,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			start := trace.SentOr(r.Header, time.Now())
			rec.Record(trace.Hop{Trace: trace.FromHeader(r.Header), From: name, To: next,
				Start: start, Duration: time.Since(start), Outcome: trace.Error, Detail: next + " unreachable: " + err.Error(),
				Method: r.Method, Path: r.URL.Path, Why: trace.Unreachable, Err: err.Error()})
			trace.Send(w.Header(), name, time.Now())
			http.Error(w, fmt.Sprintf("%s: %s unreachable", name, next), http.StatusBadGateway)
		},
		ErrorLog: log.New(io.Discard, "", 0),
	}
}

// Buffers lends reverse proxies their copy buffers, instead of a new 32 KiB
// buffer for every response.
var Buffers httputil.BufferPool = &bufferPool{}

type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, 32*1024)
}

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }
