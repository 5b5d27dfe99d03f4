package resource_test

import (
	"testing"

	"github.com/archex/archex/components/resource"
)

func TestTheWordsOfAResource(t *testing.T) {
	chat := resource.New("message", "", "reactions")
	feed := resource.New("entry", "entries", "views")
	var zero resource.Resource
	tests := []struct{ got, want string }{
		{resource.Default.Path(42), "/products/42"},
		{zero.Path(42), "/products/42"}, // the zero value is the default
		{resource.Default.Key(42), "product:42"},
		{resource.Default.Pattern("GET"), "GET /products/{id}"},
		{resource.Default.Select(42), "SELECT name, price_cents FROM products WHERE id=42"},
		{resource.Default.Update(9, 1299), "UPDATE products SET price_cents=1299 WHERE id=9"},
		{resource.Default.Name(42), "Glass Mug 42"},
		{resource.Default.Row("Glass Mug 42", 2053), "Glass Mug 42, $20.53"},
		{resource.Default.Viewed(), "product.viewed"},
		{resource.Default.StatsTable(), "product_stats"},
		{chat.Path(42), "/messages/42"},
		{chat.Key(42), "message:42"},
		{chat.Select(42), "SELECT name, reactions FROM messages WHERE id=42"},
		{chat.Name(42), "Message 42"},
		{chat.Row("Message 42", 2053), "Message 42, reactions 2053"},
		{chat.Updated(), "message.updated"},
		{feed.Table(), "entries"},
		{feed.Pattern("PUT"), "PUT /entries/{id}"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	for path, want := range map[string]int{"/messages/7": 7, "/messages/x": -1, "/products/7": -1, "/messages/": -1} {
		id, ok := chat.ID(path)
		if (want < 0 && ok) || (want >= 0 && (!ok || id != want)) {
			t.Errorf("ID(%q) = %d, %v; want %d", path, id, ok, want)
		}
	}
}
