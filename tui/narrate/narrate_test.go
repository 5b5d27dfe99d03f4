package narrate

import (
	"testing"
	"time"

	"github.com/archex/archex/card"
	"github.com/archex/archex/cards"
	"github.com/archex/archex/components/outbox"
	"github.com/archex/archex/components/trace"
	"github.com/archex/archex/engine"
)

func load(t *testing.T, name string) *card.Card {
	t.Helper()
	c, err := cards.Load(name + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hop builds a hop as the components record it.
func hop(from, to, inst, op string, o trace.Outcome, detail string) trace.Hop {
	return trace.Hop{From: from, To: to, Instance: inst, Op: op, Outcome: o, Detail: detail}
}

func async(h trace.Hop) trace.Hop { h.Async = true; return h }

func asyncHop(from, to, inst, op, detail string) trace.Hop {
	return async(hop(from, to, inst, op, trace.OK, detail))
}

// The details below are copied from `archex trace`, `archex trace --warm`
// and runs with the cache, the database, the queue and the gateway killed.
func TestHopProductionCard(t *testing.T) {
	c := cards.Default()
	tests := []struct {
		name string
		hop  trace.Hop
		want string
	}{
		{"user to load balancer",
			hop("User", "Load Balancer", "replica-2", "", trace.OK, "GET /products/42 -> replica-2 (round-robin)"),
			"User sends GET /products/42 to the Load Balancer, which picks replica-2 (round-robin)"},
		{"load balancer to gateway",
			hop("Load Balancer", "API Gateway", "replica-2", "", trace.OK, "key demo-key-1 ok, route GET /products/{id}, req-1"),
			"Load Balancer passes the request to the API Gateway on replica-2, which checks key demo-key-1 and routes GET /products/{id}"},
		{"gateway to service",
			hop("API Gateway", "Service Layer", "replica-2", "", trace.OK, "GET product 42"),
			"API Gateway hands GET product 42 to the Service Layer on replica-2"},
		{"cache lookup",
			hop("Service Layer", "Cache", "replica-2", "GET", trace.Miss, "GET product:42"),
			"Service Layer asks the Cache for product:42"},
		{"cache miss",
			hop("Cache", "Service Layer", "replica-2", "GET", trace.Miss, "MISS product:42"),
			"Cache MISS for product:42 -> asking the Database"},
		{"cache hit",
			hop("Cache", "Service Layer", "replica-3", "GET", trace.Hit, "HIT product:42"),
			"Cache HIT for product:42 -> no need to ask the Database"},
		{"select",
			hop("Service Layer", "Database", "replica-2", "SELECT", trace.OK, "SELECT name, price_cents FROM products WHERE id=42 (8.1 ms)"),
			"Database runs SELECT name, price_cents FROM products WHERE id=42 (8.1 ms)"},
		{"row",
			hop("Database", "Service Layer", "replica-2", "SELECT", trace.OK, "1 row: Glass Mug 42, $20.53"),
			"Database returns 1 row: Glass Mug 42, $20.53"},
		{"no row",
			hop("Database", "Service Layer", "replica-2", "SELECT", trace.OK, "0 rows"),
			"Database returns 0 rows: there is no such product"},
		{"fill",
			hop("Service Layer", "Cache", "replica-2", "SET", trace.OK, "SET product:42 EX 60s"),
			"Service Layer stores product:42 in the Cache for 60 s"},
		{"publish",
			hop("Service Layer", "Message Queue", "replica-2", "XADD", trace.OK, "XADD events product.viewed"),
			"Service Layer publishes product.viewed -> Background Worker (via the Message Queue), without waiting"},
		{"deliver",
			async(hop("Message Queue", "Background Worker", "worker-1", "", trace.OK, "deliver product.viewed 1795738139188-0 (waited 3.2 ms)")),
			"Message Queue delivers product.viewed to worker-1 after 3.2 ms"},
		{"redeliver",
			async(hop("Message Queue", "Background Worker", "worker-2", "", trace.OK, "redeliver product.viewed 1795738139188-0 (try 2, waited 5.0 s)")),
			"Message Queue redelivers product.viewed to worker-2 (try 2) after 5.0 s"},
		{"apply",
			async(hop("Background Worker", "Database", "worker-1", "", trace.OK, "INSERT applied_events + UPDATE product_stats (batch of 1, 7.5 ms)")),
			"Background Worker applies the event to the Database (batch of 1, 7.5 ms)"},
		{"apply duplicate",
			async(hop("Background Worker", "Database", "worker-1", "", trace.OK, "already applied: nothing changed (redelivery)")),
			"Background Worker finds the event already applied: nothing changes (a redelivery)"},
		{"apply rejected",
			async(hop("Background Worker", "Database", "worker-1", "", trace.Error, "rejected: product 99999 does not exist (try 3 of 3): dead-lettered")),
			"Background Worker rejects the event: product 99999 does not exist (try 3 of 3), so it goes to the dead-letter stream"},
		{"service answers",
			hop("Service Layer", "API Gateway", "replica-2", "", trace.OK, "200 OK"),
			"Service Layer on replica-2 answers 200 OK"},
		{"gateway relays",
			hop("API Gateway", "Load Balancer", "replica-2", "", trace.OK, "200 OK from replica-2"),
			"API Gateway on replica-2 passes 200 OK back to the Load Balancer"},
		{"user gets",
			hop("Load Balancer", "User", "", "", trace.OK, "200 OK in 12.4 ms"),
			"User gets 200 OK in 12.4 ms"},

		// The cache killed: the first calls wait for the timeout, then the
		// breaker opens and the service stops calling.
		{"cache unreachable",
			hop("Service Layer", "Cache", "replica-1", "GET", trace.Fallback, "GET product:43 failed (Cache unreachable (no answer in 20ms): down): falling back"),
			"Cache unreachable (no answer in 20ms) -> reading product:43 from the Database instead"},
		{"cache fill fails",
			hop("Service Layer", "Cache", "replica-1", "SET", trace.Fallback, "SET product:43 failed (Cache unreachable (no answer in 20ms): down)"),
			"Service Layer could not store product:43 in the Cache (Cache is down); the answer goes out anyway"},
		{"cache timed out",
			hop("Service Layer", "Cache", "replica-1", "GET", trace.Fallback, "GET product:43 failed (Cache timed out (no answer within 10ms)): falling back"),
			"Cache timed out (no answer within 10ms) -> reading product:43 from the Database instead"},
		{"killed cache timed out",
			hop("Service Layer", "Cache", "replica-1", "GET", trace.Fallback, "GET product:43 failed (Cache unreachable (no answer within the 10ms timeout): down): falling back"),
			"Cache unreachable (no answer within the 10ms timeout) -> reading product:43 from the Database instead"},
		{"circuit open lookup",
			hop("Service Layer", "Cache", "replica-3", "GET", trace.Skipped, "circuit OPEN: not calling Cache for product:51"),
			"Circuit OPEN: Service Layer skips the Cache -> reading product:51 from the Database instead"},
		{"circuit open fill",
			hop("Service Layer", "Cache", "replica-3", "SET", trace.Skipped, "circuit OPEN: not filling product:51"),
			"Circuit OPEN: Service Layer does not store product:51 in the Cache"},
		{"delete fails",
			hop("Service Layer", "Cache", "replica-1", "DEL", trace.Fallback, "DEL product:9 failed (circuit breaker is open): the relay retries it; until then reads skip the cache for it"),
			"Service Layer could not delete product:9 from the Cache (circuit breaker is open): the outbox relay retries it, and reads skip the Cache for it until then"},
		{"key not trusted",
			hop("Service Layer", "Cache", "replica-1", "GET", trace.Skipped, "not asking Cache for product:9: a write's invalidation of it is pending"),
			"Service Layer does not trust the Cache for product:9 (a write's DEL of it is being retried) -> reading product:9 from the Database instead"},
		{"singleflight join",
			hop("Service Layer", "Database", "replica-1", "SELECT", trace.Skipped, "joined the query already in flight for product:5 (singleflight)"),
			"Service Layer joins the Database query already in flight for product:5 (singleflight): no second query"},

		// Load shedding: the database's line is too long.
		{"shed",
			hop("Service Layer", "Database", "replica-2", "SELECT", trace.Shed, "SELECT: shed: 19 statements wait for the Database's 3 connections (about 52ms, over the 50ms target); try again in 1 s"),
			"Load shedding: Service Layer does not call the Database and answers 503 at once (19 statements wait for the Database's 3 connections (about 52ms, over the 50ms target)); the user may try again in 1 s"},
		// A replica answering 503: the load balancer retries a GET elsewhere.
		{"retried",
			hop("API Gateway", "Load Balancer", "replica-1", "", trace.Error, "503 Service Unavailable from replica-1, retried on replica-2"),
			"API Gateway on replica-1 passes 503 Service Unavailable back to the Load Balancer, which retries the request on replica-2"},

		// The database killed: the read fails and the user gets a 503.
		{"database down",
			hop("Service Layer", "Database", "replica-2", "SELECT", trace.Error, "SELECT name, price_cents FROM products WHERE id=99: Database refused the connection: down"),
			"Database refused the connection -> the SELECT fails"},
		{"service answers 503",
			hop("Service Layer", "API Gateway", "replica-2", "", trace.Error, "503 Service Unavailable"),
			"Service Layer on replica-2 answers 503 Service Unavailable"},
		{"user gets 503",
			hop("Load Balancer", "User", "", "", trace.Error, `503 Service Unavailable in 1.4 ms: {"id":99,"price_cents":0,"replica":"replica-2","error":"Database refused the connection: down"}`),
			"User gets 503 Service Unavailable in 1.4 ms: Database refused the connection: down"},

		// The gateway refusing.
		{"rate limited",
			hop("Load Balancer", "API Gateway", "replica-1", "", trace.Error, "429 rate limit of key demo-key-1 exceeded (50 req/s)"),
			"API Gateway rejects the request with 429 Too Many Requests: rate limit of key demo-key-1 exceeded (50 req/s)"},
		{"bad key",
			hop("Load Balancer", "API Gateway", "replica-1", "", trace.Error, `401 unknown API key "bogus"`),
			`API Gateway rejects the request with 401 Unauthorized: unknown API key "bogus"`},

		// The queue, the gateway or every replica gone.
		{"queue down",
			hop("Service Layer", "Message Queue", "replica-3", "XADD", trace.Fallback, "XADD product.viewed to the spool (3 waiting), the relay publishes it later: failed: Message Queue: XADD events: down (connection refused)"),
			"Service Layer cannot publish product.viewed (Message Queue is down): the event waits in the spool (3 waiting) for the outbox relay; the answer goes out anyway"},
		{"queue known down",
			hop("Service Layer", "Message Queue", "replica-3", "XADD", trace.Skipped, "XADD product.viewed to the spool (4 waiting): not tried, the queue is not answering"),
			"Service Layer does not try the Message Queue (the queue is not answering): product.viewed waits in the spool (4 waiting); the answer goes out at once"},
		{"spool full",
			hop("Service Layer", "Message Queue", "replica-3", "XADD", trace.Error, "XADD product.viewed shed: the spool is full (10000 waiting)"),
			"Service Layer's spool is full (10000 waiting): product.viewed is shed, and counted; the answer goes out anyway"},
		{"relayed later",
			asyncHop("Service Layer", "Message Queue", outbox.Instance, "XADD", "relayed from the spool: XADD events product.viewed, 6.2 s after the request"),
			"The outbox relay of the Service Layer publishes product.viewed from its spool to the Message Queue, 6.2 s after the request"},
		{"relayed again",
			asyncHop("Service Layer", "Message Queue", outbox.Instance, "XADD", "relayed from the outbox: the queue had product.updated already (the first XADD's answer was lost)"),
			"The outbox relay of the Service Layer publishes again from its outbox: the queue had product.updated already (the first XADD's answer was lost)"},
		{"DEL retried",
			asyncHop("Service Layer", "Cache", outbox.Instance, "DEL", "relay: DEL product:42, retried 3.1 s after the write: reads trust the cache again"),
			"The outbox relay of the Service Layer deletes product:42 from the Cache, retried 3.1 s after the write: reads trust the cache again"},
		{"replica unreachable",
			hop("Load Balancer", "API Gateway", "", "", trace.Error, "replica-2 unreachable: dial tcp 127.0.0.1:35823: connect: connection refused"),
			"Load Balancer cannot reach the API Gateway on replica-2 (connection refused)"},
		{"no healthy replica",
			hop("User", "Load Balancer", "", "", trace.Error, "GET /products/1: no healthy replica"),
			"User sends GET /products/1 to the Load Balancer, but no healthy replica"},
		{"no answer at all",
			hop("User", "Load Balancer", "", "", trace.Error, "connection refused"),
			"User gets no answer from the Load Balancer: connection refused"},
		{"service fails",
			hop("API Gateway", "Service Layer", "replica-1", "", trace.Error, "GET product 4: Service Layer overloaded"),
			"Service Layer on replica-1 fails GET product 4: Service Layer overloaded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Hop(tt.hop, c); got != tt.want {
				t.Errorf("Hop:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// Cards rename components and change the flow: the sentences follow.
func TestHopOtherCards(t *testing.T) {
	url := load(t, "url-shortener")
	feed := load(t, "news-feed")
	tests := []struct {
		name string
		c    *card.Card
		hop  trace.Hop
		want string
	}{
		{"user to cdn", url,
			hop("User", "CDN", "", "", trace.OK, "GET /products/42"),
			"User sends GET /products/42 to the CDN"},
		{"cdn to load balancer", url,
			hop("CDN", "Load Balancer", "replica-2", "", trace.OK, "GET /products/42 -> replica-2 (round-robin)"),
			"CDN passes GET /products/42 to the Load Balancer, which picks replica-2 (round-robin)"},
		{"renamed miss", url,
			hop("Link Cache", "Redirect Service", "replica-2", "GET", trace.Miss, "MISS product:42"),
			"Link Cache MISS for product:42 -> asking the Link Database"},
		{"renamed hit", url,
			hop("Link Cache", "Redirect Service", "replica-2", "GET", trace.Hit, "HIT product:42"),
			"Link Cache HIT for product:42 -> no need to ask the Link Database"},
		{"renamed publish", url,
			hop("Redirect Service", "Click Queue", "replica-2", "XADD", trace.OK, "XADD events product.viewed"),
			"Redirect Service publishes product.viewed -> Analytics Worker (via the Click Queue), without waiting"},
		{"reply to cdn", url,
			hop("Load Balancer", "CDN", "", "", trace.OK, "200 OK"),
			"Load Balancer passes 200 OK back to the CDN"},
		{"cdn to user", url,
			hop("CDN", "User", "", "", trace.OK, "200 OK in 16.1 ms"),
			"User gets 200 OK in 16.1 ms"},
		{"first of two caches misses", feed,
			hop("Feed Cache", "Feed Service", "replica-2", "GET", trace.Miss, "MISS product:42"),
			"Feed Cache MISS for product:42 -> asking the Profile Cache"},
		{"second of two caches misses", feed,
			hop("Profile Cache", "Feed Service", "replica-2", "GET", trace.Miss, "MISS product:42"),
			"Profile Cache MISS for product:42 -> asking the Database"},
		{"first cache down", feed,
			hop("Feed Service", "Feed Cache", "replica-2", "GET", trace.Fallback, "GET product:42 failed (Feed Cache unreachable (no answer in 20ms): down): falling back"),
			"Feed Cache unreachable (no answer in 20ms) -> asking the Profile Cache for product:42 instead"},
		{"no card", nil,
			hop("Cache", "Service Layer", "", "GET", trace.Miss, "MISS product:42"),
			"Cache MISS for product:42 -> asking the database"},
		{"no card reply", nil,
			hop("Load Balancer", "User", "", "", trace.OK, "200 OK in 3.1 ms"),
			"User gets 200 OK in 3.1 ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Hop(tt.hop, tt.c); got != tt.want {
				t.Errorf("Hop:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// A card without the reply hops: the call tells the result itself.
func TestHopWithoutReplyHop(t *testing.T) {
	c := *cards.Default()
	c.Flow = nil
	for _, f := range cards.Default().Flow {
		if f.From != "Cache" {
			c.Flow = append(c.Flow, f)
		}
	}
	got := Hop(hop("Service Layer", "Cache", "", "GET", trace.Hit, "GET product:42"), &c)
	if want := "Service Layer asks the Cache for product:42: HIT -> no need to ask the Database"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got = Hop(hop("Service Layer", "Cache", "", "GET", trace.Miss, "GET product:42"), &c)
	if want := "Service Layer asks the Cache for product:42: MISS -> asking the Database"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

var t0 = time.Date(2026, 3, 14, 15, 4, 5, 0, time.UTC)

func cold() engine.Trace {
	return engine.Trace{Product: 42, Start: t0, Duration: 14500 * time.Microsecond, Status: 200, Done: true, Hops: []trace.Hop{
		hop("User", "Load Balancer", "replica-2", "", trace.OK, "GET /products/42 -> replica-2 (round-robin)"),
		hop("Service Layer", "Cache", "replica-2", "GET", trace.Miss, "GET product:42"),
		hop("Cache", "Service Layer", "replica-2", "GET", trace.Miss, "MISS product:42"),
		hop("Service Layer", "Cache", "replica-2", "SET", trace.OK, "SET product:42 EX 60s"),
	}}
}

func TestOutcomeAndSummary(t *testing.T) {
	withHops := func(tr engine.Trace, hops ...trace.Hop) engine.Trace { tr.Hops = hops; return tr }
	warm := withHops(cold(),
		hop("Service Layer", "Cache", "", "GET", trace.Hit, "GET product:42"),
		hop("Cache", "Service Layer", "", "GET", trace.Hit, "HIT product:42"))
	warm.Duration = 3100 * time.Microsecond
	down := withHops(cold(),
		hop("Service Layer", "Cache", "", "GET", trace.Fallback, "GET product:43 failed (Cache unreachable (no answer in 20ms): down): falling back"),
		hop("Service Layer", "Database", "", "SELECT", trace.OK, "SELECT ..."))
	open := withHops(cold(), hop("Service Layer", "Cache", "", "GET", trace.Skipped, "circuit OPEN: not calling Cache for product:51"))
	joined := withHops(cold(),
		hop("Service Layer", "Cache", "", "GET", trace.Miss, "GET product:5"),
		hop("Service Layer", "Database", "", "SELECT", trace.Skipped, "joined the query already in flight for product:5 (singleflight)"))
	dbDown := withHops(cold(), hop("Service Layer", "Database", "", "SELECT", trace.Error, "..."))
	dbDown.Product, dbDown.Status, dbDown.Duration = 99, 503, 1400*time.Microsecond
	dbDown.Err = `{"id":99,"price_cents":0,"replica":"replica-2","error":"Database refused the connection: down"}`
	write := withHops(cold(), hop("Service Layer", "Cache", "", "DEL", trace.Fallback, "DEL product:9 failed (circuit breaker is open): stale until its TTL"))
	write.Write, write.Product, write.Duration = true, 9, 9900*time.Microsecond
	flying := withHops(cold(), cold().Hops[:2]...)
	flying.Done, flying.Status, flying.Duration, flying.Product = false, 0, 0, 0
	lost := withHops(cold(), hop("User", "Load Balancer", "", "", trace.Error, "connection refused"))
	lost.Status, lost.Duration, lost.Err = 0, 2*time.Second, "Load Balancer: dial tcp 127.0.0.1:4000: connect: connection refused"
	noCache := withHops(cold(), hop("Service Layer", "Database", "", "SELECT", trace.OK, "SELECT ..."))

	tests := []struct {
		name    string
		tr      engine.Trace
		kind    Kind
		summary string
	}{
		{"miss", cold(), Miss, "GET product 42: cache miss, 200 OK in 14.5 ms, 4 hops"},
		{"hit", warm, Hit, "GET product 42: cache hit, 200 OK in 3.1 ms, 2 hops"},
		{"cache down", down, Fallback, "GET product 42: cache unreachable (fallback), 200 OK in 14.5 ms, 2 hops"},
		{"circuit open", open, Fallback, "GET product 42: cache skipped (circuit open), 200 OK in 14.5 ms, 1 hop"},
		{"singleflight", joined, Miss, "GET product 42: cache miss (joined a query in flight), 200 OK in 14.5 ms, 2 hops"},
		{"database down", dbDown, Error, "GET product 99: 503 Service Unavailable in 1.4 ms, 1 hop: Database refused the connection: down"},
		{"write", write, Write, "PUT product 9: 200 OK in 9.9 ms, 1 hop"},
		{"in flight", flying, Miss, "GET product 42: cache miss, in flight, 2 hops so far"},
		{"no answer", lost, Error, "GET product 42: no answer after 2000 ms, 1 hop: Load Balancer: connection refused"},
		{"no cache on the card", noCache, OK, "GET product 42: 200 OK in 14.5 ms, 1 hop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Outcome(tt.tr); got != tt.kind {
				t.Errorf("Outcome = %v, want %v", got, tt.kind)
			}
			if got := Summary(tt.tr); got != tt.summary {
				t.Errorf("Summary:\n got %q\nwant %q", got, tt.summary)
			}
		})
	}
}

func TestMillis(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                        "0.00 ms",
		130 * time.Microsecond:   "0.13 ms",
		9630 * time.Microsecond:  "9.6 ms",
		14500 * time.Microsecond: "14.5 ms",
		1234 * time.Millisecond:  "1234 ms",
	} {
		if got := Millis(d); got != want {
			t.Errorf("Millis(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  []string
	}{
		{"Cache MISS for product:42 -> asking the Database", 20, []string{"Cache MISS for", "product:42 -> asking", "the Database"}},
		{"short", 20, []string{"short"}},
		{"", 10, []string{""}},
		{"averyveryverylongword x", 8, []string{"averyver", "yverylon", "gword x"}},
		{"a  b", 1, []string{"a", "b"}},
	}
	for _, tt := range tests {
		got := Wrap(tt.in, tt.width)
		if len(got) != len(tt.want) {
			t.Errorf("Wrap(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("Wrap(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
				break
			}
		}
	}
}
