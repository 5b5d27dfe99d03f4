package gateway

import "testing"

func TestRouteMatch(t *testing.T) {
	tests := []struct {
		pattern, method, path string
		want                  bool
	}{
		{"GET /products/{id}", "GET", "/products/42", true},
		{"GET /products/{id}", "GET", "/products/abc", true}, // the service judges the id
		{"PUT /products/{id}", "PUT", "/products/42", true},
		{"GET /products/{id}", "PUT", "/products/42", false},
		{"GET /products/{id}", "HEAD", "/products/42", false},
		{"GET /products/{id}", "get", "/products/42", false},
		{"GET /products/{id}", "GET", "/products", false},
		{"GET /products/{id}", "GET", "/products/", false},
		{"GET /products/{id}", "GET", "/products/42/", false},
		{"GET /products/{id}", "GET", "/products/42/reviews", false},
		{"GET /products/{id}", "GET", "/users/42", false},
		{"GET /products/{id}", "GET", "/", false},
		{"GET /products/{id}", "GET", "", false},
		{"GET /products/{id}", "GET", "//products/42", false},
		{"GET /products/{id}/reviews/{n}", "GET", "/products/42/reviews/7", true},
		{"GET /products/{id}/reviews/{n}", "GET", "/products/42/ratings/7", false},
		{"GET /products/{id}/reviews/{n}", "GET", "/products//reviews/7", false},
		{"GET /health", "GET", "/health", true},
		{"GET /health", "GET", "/healthz", false},
		{"GET /health", "GET", "/health/", false},
		{"GET /", "GET", "/", true},
		{"GET /", "GET", "/x", false},
	}
	for _, tt := range tests {
		if got := parseRoute(tt.pattern).match(tt.method, tt.path); got != tt.want {
			t.Errorf("%q matches %s %q: %v, want %v", tt.pattern, tt.method, tt.path, got, tt.want)
		}
	}
}

func TestParseRouteKeepsThePattern(t *testing.T) {
	rt := parseRoute("PUT /products/{id}")
	if rt.method != "PUT" || rt.path != "/products/{id}" || rt.pattern != "PUT /products/{id}" {
		t.Errorf("parseRoute: %+v", rt)
	}
}
