package control_test

import (
	"net/http"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
)

// TestDecodeJSONTakesOneValue: a body is one JSON value; what follows it
// (another value, a word) is refused, white space is not (RFC 8259 §2).
func TestDecodeJSONTakesOneValue(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v struct {
			A int `json:"a"`
		}
		if control.DecodeJSON(w, r, &v) {
			w.WriteHeader(http.StatusNoContent)
		}
	})
	cases := []struct {
		name, ct, body string
		want           int
	}{
		{"two objects", "application/json", `{}{}`, 400},
		{"trailing word", "application/json", `{} x`, 400},
		{"trailing brace", "application/json", `{"a":1}}`, 400},
		{"trailing array", "application/json", `{"a":1}[]`, 400},
		{"unknown field", "application/json", `{"b":1}`, 400},
		{"one object", "application/json", `{"a":1}`, 204},
		{"trailing white space", "application/json; charset=utf-8", "{\"a\":1} \r\n\t\n", 204},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.ct != "" {
				hdr["Content-Type"] = tc.ct
			}
			rec := send(h, "POST", "http://localhost/api", tc.body, hdr)
			if tc.want == 204 {
				if rec.Code != 204 {
					t.Errorf("%d %s, want 204", rec.Code, rec.Body)
				}
				return
			}
			wantProblem(t, tc.name, rec, tc.want)
		})
	}
}
