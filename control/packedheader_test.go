package control

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// TestPackedHeaderRoundTrip: a packed header unpacks to the same header:
// several values in their order, names as given, empty and long values
// (lengths over one byte of varint); nil stays nil and empty stays empty.
func TestPackedHeaderRoundTrip(t *testing.T) {
	for name, h := range map[string]http.Header{
		"request": {"Content-Type": {"application/x-www-form-urlencoded"}, "Cookie": {"a=1; b=2"},
			"Accept-Encoding": {"gzip"}, "X-Forwarded-For": {"127.0.0.1", "::1"}},
		"odd names and values": {"non-canonical": {""}, "X-Long": {strings.Repeat("é", 300)}, "X-Empty": {"", ""}},
		"empty":                {},
		"nil":                  nil,
	} {
		got := packHeader(h).header()
		if !reflect.DeepEqual(got, h) {
			t.Errorf("%s: %v, want %v", name, got, h)
		}
	}
	if packHeader(http.Header{}) == nil {
		t.Error("an empty header packs to nil")
	}
	// a truncated one stops at the last whole value
	p := packHeader(http.Header{"A": {"1"}})
	p = append(p, packHeader(http.Header{"B": {"22"}})[:3]...)
	if got := p.header(); !reflect.DeepEqual(got, http.Header{"A": {"1"}}) {
		t.Errorf("truncated: %v", got)
	}
}
