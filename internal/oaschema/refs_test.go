package oaschema_test

import (
	"os"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/oaschema"
)

// refsDoc has components that refer to components: directly, in arrays,
// recursively, through a response, and a schema whose reference leaves the
// components.
const refsDoc = `
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /trees:
    get:
      responses:
        "200":
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/Tree"}
        "400": {$ref: "#/components/responses/Bad"}
  /odd:
    get:
      responses:
        "200":
          content:
            application/json:
              schema: {$ref: "#/paths/~1trees/get"}
components:
  responses:
    Bad:
      description: bad
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
  schemas:
    Error:
      type: object
      required: [code]
      properties:
        code: {$ref: "#/components/schemas/Code"}
    Code: {type: string, enum: [a, b]}
    Tree:
      type: object
      required: [name]
      additionalProperties: false
      properties:
        name: {type: string, pattern: '^\d{3}$'}
        children:
          type: array
          items: {$ref: "#/components/schemas/Tree"}
    Anything: true
`

func TestReferencesBetweenComponents(t *testing.T) {
	d, err := oaschema.Load([]byte(refsDoc))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		status  int
		body    string
		wantErr string
	}{
		{200, `[{"name":"123","children":[{"name":"456","children":[]}]}]`, ""},
		{200, `[{"name":"123","children":[{"name":"45"}]}]`, "45"},     // the pattern, two levels down
		{200, `[{"name":"123","children":[{"children":[]}]}]`, "name"}, // required, recursively
		{200, `[{"name":"123","leaves":[]}]`, "leaves"},                // additionalProperties
		{200, `{"name":"123"}`, "type"},                                // not an array
		{200, `[{"name":`, "not JSON"},                                 // not JSON at all
		{400, `{"code":"a"}`, ""},                                      // through components/responses
		{400, `{"code":"c"}`, "c"},                                     // an enum behind two references
	} {
		err := d.Answer("GET", "/trees", tc.status, "application/json", []byte(tc.body))
		if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%d %s: %v, want error containing %q", tc.status, tc.body, err, tc.wantErr)
		}
	}
	if err := d.Component("Anything", []byte(`[1, "deux"]`)); err != nil {
		t.Errorf("a true schema refused: %v", err)
	}
	if err := d.Component("Nothing", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "Nothing") {
		t.Errorf("an unknown component: %v", err)
	}
	// errors name the document's places, not the validator's $defs
	err = d.Answer("GET", "/trees", 200, "application/json", []byte(`[{"name":"1"}]`))
	if err == nil || !strings.Contains(err.Error(), "/components/schemas/Tree") || strings.Contains(err.Error(), "$defs") {
		t.Errorf("error %v, want it to name /components/schemas/Tree", err)
	}
	// a reference out of the components is reported, not ignored
	if err := d.Answer("GET", "/odd", 200, "application/json", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "paths") {
		t.Errorf("a reference to #/paths/…: %v, want it reported", err)
	}
}

// TestTheCoreDescriptions checks the ProConnect core's own documents: their
// schemas compile, and refuse what they describe as wrong.
func TestTheCoreDescriptions(t *testing.T) {
	load := func(name string) *oaschema.Document {
		raw, err := os.ReadFile("../../proconnect/httpapi/" + name)
		if err != nil {
			t.Fatal(err)
		}
		d, err := oaschema.Load(raw)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	api, psp := load("openapi.yaml"), load("psp-openapi.yaml")
	cert := `{"id":"c1","siren":"901001008","status":"completed","purpose":"certification","outcome":%q}`
	for _, tc := range []struct {
		doc          *oaschema.Document
		name, body   string
		wantAccepted bool
	}{
		{api, "Certification", strings.Replace(cert, "%q", `"certified"`, 1), true},
		{api, "Certification", strings.Replace(cert, "%q", `"presque"`, 1), false}, // Outcome, by reference
		{api, "Problem", `{"type":"about:blank","title":"t","status":400,"detail":"d"}`, true},
		{api, "Problem", `{"type":"about:blank","title":"t","status":"400","detail":"d"}`, false},
		{psp, "Claims", `{"iss":"i","aud":["p"],"iat":1,"exp":301,"jti":"j","event_type":"x","data":{}}`, true},
		{psp, "Claims", `{"iss":"i","aud":7,"iat":1,"exp":301,"jti":"j","event_type":"x","data":{}}`, false}, // oneOf
		{psp, "DirigeantRevoked", `{"certification_id":"c","siren":"s"}`, false},
	} {
		err := tc.doc.Component(tc.name, []byte(tc.body))
		if (err == nil) != tc.wantAccepted {
			t.Errorf("%s %s: %v, want accepted %v", tc.name, tc.body, err, tc.wantAccepted)
		}
	}
}
