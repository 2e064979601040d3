package paris

import (
	"testing"
	"time"
)

func TestLocation(t *testing.T) {
	if _, err := time.LoadLocationFromTZData("Europe/Paris", tzif); err != nil {
		t.Fatalf("the embedded zone does not load: %v", err)
	}
	tests := []struct {
		utc  string
		want string // Paris wall clock
	}{
		{"2026-01-15T12:00:00Z", "2026-01-15 13:00 CET"},
		{"2026-07-01T12:00:00Z", "2026-07-01 14:00 CEST"},
		// the last Sunday of March and of October, 01:00 UTC
		{"2026-03-29T00:59:00Z", "2026-03-29 01:59 CET"},
		{"2026-03-29T01:00:00Z", "2026-03-29 03:00 CEST"},
		{"2026-10-25T00:59:00Z", "2026-10-25 02:59 CEST"},
		{"2026-10-25T01:00:00Z", "2026-10-25 02:00 CET"},
		// beyond the file's transitions: its rule (the TZ string) applies
		{"2045-08-01T12:00:00Z", "2045-08-01 14:00 CEST"},
	}
	for _, tt := range tests {
		u, err := time.Parse(time.RFC3339, tt.utc)
		if err != nil {
			t.Fatal(err)
		}
		if got := u.In(Location()).Format("2006-01-02 15:04 MST"); got != tt.want {
			t.Errorf("%s in Paris = %s, want %s", tt.utc, got, tt.want)
		}
	}
}
