// Package oaschema checks JSON documents against an OpenAPI 3.1 description:
// the answer of an operation (method, path template, status) or a component
// schema. OpenAPI 3.1 schemas are JSON Schema 2020-12. It is for tests and
// the conformance harness, which check that what the sandbox answers is what
// it publishes.
//
// The validator is github.com/google/jsonschema-go, whose package
// initialisation is cheap: the binary links this package (for the
// conformance subcommand), and every start of the binary pays the
// initialisation of what it links, `version` and the container's health
// check included (issue 14). That library resolves a $ref only within a
// schema, so a schema taken from the document is given the document's
// components.schemas as its $defs, and "#/components/schemas/X" references
// become "#/$defs/X": any other reference out of a schema is reported as
// unresolved.
package oaschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"
	"go.yaml.in/yaml/v3"
)

// Document is a loaded OpenAPI description.
type Document struct {
	doc   map[string]any // as JSON decodes it, schema references rewritten
	defs  any            // components.schemas, or nil
	mu    sync.Mutex
	cache map[string]*jsonschema.Resolved
}

const (
	componentRef = "#/components/schemas/"
	defsRef      = "#/$defs/"
)

// Load reads an OpenAPI 3.1 document (YAML or JSON).
func Load(raw []byte) (*Document, error) {
	var y map[string]any
	if err := yaml.Unmarshal(raw, &y); err != nil {
		return nil, fmt.Errorf("oaschema: %w", err)
	}
	// a JSON round trip: the values a JSON schema validator expects
	// (float64 numbers, map[string]any objects)
	b, err := json.Marshal(y)
	if err != nil {
		return nil, fmt.Errorf("oaschema: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("oaschema: %w", err)
	}
	rewriteRefs(doc)
	defs, _ := lookup(doc, "components", "schemas")
	return &Document{doc: doc, defs: defs, cache: map[string]*jsonschema.Resolved{}}, nil
}

// rewriteRefs turns every "$ref": "#/components/schemas/…" under v into
// "#/$defs/…".
func rewriteRefs(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if ref, ok := e.(string); ok && k == "$ref" && strings.HasPrefix(ref, componentRef) {
				v[k] = defsRef + strings.TrimPrefix(ref, componentRef)
				continue
			}
			rewriteRefs(e)
		}
	case []any:
		for _, e := range v {
			rewriteRefs(e)
		}
	}
}

// pointer escapes a JSON pointer token.
func pointer(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// schema compiles, once, the schema at the JSON pointer ptr of the
// document (tokens escaped with pointer).
func (d *Document) schema(ptr string) (*jsonschema.Resolved, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.cache[ptr]; ok {
		return s, nil
	}
	var keys []string
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		keys = append(keys, strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~"))
	}
	node, ok := lookup(d.doc, keys...)
	if !ok {
		return nil, fmt.Errorf("oaschema: no schema at %s", ptr)
	}
	root := map[string]any{}
	switch node := node.(type) {
	case map[string]any:
		for k, v := range node {
			root[k] = v
		}
	case bool: // true accepts anything, false nothing
		if !node {
			root["not"] = map[string]any{}
		}
	default:
		return nil, fmt.Errorf("oaschema: %s is not a schema", ptr)
	}
	if d.defs != nil {
		if _, taken := root["$defs"]; taken {
			return nil, fmt.Errorf("oaschema: the schema at %s has its own $defs, which the document's components would hide", ptr)
		}
		root["$defs"] = d.defs
	}
	b, err := json.Marshal(root)
	if err != nil {
		return nil, fmt.Errorf("oaschema: %s: %w", ptr, err)
	}
	var js jsonschema.Schema
	if err := json.Unmarshal(b, &js); err != nil {
		return nil, fmt.Errorf("oaschema: %s: %w", ptr, err)
	}
	s, err := js.Resolve(nil)
	if err != nil {
		return nil, fmt.Errorf("oaschema: %s: %w", ptr, err)
	}
	d.cache[ptr] = s
	return s, nil
}

// Component checks v (a JSON document) against components.schemas.name.
func (d *Document) Component(name string, v []byte) error {
	s, err := d.schema("/components/schemas/" + pointer(name))
	if err != nil {
		return err
	}
	return validate(s, v)
}

// Answer checks an answer of the operation at path (a template of the
// document, e.g. /certifications/{id}) with method, status and media type,
// against the schema the document gives it. An answer the document does
// not describe is an error.
func (d *Document) Answer(method, path string, status int, mediaType string, body []byte) error {
	op, ok := lookup(d.doc, "paths", path, strings.ToLower(method))
	if !ok {
		return fmt.Errorf("the description has no operation %s %s", method, path)
	}
	ptr := "/paths/" + pointer(path) + "/" + strings.ToLower(method) + "/responses/" + strconv.Itoa(status)
	resp, ok := lookup(op, "responses", strconv.Itoa(status))
	if !ok {
		return fmt.Errorf("%s %s: the description lists no answer %d", method, path, status)
	}
	if ref, isRef := resp.(map[string]any)["$ref"].(string); isRef { // components/responses/X
		name := strings.TrimPrefix(ref, "#/components/responses/")
		if resp, ok = lookup(d.doc, "components", "responses", name); !ok {
			return fmt.Errorf("%s %s %d: unresolved %s", method, path, status, ref)
		}
		ptr = "/components/responses/" + pointer(name)
	}
	content, ok := lookup(resp, "content", mediaType)
	if !ok {
		if body == nil || len(bytes.TrimSpace(body)) == 0 {
			return nil // an answer without body, as described
		}
		return fmt.Errorf("%s %s %d: the description gives no %s content", method, path, status, mediaType)
	}
	if _, ok := lookup(content, "schema"); !ok {
		return nil
	}
	s, err := d.schema(ptr + "/content/" + pointer(mediaType) + "/schema")
	if err != nil {
		return err
	}
	if err := validate(s, body); err != nil {
		return fmt.Errorf("%s %s %d: %w", method, path, status, err)
	}
	return nil
}

func lookup(v any, keys ...string) (any, bool) {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

func validate(s *jsonschema.Resolved, body []byte) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := s.Validate(v); err != nil {
		// the places where the document has them
		return errors.New(strings.ReplaceAll(err.Error(), "/$defs/", "/components/schemas/"))
	}
	return nil
}

// Template returns the path template of the document that path matches
// (/certifications/abc → /certifications/{id}), trying literal segments
// before parameters.
func (d *Document) Template(path string) (string, bool) {
	paths, _ := d.doc["paths"].(map[string]any)
	segs := strings.Split(strings.Trim(path, "/"), "/")
	best, bestLiterals := "", -1
	for tpl := range paths {
		tsegs := strings.Split(strings.Trim(tpl, "/"), "/")
		if len(tsegs) != len(segs) {
			continue
		}
		literals, ok := 0, true
		for i, t := range tsegs {
			switch {
			case strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}"):
			case t == segs[i]:
				literals++
			default:
				ok = false
			}
		}
		if ok && literals > bestLiterals {
			best, bestLiterals = tpl, literals
		}
	}
	return best, bestLiterals >= 0
}
