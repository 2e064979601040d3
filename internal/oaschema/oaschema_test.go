package oaschema_test

import (
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/oaschema"
)

const doc = `
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /things/{id}:
    get:
      responses:
        "200":
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
        "404": {$ref: "#/components/responses/Problem"}
components:
  responses:
    Problem:
      description: a problem
      content:
        application/problem+json:
          schema: {type: object, required: [type, status]}
  schemas:
    Thing:
      type: object
      required: [id]
      properties:
        id: {type: string}
        n: {type: integer}
`

func TestAnswersAndComponents(t *testing.T) {
	d, err := oaschema.Load([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path string
		status       int
		media, body  string
		wantErr      string
	}{
		{"GET", "/things/{id}", 200, "application/json", `{"id":"a","n":1}`, ""},
		{"GET", "/things/{id}", 200, "application/json", `{"n":1}`, "id"},
		{"GET", "/things/{id}", 200, "application/json", `{"id":"a","n":"un"}`, "n"},
		{"GET", "/things/{id}", 404, "application/problem+json", `{"type":"x","status":404}`, ""},
		{"GET", "/things/{id}", 404, "application/problem+json", `{"title":"x"}`, "type"},
		{"GET", "/things/{id}", 500, "application/json", `{}`, "no answer 500"},
		{"POST", "/things/{id}", 200, "application/json", `{}`, "no operation"},
		{"GET", "/things/{id}", 200, "text/html", `<p>`, "no text/html"},
	} {
		err := d.Answer(tc.method, tc.path, tc.status, tc.media, []byte(tc.body))
		if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s %s %d %s: %v, want error containing %q", tc.method, tc.path, tc.status, tc.body, err, tc.wantErr)
		}
	}
	if err := d.Component("Thing", []byte(`{"id":"a"}`)); err != nil {
		t.Error(err)
	}
	if err := d.Component("Thing", []byte(`{"id":2}`)); err == nil {
		t.Error("a Thing with a numeric id passed")
	}
}

func TestTemplate(t *testing.T) {
	d, err := oaschema.Load([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if tpl, ok := d.Template("/things/42"); !ok || tpl != "/things/{id}" {
		t.Errorf("Template(/things/42) = %q %v", tpl, ok)
	}
	if _, ok := d.Template("/things/42/more"); ok {
		t.Error("a longer path matched")
	}
}
