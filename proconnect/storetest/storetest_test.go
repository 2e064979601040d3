package storetest

import (
	"strings"
	"testing"
)

func TestCheckSkips(t *testing.T) {
	name := Tests[0].Name
	for _, tc := range []struct {
		skip map[string]string
		want string
	}{
		{nil, ""},
		{map[string]string{name: "the backend cannot do it"}, ""},
		{map[string]string{"no such test": "why"}, `skip names "no such test"`},
		{map[string]string{name: "  "}, "gives no reason"},
	} {
		err := checkSkips(tc.skip)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("checkSkips(%v) = %v, want %q", tc.skip, err, tc.want)
		}
	}
}
