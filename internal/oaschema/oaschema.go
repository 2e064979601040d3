// Package oaschema checks JSON documents against an OpenAPI 3.1 description:
// the answer of an operation (method, path template, status) or a component
// schema. OpenAPI 3.1 schemas are JSON Schema 2020-12; the whole document is
// loaded as one resource, so that their $refs resolve. It is for tests and
// the conformance harness, which check that what the sandbox answers is what
// it publishes.
package oaschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// Document is a loaded OpenAPI description.
type Document struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	mu       sync.Mutex
	cache    map[string]*jsonschema.Schema
}

// Load reads an OpenAPI 3.1 document (YAML or JSON).
func Load(raw []byte) (*Document, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("oaschema: %w", err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("oaschema: %w", err)
	}
	loaded, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("oaschema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("openapi.json", loaded); err != nil {
		return nil, fmt.Errorf("oaschema: %w", err)
	}
	return &Document{doc: doc, compiler: c, cache: map[string]*jsonschema.Schema{}}, nil
}

// pointer escapes a JSON pointer token.
func pointer(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

func (d *Document) schema(ptr string) (*jsonschema.Schema, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.cache[ptr]; ok {
		return s, nil
	}
	s, err := d.compiler.Compile("openapi.json#" + ptr)
	if err != nil {
		return nil, err
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

func validate(s *jsonschema.Schema, body []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.Validate(v)
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
