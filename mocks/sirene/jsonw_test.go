package sirene

import (
	"encoding/json"
	"testing"
)

// FuzzAppendString checks the hand-written encoder against encoding/json:
// whatever the input, the output decodes back to the same string (invalid
// UTF-8 becomes U+FFFD, as encoding/json does).
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "DUBOIS", `a"b\\c`, "\x00\x1f\n", "Élodie", "\xff\xfe", "é\"\x01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendString(nil, s)
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s: %v", s, out, err)
		}
		want, _ := json.Marshal(s)
		var w string
		_ = json.Unmarshal(want, &w)
		if got != w {
			t.Fatalf("%q: got %q, encoding/json gives %q", s, got, w)
		}
	})
}
