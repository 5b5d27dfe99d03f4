// Package resource names what a card's service serves: the noun its routes,
// cache keys, table and events are named after, and the field of a row that
// a write changes. The production card serves products (GET /products/42,
// product:42, SELECT name, price_cents FROM products); a chat card may serve
// messages (GET /messages/42, message:42, SELECT name, reactions FROM
// messages). Every component that speaks of the items takes its words from
// one Resource, so a card changes them all at once.
package resource

import (
	"fmt"
	"strconv"
	"strings"
)

// Resource is what a service serves. Build one with New; the zero value
// means Default.
type Resource struct {
	singular, plural, field string
	catalog                 bool // names from the product catalog's words

	// Made once, so that the read path does not build them per request.
	route, viewed, updated, stats, keyPrefix string
}

// Default is the production card's: a catalog of products with a price.
var Default = func() Resource {
	r := New("product", "products", "price_cents")
	r.catalog = true
	return r
}()

// New names a resource: its singular and plural nouns (lower case, one word
// each, as a card's validation ensures) and the numeric field of a row that
// a write sets. An empty plural is the singular with an s.
func New(singular, plural, field string) Resource {
	if plural == "" {
		plural = singular + "s"
	}
	return Resource{
		singular: singular, plural: plural, field: field,
		route: "/" + plural + "/", viewed: singular + ".viewed", updated: singular + ".updated",
		stats: singular + "_stats", keyPrefix: singular + ":",
	}
}

func (r Resource) orDefault() Resource {
	if r.singular == "" {
		return Default
	}
	return r
}

// Singular is the noun for one item: product.
func (r Resource) Singular() string { return r.orDefault().singular }

// Plural is the noun for many: products. It is also the table's name.
func (r Resource) Plural() string { return r.orDefault().plural }

// Field is the numeric field a write sets: price_cents.
func (r Resource) Field() string { return r.orDefault().field }

// Table is the SQL table of the items: products.
func (r Resource) Table() string { return r.orDefault().plural }

// StatsTable is where the worker counts what happened to each item:
// product_stats.
func (r Resource) StatsTable() string { return r.orDefault().stats }

// Route is the path prefix of one item, before its id: /products/.
func (r Resource) Route() string { return r.orDefault().route }

// Path is the path of item id: /products/42.
func (r Resource) Path(id int) string { return r.Route() + strconv.Itoa(id) }

// Pattern is the route for method in net/http's pattern syntax:
// GET /products/{id}.
func (r Resource) Pattern(method string) string { return method + " " + r.Route() + "{id}" }

// ID reads the item's id from a path, and whether the path is an item's.
func (r Resource) ID(path string) (int, bool) {
	rest, ok := strings.CutPrefix(path, r.Route())
	if !ok {
		return 0, false
	}
	id, err := strconv.Atoi(rest)
	return id, err == nil
}

// Key is the cache key of item id: product:42.
func (r Resource) Key(id int) string { return r.orDefault().keyPrefix + strconv.Itoa(id) }

// Viewed is the type of the event a read leaves: product.viewed.
func (r Resource) Viewed() string { return r.orDefault().viewed }

// Updated is the type of the event a write leaves: product.updated.
func (r Resource) Updated() string { return r.orDefault().updated }

// Select is the statement that reads item id: SELECT name, price_cents FROM
// products WHERE id=42.
func (r Resource) Select(id int) string {
	r = r.orDefault()
	return "SELECT name, " + r.field + " FROM " + r.plural + " WHERE id=" + strconv.Itoa(id)
}

// Update is the statement that sets item id's field to v.
func (r Resource) Update(id, v int) string {
	r = r.orDefault()
	return "UPDATE " + r.plural + " SET " + r.field + "=" + strconv.Itoa(v) + " WHERE id=" + strconv.Itoa(id)
}

// Name is the name the database is seeded with for item id: "Glass Mug 42"
// in the product catalog, "Message 42" for a card's messages.
func (r Resource) Name(id int) string {
	r = r.orDefault()
	if r.catalog {
		return fmt.Sprintf("%s %s %d", adjectives[id%len(adjectives)], nouns[(id/len(adjectives))%len(nouns)], id)
	}
	return strings.ToUpper(r.singular[:1]) + r.singular[1:] + " " + strconv.Itoa(id)
}

// Show writes a value of the field for people: a field in cents as money
// ($20.53), any other as its name and number (reactions 2053).
func (r Resource) Show(v int) string {
	r = r.orDefault()
	if strings.HasSuffix(r.field, "_cents") {
		return fmt.Sprintf("$%d.%02d", v/100, v%100)
	}
	return r.field + " " + strconv.Itoa(v)
}

// Row is a row in words: "Glass Mug 42, $20.53".
func (r Resource) Row(name string, v int) string { return name + ", " + r.Show(v) }

var (
	adjectives = []string{"Steel", "Oak", "Glass", "Copper", "Linen", "Cedar", "Stone", "Wool", "Brass", "Slate"}
	nouns      = []string{"Lamp", "Chair", "Kettle", "Desk", "Mug", "Shelf", "Clock", "Rug", "Vase", "Stool"}
)
