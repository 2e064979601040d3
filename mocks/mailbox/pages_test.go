package mailbox

import (
	"strings"
	"testing"
	"time"
)

// TestPagesShowParisTime: the list and a message say when it arrived as a
// clock in Paris does (winter UTC+1, summer UTC+2), not in UTC.
func TestPagesShowParisTime(t *testing.T) {
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC), "10:30:00"},
		{time.Date(2026, 7, 15, 9, 30, 0, 0, time.UTC), "11:30:00"},
	} {
		msg := &Message{ID: "m1", From: "a@example.test", To: []string{"b@example.test"}, Subject: "Objet", Date: tc.at}
		var list, one strings.Builder
		if err := pages().ExecuteTemplate(&list, "list", map[string]any{"List": []*Message{msg}}); err != nil {
			t.Fatal(err)
		}
		if err := pages().ExecuteTemplate(&one, "message", map[string]any{"Msg": msg}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(list.String(), "<td>"+tc.want+"</td>") || !strings.Contains(list.String(), "Reçu (heure de Paris)") {
			t.Errorf("%s: the list does not say %s in Paris:\n%s", tc.at, tc.want, list.String())
		}
		if !strings.Contains(one.String(), "reçu à "+tc.want+" (heure de Paris)") {
			t.Errorf("%s: the message does not say %s in Paris", tc.at, tc.want)
		}
	}
}
