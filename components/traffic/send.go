package traffic

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/archex/archex/components/trace"
)

func (g *Generator) report(r Result) {
	if g.cfg.OnResult != nil {
		g.cfg.OnResult(r)
	}
}

// Send sends one request by hand and waits for its answer. It counts like
// any other request; what it draws (its trace id, a write's price) comes
// from a stream of its own, so it changes nothing of what the schedule
// sends.
func (g *Generator) Send(ctx context.Context, req Request) Result {
	g.mu.Lock()
	if req.Key == "" {
		req.Key = g.cfg.Keys[g.manualKey%len(g.cfg.Keys)]
		g.manualKey++
	}
	g.byHand++
	g.stats.Sent++
	g.stats.InFlight++
	g.mu.Unlock()
	var id trace.ID
	g.manual.With(func(r *rand.Rand) {
		id = trace.NewID(r.Uint64())
		if req.Write && req.Price == 0 {
			req.Price = drawPrice(r)
		}
	})
	return g.finish(ctx, req, id)
}

// finish sends a request counted as sent and in flight, waits for its
// answer and counts how it ended. A request that panics on its way counts
// as failed, so the books still balance.
func (g *Generator) finish(ctx context.Context, req Request, id trace.ID) (res Result) {
	done := false
	defer func() {
		g.mu.Lock()
		g.stats.InFlight--
		if done && res.OK() {
			g.stats.OK++
		} else {
			g.stats.Failed++
		}
		g.mu.Unlock()
		if done {
			g.report(res)
		}
	}()
	res = g.do(ctx, req, id)
	done = true
	return res
}

func (g *Generator) do(ctx context.Context, req Request, id trace.ID) Result {
	res := Result{Trace: id, Request: req, Start: time.Now()}
	method, body := http.MethodGet, io.Reader(nil)
	words := g.cfg.Resource
	if req.Write {
		method, body = http.MethodPut, bytes.NewBufferString(`{"`+words.Field()+`":`+strconv.Itoa(req.Price)+`}`)
	}
	url := g.cfg.Target + words.Route() + strconv.Itoa(req.Product)
	path := url[len(g.cfg.Target):]
	hr, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		res.Err = err.Error()
		return res
	}
	hr.Header[trace.HeaderID] = []string{string(res.Trace)}
	hr.Header["X-Api-Key"] = []string{req.Key}
	trace.Send(hr.Header, g.cfg.Name, res.Start)
	resp, err := g.client.Do(hr)
	if err != nil {
		res.Duration = time.Since(res.Start)
		res.Err = describe(err)
		g.cfg.Recorder.Record(trace.Hop{
			Trace: res.Trace, From: g.cfg.Name, To: g.cfg.Entry, Start: res.Start,
			Duration: res.Duration, Outcome: trace.Error, Detail: res.Err,
			Method: method, Path: path, ID: req.Product, Elapsed: res.Duration, Err: res.Err,
		})
		return res
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	now := time.Now()
	res.Duration, res.Status = now.Sub(res.Start), resp.StatusCode
	from, sent := trace.Received(resp.Header, now)
	hop := trace.Hop{Trace: res.Trace, From: from, To: g.cfg.Name, Start: sent, Duration: now.Sub(sent),
		Reply: true, Method: method, Path: path, ID: req.Product, Status: resp.StatusCode, Elapsed: res.Duration}
	var b [8]byte
	hop.Detail = resp.Status + " in " + string(strconv.AppendFloat(b[:0], float64(res.Duration)/float64(time.Millisecond), 'f', 1, 64)) + " ms"
	if !res.OK() {
		hop.Outcome = trace.Error
		res.Err = firstLine(msg)
		hop.Detail += ": " + res.Err
		hop.Err = res.Err
	}
	g.cfg.Recorder.Record(hop)
	return res
}

func describe(err error) string {
	var ue interface{ Timeout() bool }
	if errors.As(err, &ue) && ue.Timeout() {
		return "no answer (timed out)"
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Op + ": " + op.Err.Error()
	}
	return err.Error()
}

func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}
