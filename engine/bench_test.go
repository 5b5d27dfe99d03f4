package engine

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/alicebob/miniredis/v2"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
	"github.com/archex/archex/components/httpnode"
	"github.com/archex/archex/components/redisclient"
)

// hitPathCard is the production card without the queue and the worker: the
// cache-hit path LB -> gateway -> service -> cache and back, nothing else.
func hitPathCard() *card.Card {
	c := *cards.Default()
	c.Components = nil
	for _, comp := range cards.Default().Components {
		if comp.Kind != card.KindQueue && comp.Kind != card.KindWorker {
			c.Components = append(c.Components, comp)
		}
	}
	c.Flow = nil
	for _, h := range cards.Default().Flow {
		if h.To != "Message Queue" && !h.Async {
			c.Flow = append(c.Flow, h)
		}
	}
	return &c
}

// BenchmarkReadHit is a cache hit through the whole engine, modeled latency
// off: real HTTP through the load balancer to a replica (gateway and
// service), a real GET on the cache, with tracing, metrics and the breaker.
func BenchmarkReadHit(b *testing.B) {
	e := newEngine(b, Options{Card: hitPathCard(), NoLatency: true, KeyRate: 1e6})
	ctx := context.Background()
	if _, err := e.Send(ctx, Request{Product: 1}, false); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			// As the user sends it: traced and counted, the trace left in
			// the engine for readers.
			res := e.user.Send(ctx, Request{Product: 1})
			if !res.OK() {
				b.Errorf("read: %d %s", res.Status, res.Err)
				return
			}
		}
	})
	b.StopTimer()
	if s := e.Snapshot(); s.Requests.Failed > 0 {
		b.Errorf("%d requests failed", s.Requests.Failed)
	}
}

// BenchmarkReadBaseline is the same HTTP hops and GET with nothing else: a
// reverse proxy in front of a server whose handler reads the cache.
func BenchmarkReadBaseline(b *testing.B) {
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		b.Fatal(err)
	}
	defer mr.Close()
	rc := redisclient.New(mr.Addr())
	defer rc.Close()
	mr.Set("product:1", `{"ID":1,"Name":"Oak Lamp 1","PriceCents":536}`)
	backend := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := rc.Get(r.Context(), "product:1").Result()
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, v)
	})}
	backendURL := serve(b, backend)
	target, _ := url.Parse(backendURL)
	proxy := &http.Server{Handler: &httputil.ReverseProxy{
		Rewrite:    func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		Transport:  &http.Transport{MaxIdleConnsPerHost: 256},
		BufferPool: httpnode.Buffers, // as the load balancer has
	}}
	front := serve(b, proxy)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024}}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(front + "/products/1")
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.StopTimer()
	client.CloseIdleConnections()
	proxy.Close()
	backend.Close()
}

func serve(b *testing.B, srv *http.Server) string {
	b.Helper()
	ln, err := listen()
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(ln)
	return fmt.Sprintf("http://%s", ln.Addr())
}

func listen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
