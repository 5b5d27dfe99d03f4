package narrate

import (
	"strings"
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

// h is a hop from, to with its fields: the tests below fill them as the
// components do (the fields each component sets, see its hop records), and
// put a Detail on none of them: the sentences must not need it.
type h = trace.Hop

const ms = time.Millisecond

// Every sentence of the production card's hops, from the fields of a cold
// read, a warm one, a write and runs with the cache, the database, the
// queue and the gateway failing.
func TestHopProductionCard(t *testing.T) {
	c := cards.Default()
	tests := []struct {
		name string
		hop  trace.Hop
		want string
	}{
		{"user to load balancer",
			h{From: "User", To: "Load Balancer", Instance: "replica-2", Method: "GET", Path: "/products/42", Policy: "round-robin"},
			"User sends GET /products/42 to the Load Balancer, which picks replica-2 (round-robin)"},
		{"load balancer to gateway",
			h{From: "Load Balancer", To: "API Gateway", Instance: "replica-2", Method: "GET", Path: "/products/42", APIKey: "demo-key-1", Route: "GET /products/{id}"},
			"Load Balancer passes the request to the API Gateway on replica-2, which checks key demo-key-1 and routes GET /products/{id}"},
		{"gateway to service",
			h{From: "API Gateway", To: "Service Layer", Instance: "replica-2", Method: "GET", Path: "/products/42", ID: 42},
			"API Gateway hands GET product 42 to the Service Layer on replica-2"},
		{"cache lookup",
			h{From: "Service Layer", To: "Cache", Instance: "replica-2", Op: "GET", Outcome: trace.Miss, Key: "product:42"},
			"Service Layer asks the Cache for product:42"},
		{"cache miss",
			h{From: "Cache", To: "Service Layer", Instance: "replica-2", Op: "GET", Outcome: trace.Miss, Key: "product:42", Reply: true},
			"Cache MISS for product:42 → asking the Database"},
		{"cache hit",
			h{From: "Cache", To: "Service Layer", Op: "GET", Outcome: trace.Hit, Key: "product:42", Reply: true},
			"Cache HIT for product:42 → no need to ask the Database"},
		{"database query",
			h{From: "Service Layer", To: "Database", Op: "SELECT", Table: "products", Statement: "SELECT name, price_cents FROM products WHERE id=42", Rows: 1, Duration: 8100 * time.Microsecond},
			"Database runs SELECT name, price_cents FROM products WHERE id=42 (8.1 ms)"},
		{"database row",
			h{From: "Database", To: "Service Layer", Op: "SELECT", Table: "products", Rows: 1, Value: "Glass Mug 42, $20.53", Reply: true},
			"Database returns 1 row: Glass Mug 42, $20.53"},
		{"no such product",
			h{From: "Database", To: "Service Layer", Op: "SELECT", Table: "products", Reply: true},
			"Database returns 0 rows: there is no such product"},
		{"cache fill",
			h{From: "Service Layer", To: "Cache", Op: "SET", Key: "product:42", TTL: 57 * time.Second},
			"Service Layer stores product:42 in the Cache for 57 s"},
		{"publish",
			h{From: "Service Layer", To: "Message Queue", Op: "XADD", Event: "product.viewed", Duration: 300 * time.Microsecond},
			"Service Layer publishes product.viewed for the Background Worker to the Message Queue: it waits for the XADD (0.30 ms), never for the worker"},
		{"service answers",
			h{From: "Service Layer", To: "API Gateway", Instance: "replica-2", Reply: true, Status: 200},
			"Service Layer on replica-2 answers 200 OK"},
		{"gateway relays",
			h{From: "API Gateway", To: "Load Balancer", Instance: "replica-2", Reply: true, Status: 200},
			"API Gateway on replica-2 passes 200 OK back to the Load Balancer"},
		{"user gets",
			h{From: "Load Balancer", To: "User", Reply: true, Status: 200, Elapsed: 12400 * time.Microsecond},
			"User gets 200 OK in 12.4 ms"},

		// A write: the UPDATE and the outbox in one transaction, then the DEL.
		{"update with the outbox",
			h{From: "Service Layer", To: "Database", Op: "UPDATE", Table: "products", Statement: "UPDATE products SET price_cents=1299 WHERE id=9", Rows: 1,
				Held: "outbox", Event: "product.updated", Key: "product:9", Duration: 9 * ms},
			"Database runs UPDATE products SET price_cents=1299 WHERE id=9 and, in the same transaction, writes product.updated and the DEL of product:9 to the outbox (9.0 ms)"},
		{"update confirmed",
			h{From: "Database", To: "Service Layer", Op: "UPDATE", Rows: 1, Reply: true},
			"Database confirms: 1 row updated"},
		{"delete",
			h{From: "Service Layer", To: "Cache", Op: "DEL", Key: "product:9"},
			"Service Layer deletes product:9 from the Cache, so no reader gets the old copy"},

		// The cache killed: the first calls wait for the timeout, then the
		// breaker opens and the service stops calling.
		{"cache timed out",
			h{From: "Service Layer", To: "Cache", Op: "GET", Outcome: trace.Fallback, Key: "product:43", Err: "Cache timed out (no answer within 10ms)"},
			"Cache timed out (no answer within 10ms) → reading product:43 from the Database instead"},
		{"killed cache timed out",
			h{From: "Service Layer", To: "Cache", Op: "GET", Outcome: trace.Fallback, Key: "product:43", Err: "Cache unreachable (no answer within the 10ms timeout): down"},
			"Cache unreachable (no answer within the 10ms timeout) → reading product:43 from the Database instead"},
		{"cache fill fails",
			h{From: "Service Layer", To: "Cache", Op: "SET", Outcome: trace.Fallback, Key: "product:43", Err: "Cache unreachable (no answer within the 10ms timeout): down"},
			"Service Layer could not store product:43 in the Cache (Cache is down); the answer goes out anyway"},
		{"circuit open lookup",
			h{From: "Service Layer", To: "Cache", Op: "GET", Outcome: trace.Skipped, Why: trace.BreakerOpen, Key: "product:51"},
			"Circuit OPEN: Service Layer skips the Cache → reading product:51 from the Database instead"},
		{"circuit open fill",
			h{From: "Service Layer", To: "Cache", Op: "SET", Outcome: trace.Skipped, Why: trace.BreakerOpen, Key: "product:51"},
			"Circuit OPEN: Service Layer does not store product:51 in the Cache"},
		{"delete fails",
			h{From: "Service Layer", To: "Cache", Op: "DEL", Outcome: trace.Fallback, Why: trace.BreakerOpen, Key: "product:9", Err: "circuit breaker is open"},
			"Service Layer could not delete product:9 from the Cache (circuit breaker is open): the outbox relay retries it, and reads skip the Cache for it until then"},
		{"key not trusted",
			h{From: "Service Layer", To: "Cache", Op: "GET", Outcome: trace.Skipped, Why: trace.Invalidating, Key: "product:9"},
			"Service Layer does not trust the Cache for product:9 (a write's DEL of it is being retried) → reading product:9 from the Database instead"},
		{"singleflight join",
			h{From: "Service Layer", To: "Database", Op: "SELECT", Outcome: trace.Skipped, Why: trace.Joined, Key: "product:5"},
			"Service Layer joins the Database query already in flight for product:5 (singleflight): no second query"},
		{"joined query fails",
			h{From: "Service Layer", To: "Database", Op: "SELECT", Outcome: trace.Error, Why: trace.Joined, Key: "product:5", Err: "Database timed out: context deadline exceeded"},
			"The Database query Service Layer joined failed: Database did not answer in time"},

		// Load shedding: the database's line is too long.
		{"shed",
			h{From: "Service Layer", To: "Database", Op: "SELECT", Outcome: trace.Shed, Why: trace.LineTooLong, Waiting: 19,
				Err: "19 statements wait for the Database's 3 connections (about 52ms, over the 50ms target)"},
			"Load shedding: Service Layer does not call the Database and answers 503 at once (19 statements wait for the Database's 3 connections (about 52ms, over the 50ms target)); the user may try again in 1 s"},
		// A replica answering 503: the load balancer retries a GET elsewhere.
		{"retried",
			h{From: "API Gateway", To: "Load Balancer", Instance: "replica-1", Outcome: trace.Error, Reply: true, Status: 503, Retry: "replica-2", Why: trace.Retried},
			"API Gateway on replica-1 passes 503 Service Unavailable back to the Load Balancer, which retries the request on replica-2"},

		// The database killed: the read fails and the user gets a 503.
		{"database down",
			h{From: "Service Layer", To: "Database", Op: "SELECT", Outcome: trace.Error, Err: "Database refused the connection: down"},
			"Database refused the connection → the SELECT fails"},
		{"service answers 503",
			h{From: "Service Layer", To: "API Gateway", Instance: "replica-2", Outcome: trace.Error, Reply: true, Status: 503},
			"Service Layer on replica-2 answers 503 Service Unavailable"},
		{"user gets 503",
			h{From: "Load Balancer", To: "User", Outcome: trace.Error, Reply: true, Status: 503, Elapsed: 1400 * time.Microsecond,
				Err: `{"id":99,"price_cents":0,"replica":"replica-2","error":"Database refused the connection: down"}`},
			"User gets 503 Service Unavailable in 1.4 ms: Database refused the connection: down"},

		// The gateway refusing.
		{"rate limited",
			h{From: "Load Balancer", To: "API Gateway", Instance: "replica-1", Outcome: trace.Error, Status: 429, Err: "rate limit of key demo-key-1 exceeded (50 req/s)"},
			"API Gateway rejects the request with 429 Too Many Requests: rate limit of key demo-key-1 exceeded (50 req/s)"},
		{"bad key",
			h{From: "Load Balancer", To: "API Gateway", Outcome: trace.Error, Status: 401, Err: `unknown API key "bogus"`},
			`API Gateway rejects the request with 401 Unauthorized: unknown API key "bogus"`},

		// The queue, the gateway or every replica gone.
		{"queue down",
			h{From: "Service Layer", To: "Message Queue", Op: "XADD", Outcome: trace.Fallback, Event: "product.viewed", Held: "spool", Waiting: 3,
				Err: "Message Queue: XADD events: down (connection refused)"},
			"Service Layer cannot publish product.viewed (Message Queue is down): the event waits in the spool (3 waiting) for the outbox relay; the answer goes out anyway"},
		{"queue too slow",
			h{From: "Service Layer", To: "Message Queue", Op: "XADD", Outcome: trace.Fallback, Event: "product.viewed", Held: "spool", Waiting: 1,
				Err: "Message Queue: XADD events: down (read tcp 127.0.0.1:5555->127.0.0.1:6666: i/o timeout)"},
			"Service Layer cannot publish product.viewed (Message Queue did not answer in time): the event waits in the spool (1 waiting) for the outbox relay; the answer goes out anyway"},
		{"queue known down",
			h{From: "Service Layer", To: "Message Queue", Op: "XADD", Outcome: trace.Skipped, Why: trace.QueueSick, Event: "product.viewed", Held: "spool", Waiting: 4},
			"Service Layer does not try the Message Queue (it is not answering): product.viewed waits in the spool (4 waiting); the answer goes out at once"},
		{"events before it",
			h{From: "Service Layer", To: "Message Queue", Op: "XADD", Outcome: trace.Skipped, Why: trace.Backlog, Event: "product.viewed", Held: "spool", Waiting: 5},
			"Service Layer does not try the Message Queue (events wait before it): product.viewed waits in the spool (5 waiting); the answer goes out at once"},
		{"spool full",
			h{From: "Service Layer", To: "Message Queue", Op: "XADD", Outcome: trace.Error, Why: trace.SpoolFull, Event: "product.viewed", Waiting: 10000},
			"Service Layer's spool is full (10000 waiting): product.viewed is shed, and counted; the answer goes out anyway"},
		{"relayed later",
			h{From: "Service Layer", To: "Message Queue", Instance: outbox.Instance, Op: "XADD", Async: true, Event: "product.viewed", Held: "spool", Elapsed: 6200 * ms},
			"The outbox relay of the Service Layer publishes product.viewed from its spool to the Message Queue, 6.2 s after the request"},
		{"relayed again",
			h{From: "Service Layer", To: "Message Queue", Instance: outbox.Instance, Op: "XADD", Async: true, Event: "product.updated", Held: "outbox", Why: trace.Duplicate},
			"The outbox relay of the Service Layer publishes product.updated again from its outbox: the Message Queue had it already (the first XADD's answer was lost)"},
		{"DEL retried",
			h{From: "Service Layer", To: "Cache", Instance: outbox.Instance, Op: "DEL", Async: true, Key: "product:42", Why: trace.Invalidated, Elapsed: 3100 * ms},
			"The outbox relay of the Service Layer deletes product:42 from the Cache, 3.1 s after the write: reads trust the cache again"},
		{"replica unreachable",
			h{From: "Load Balancer", To: "API Gateway", Instance: "replica-2", Outcome: trace.Error, Why: trace.Unreachable, Err: "dial tcp 127.0.0.1:35823: connect: connection refused"},
			"Load Balancer cannot reach the API Gateway on replica-2 (connection refused)"},
		{"no healthy replica",
			h{From: "User", To: "Load Balancer", Outcome: trace.Error, Why: trace.NoReplica, Method: "GET", Path: "/products/1"},
			"User sends GET /products/1 to the Load Balancer, but it has no healthy replica"},
		{"no answer at all",
			h{From: "User", To: "Load Balancer", Outcome: trace.Error, Method: "GET", Path: "/products/1", Elapsed: 2 * time.Second, Err: "connection refused"},
			"User gets no answer from the Load Balancer: connection refused"},
		{"service fails",
			h{From: "API Gateway", To: "Service Layer", Instance: "replica-1", Outcome: trace.Error, Method: "GET", ID: 4, Err: "Service Layer overloaded"},
			"Service Layer on replica-1 fails GET product 4: overloaded"},

		// The async branch: the worker's hops.
		{"deliver",
			h{From: "Message Queue", To: "Background Worker", Instance: "worker-1", Async: true, Event: "product.viewed", Tries: 1, Duration: 3200 * time.Microsecond},
			"Message Queue delivers product.viewed to worker-1 after 3.2 ms in the queue"},
		{"redeliver",
			h{From: "Message Queue", To: "Background Worker", Instance: "worker-2", Async: true, Event: "product.viewed", Tries: 2, Duration: 1100 * ms},
			"Message Queue redelivers product.viewed to worker-2 (try 2) after 1100 ms"},
		{"apply",
			h{From: "Background Worker", To: "Database", Op: "APPLY", Async: true, Event: "product.viewed", Statement: "INSERT applied_events + UPDATE product_stats", Batch: 1, Duration: 7900 * time.Microsecond},
			"Background Worker applies product.viewed to the Database (INSERT applied_events + UPDATE product_stats, 7.9 ms)"},
		{"apply a batch",
			h{From: "Background Worker", To: "Database", Op: "APPLY", Async: true, Event: "product.viewed", Statement: "INSERT applied_events + UPDATE product_stats", Batch: 3, Duration: 8 * ms},
			"Background Worker applies product.viewed to the Database (INSERT applied_events + UPDATE product_stats, a batch of 3, 8.0 ms)"},
		{"already applied",
			h{From: "Background Worker", To: "Database", Op: "APPLY", Async: true, Event: "product.viewed", Why: trace.Duplicate},
			"Background Worker finds product.viewed already applied: nothing changes (a redelivery)"},
		{"rejected",
			h{From: "Background Worker", To: "Database", Op: "APPLY", Async: true, Outcome: trace.Error, Event: "product.viewed", Why: trace.Rejected, Tries: 2, MaxTries: 5, Err: "product 9999 does not exist"},
			"Background Worker cannot apply product.viewed: product 9999 does not exist (try 2 of 5)"},
		{"dead-lettered",
			h{From: "Background Worker", To: "Database", Op: "APPLY", Async: true, Outcome: trace.Error, Event: "product.viewed", Why: trace.DeadLettered, Tries: 5, MaxTries: 5, Err: "product 9999 does not exist"},
			"Background Worker cannot apply product.viewed: product 9999 does not exist (try 5 of 5), so it goes to the dead-letter stream"},
		{"apply fails",
			h{From: "Background Worker", To: "Database", Op: "APPLY", Async: true, Outcome: trace.Error, Event: "product.viewed", Err: "Database refused the connection: down"},
			"Background Worker could not apply product.viewed to the Database (Database is down): the batch stays pending and comes round again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Hop(tt.hop, c); got != tt.want {
				t.Errorf("Hop:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// Cards rename components, change the flow and serve other things: the
// sentences follow.
func TestHopOtherCards(t *testing.T) {
	url := load(t, "url-shortener")
	feed := load(t, "news-feed")
	chat := load(t, "chat")
	tests := []struct {
		name string
		c    *card.Card
		hop  trace.Hop
		want string
	}{
		{"user to cdn", url,
			h{From: "User", To: "CDN", Method: "GET", Path: "/links/42"},
			"User sends GET /links/42 to the CDN"},
		{"cdn to load balancer", url,
			h{From: "CDN", To: "Load Balancer", Instance: "replica-2", Method: "GET", Path: "/links/42", Policy: "round-robin"},
			"CDN passes GET /links/42 to the Load Balancer, which picks replica-2 (round-robin)"},
		{"renamed miss", url,
			h{From: "Link Cache", To: "Redirect Service", Op: "GET", Outcome: trace.Miss, Key: "link:42", Reply: true},
			"Link Cache MISS for link:42 → asking the Link Database"},
		{"renamed hit", url,
			h{From: "Link Cache", To: "Redirect Service", Op: "GET", Outcome: trace.Hit, Key: "link:42", Reply: true},
			"Link Cache HIT for link:42 → no need to ask the Link Database"},
		{"renamed publish", url,
			h{From: "Redirect Service", To: "Click Queue", Op: "XADD", Event: "link.viewed", Duration: 400 * time.Microsecond},
			"Redirect Service publishes link.viewed for the Analytics Worker to the Click Queue: it waits for the XADD (0.40 ms), never for the worker"},
		{"reply to cdn", url,
			h{From: "Load Balancer", To: "CDN", Reply: true, Status: 200},
			"Load Balancer passes 200 OK back to the CDN"},
		{"cdn to user", url,
			h{From: "CDN", To: "User", Reply: true, Status: 200, Elapsed: 16100 * time.Microsecond},
			"User gets 200 OK in 16.1 ms"},
		{"no such link", url,
			h{From: "Link Database", To: "Redirect Service", Op: "SELECT", Reply: true},
			"Link Database returns 0 rows: there is no such link"},
		{"first of two caches misses", feed,
			h{From: "Feed Cache", To: "Feed Service", Op: "GET", Outcome: trace.Miss, Key: "post:42", Reply: true},
			"Feed Cache MISS for post:42 → asking the Profile Cache"},
		{"second of two caches misses", feed,
			h{From: "Profile Cache", To: "Feed Service", Op: "GET", Outcome: trace.Miss, Key: "post:42", Reply: true},
			"Profile Cache MISS for post:42 → asking the Database"},
		{"first cache down", feed,
			h{From: "Feed Service", To: "Feed Cache", Op: "GET", Outcome: trace.Fallback, Key: "post:42", Err: "Feed Cache unreachable (no answer within the 10ms timeout): down"},
			"Feed Cache unreachable (no answer within the 10ms timeout) → asking the Profile Cache for post:42 instead"},
		{"chat message", chat,
			h{From: "API Gateway", To: "Chat Service", Instance: "replica-1", Method: "GET", Path: "/messages/42", ID: 42},
			"API Gateway hands GET message 42 to the Chat Service on replica-1"},
		{"chat row", chat,
			h{From: "Message Store", To: "Chat Service", Op: "SELECT", Rows: 1, Value: "Message 42, reactions 2053", Reply: true},
			"Message Store returns 1 row: Message 42, reactions 2053"},
		{"chat fan-out", chat,
			h{From: "Fan-out Worker", To: "Message Store", Op: "APPLY", Async: true, Event: "message.viewed", Statement: "INSERT applied_events + UPDATE message_stats", Batch: 1, Duration: 8 * ms},
			"Fan-out Worker applies message.viewed to the Message Store (INSERT applied_events + UPDATE message_stats, 8.0 ms)"},
		{"no card", nil,
			h{From: "Cache", To: "Service Layer", Op: "GET", Outcome: trace.Miss, Key: "product:42", Reply: true},
			"Cache MISS for product:42 → asking the database"},
		{"no card reply", nil,
			h{From: "Load Balancer", To: "User", Reply: true, Status: 200, Elapsed: 3100 * time.Microsecond},
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
	got := Hop(h{From: "Service Layer", To: "Cache", Op: "GET", Outcome: trace.Hit, Key: "product:42"}, &c)
	if want := "Service Layer asks the Cache for product:42: HIT → no need to ask the Database"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got = Hop(h{From: "Service Layer", To: "Cache", Op: "GET", Outcome: trace.Miss, Key: "product:42"}, &c)
	if want := "Service Layer asks the Cache for product:42: MISS → asking the Database"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// The narration reads no Detail: a hop whose detail says something else
// entirely is told from its fields.
func TestHopIgnoresTheDetail(t *testing.T) {
	hop := h{From: "Cache", To: "Service Layer", Op: "GET", Outcome: trace.Hit, Key: "product:7", Reply: true, Detail: "MISS product:99"}
	if got, want := Hop(hop, cards.Default()), "Cache HIT for product:7 → no need to ask the Database"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

var t0 = time.Date(2026, 3, 14, 15, 4, 5, 0, time.UTC)

// cold is a cold read as the engine lists it: the async branch where it
// forks (after the publish), though it ends after the answer.
func cold() engine.Trace {
	at := func(msec float64) time.Time { return t0.Add(time.Duration(msec * float64(ms))) }
	d := func(msec float64) time.Duration { return time.Duration(msec * float64(ms)) }
	return engine.Trace{ID: "cold", Product: 42, Start: t0, Duration: 14500 * time.Microsecond, Status: 200, Done: true, Hops: []trace.Hop{
		{From: "User", To: "Load Balancer", Instance: "replica-2", Start: at(0), Duration: d(0.2), Method: "GET", Path: "/products/42", Policy: "round-robin"},
		{From: "Service Layer", To: "Cache", Start: at(1.4), Duration: d(1.2), Op: "GET", Outcome: trace.Miss, Key: "product:42"},
		{From: "Cache", To: "Service Layer", Start: at(2.6), Op: "GET", Outcome: trace.Miss, Key: "product:42", Reply: true},
		{From: "Service Layer", To: "Database", Start: at(2.6), Duration: d(9.4), Op: "SELECT", Statement: "SELECT name, price_cents FROM products WHERE id=42", Rows: 1},
		{From: "Database", To: "Service Layer", Start: at(12.0), Op: "SELECT", Rows: 1, Value: "Glass Mug 42, $20.53", Reply: true},
		{From: "Service Layer", To: "Message Queue", Start: at(13.2), Duration: d(0.3), Op: "XADD", Event: "product.viewed"},
		{From: "Message Queue", To: "Background Worker", Instance: "worker-1", Start: at(13.2), Duration: d(3.1), Async: true, Event: "product.viewed", Tries: 1},
		{From: "Background Worker", To: "Database", Instance: "worker-1", Start: at(16.3), Duration: d(7.9), Op: "APPLY", Async: true, Event: "product.viewed", Statement: "INSERT applied_events + UPDATE product_stats", Batch: 1},
		{From: "Service Layer", To: "API Gateway", Instance: "replica-2", Start: at(13.6), Duration: d(0.05), Reply: true, Status: 200},
		{From: "Load Balancer", To: "User", Start: at(14.45), Duration: d(0.05), Reply: true, Status: 200, Elapsed: 14500 * time.Microsecond},
	}}
}

// Step mode tells the synchronous path to the answer first, then the
// background branch with when it ended; replies say why they take no time.
func TestStepsPutTheBackgroundAfterTheAnswer(t *testing.T) {
	steps := Steps(cold(), cards.Default())
	var order []int
	for _, s := range steps {
		order = append(order, s.Hop)
	}
	if got, want := order, []int{0, 1, 2, 3, 4, 5, 8, 9, 6, 7}; !equal(got, want) {
		t.Fatalf("step order %v, want %v (the sync hops, the answer, then the async branch)", got, want)
	}
	want := map[int]string{
		2: "Cache MISS for product:42 → asking the Database (0.00 ms of its own: the call's 1.2 ms already include the answer's way back)",
		8: "Service Layer on replica-2 answers 200 OK (0.05 ms: an answer on a connection already open, inside one process; the time went into the work before it)",
		9: "User gets 200 OK in 14.5 ms; the work in the background goes on without them",
		6: "In the background, the user is not waiting: Message Queue delivers product.viewed to worker-1 after 3.1 ms in the queue (ends 1.8 ms after the user had the answer)",
		7: "Background Worker applies product.viewed to the Database (INSERT applied_events + UPDATE product_stats, 7.9 ms): the background work is done, 9.7 ms after the user had the answer",
	}
	for _, s := range steps {
		if w, ok := want[s.Hop]; ok && s.Text != w {
			t.Errorf("step for hop %d:\n got %q\nwant %q", s.Hop+1, s.Text, w)
		}
		if s.Async != cold().Hops[s.Hop].Async {
			t.Errorf("step for hop %d: async %v", s.Hop+1, s.Async)
		}
	}
}

// With the worker down the branch has not started: the last step says
// where the event waits.
func TestStepsSayWhereAnEventWaits(t *testing.T) {
	tr := cold()
	tr.Hops = append(tr.Hops[:6:6], tr.Hops[8:]...)
	steps := Steps(tr, cards.Default())
	last := steps[len(steps)-1]
	if want := "In the background, the user is not waiting: product.viewed waits in the Message Queue for the Background Worker, which has not taken it yet"; last.Hop != -1 || last.Text != want || !last.Async {
		t.Errorf("last step %+v, want %q", last, want)
	}
	// A card with no async branch has nothing waiting.
	noQueue := load(t, "news-feed")
	for _, s := range Steps(tr, noQueue) {
		if s.Hop < 0 || strings.Contains(s.Text, "background") {
			t.Errorf("news-feed has no background branch: step %+v", s)
		}
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestOutcomeAndSummary(t *testing.T) {
	withHops := func(tr engine.Trace, hops ...trace.Hop) engine.Trace { tr.Hops = hops; return tr }
	warm := withHops(cold(),
		h{From: "Service Layer", To: "Cache", Op: "GET", Outcome: trace.Hit, Key: "product:42"},
		h{From: "Cache", To: "Service Layer", Op: "GET", Outcome: trace.Hit, Key: "product:42", Reply: true})
	warm.Duration = 3100 * time.Microsecond
	down := withHops(cold(),
		h{From: "Service Layer", To: "Cache", Op: "GET", Outcome: trace.Fallback, Err: "Cache unreachable"},
		h{From: "Service Layer", To: "Database", Op: "SELECT"})
	open := withHops(cold(), h{From: "Service Layer", To: "Cache", Op: "GET", Outcome: trace.Skipped, Why: trace.BreakerOpen})
	joined := withHops(cold(),
		h{From: "Service Layer", To: "Cache", Op: "GET", Outcome: trace.Miss},
		h{From: "Service Layer", To: "Database", Op: "SELECT", Outcome: trace.Skipped, Why: trace.Joined})
	dbDown := withHops(cold(), h{From: "Service Layer", To: "Database", Op: "SELECT", Outcome: trace.Error})
	dbDown.Product, dbDown.Status, dbDown.Duration = 99, 503, 1400*time.Microsecond
	dbDown.Err = `{"id":99,"price_cents":0,"replica":"replica-2","error":"Database refused the connection: down"}`
	write := withHops(cold(), h{From: "Service Layer", To: "Cache", Op: "DEL", Outcome: trace.Fallback})
	write.Write, write.Product, write.Duration = true, 9, 9900*time.Microsecond
	flying := withHops(cold(), cold().Hops[1], h{From: "API Gateway", To: "Service Layer", ID: 42})
	flying.Done, flying.Status, flying.Duration, flying.Product = false, 0, 0, 0
	lost := withHops(cold(), h{From: "User", To: "Load Balancer", Outcome: trace.Error})
	lost.Status, lost.Duration, lost.Err = 0, 2*time.Second, "Load Balancer: dial tcp 127.0.0.1:4000: connect: connection refused"
	noCache := withHops(cold(), h{From: "Service Layer", To: "Database", Op: "SELECT"})
	chat := withHops(cold(), h{From: "Service Layer", To: "Database", Op: "SELECT"})

	tests := []struct {
		name    string
		tr      engine.Trace
		c       *card.Card
		kind    Kind
		summary string
	}{
		{"miss", cold(), nil, Miss, "GET product 42: cache miss, 200 OK in 14.5 ms, 10 hops"},
		{"hit", warm, nil, Hit, "GET product 42: cache hit, 200 OK in 3.1 ms, 2 hops"},
		{"cache down", down, nil, Fallback, "GET product 42: cache unreachable (fallback), 200 OK in 14.5 ms, 2 hops"},
		{"circuit open", open, nil, Fallback, "GET product 42: cache skipped (circuit open), 200 OK in 14.5 ms, 1 hop"},
		{"singleflight", joined, nil, Miss, "GET product 42: cache miss (joined a query in flight), 200 OK in 14.5 ms, 2 hops"},
		{"database down", dbDown, nil, Error, "GET product 99: 503 Service Unavailable in 1.4 ms, 1 hop: Database refused the connection: down"},
		{"write", write, nil, Write, "PUT product 9: 200 OK in 9.9 ms, 1 hop"},
		{"in flight", flying, nil, Miss, "GET product 42: cache miss, in flight, 2 hops so far"},
		{"no answer", lost, nil, Error, "GET product 42: no answer after 2000 ms, 1 hop: Load Balancer: connection refused"},
		{"no cache on the card", noCache, nil, OK, "GET product 42: 200 OK in 14.5 ms, 1 hop"},
		{"the card's words", chat, load(t, "chat"), OK, "GET message 42: 200 OK in 14.5 ms, 1 hop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Outcome(tt.tr); got != tt.kind {
				t.Errorf("Outcome = %v, want %v", got, tt.kind)
			}
			if got := Summary(tt.tr, tt.c); got != tt.summary {
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
		{"Cache MISS for product:42 → asking the Database", 20, []string{"Cache MISS for", "product:42 → asking", "the Database"}},
		{"short", 20, []string{"short"}},
		{"", 10, []string{""}},
		{"averyveryverylongword x", 8, []string{"averyver", "yverylon", "gword x"}},
		{"a  b", 1, []string{"a", "b"}},
		{"done, 13.3 ms after the answer", 10, []string{"done,", "13.3 ms", "after the", "answer"}},
		{"took 8 s, then", 8, []string{"took", "8 s,", "then"}},
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

// An HTTP answer says once a request why it takes no time; the next ones
// say it briefly. A stalled one (a millisecond or more) says nothing.
func TestRepliesSayWhyTheyTakeNoTime(t *testing.T) {
	tr := engine.Trace{Done: true, Status: 200, Start: t0, Duration: 5 * ms, Hops: []trace.Hop{
		{From: "Service Layer", To: "API Gateway", Instance: "replica-1", Reply: true, Status: 200, Start: t0, Duration: 40 * time.Microsecond},
		{From: "API Gateway", To: "Load Balancer", Instance: "replica-1", Reply: true, Status: 200, Start: t0, Duration: 30 * time.Microsecond},
		{From: "API Gateway", To: "Load Balancer", Instance: "replica-1", Reply: true, Status: 200, Start: t0, Duration: 2 * ms},
	}}
	steps := Steps(tr, cards.Default())
	want := []string{
		"Service Layer on replica-1 answers 200 OK (0.04 ms: an answer on a connection already open, inside one process; the time went into the work before it)",
		"API Gateway on replica-1 passes 200 OK back to the Load Balancer (0.03 ms, an answer again)",
		"API Gateway on replica-1 passes 200 OK back to the Load Balancer",
	}
	for i, s := range steps {
		if s.Text != want[i] {
			t.Errorf("step %d:\n got %q\nwant %q", i+1, s.Text, want[i])
		}
	}
}
