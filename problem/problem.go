// Package problem writes RFC 9457 problem details (application/problem+json),
// the error format of the ProConnect API and of every component's control
// API. One writer, one base for the types: a problem's type is a stable
// identifier clients may compare.
package problem

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
)

// Base prefixes every problem type.
const Base = "https://proconnect-sandbox.example/problems/"

// Write answers status with a problem: typ is a short stable slug (the
// type is Base+typ), title a constant summary, detail this occurrence;
// extra adds members (e.g. "field" for a validation error).
func Write(w http.ResponseWriter, status int, typ, title, detail string, extra map[string]any) {
	body := map[string]any{"type": Base + typ, "title": title, "status": status, "detail": detail}
	for k, v := range extra {
		body[k] = v
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
}

// JSONError words a JSON decoding error for a client: where the body went
// wrong and what was expected, in JSON's terms ("an array where an object
// was expected"), never the Go types the message of encoding/json names.
func JSONError(err error) string {
	var (
		typ    *json.UnmarshalTypeError
		syntax *json.SyntaxError
		big    *http.MaxBytesError
	)
	switch {
	case errors.As(err, &typ):
		where := "the body"
		if typ.Field != "" {
			where = "field " + typ.Field
		}
		return fmt.Sprintf("%s: %s where %s was expected", where, withArticle(typ.Value), withArticle(JSONKind(typ.Type)))
	case errors.As(err, &syntax):
		return fmt.Sprintf("not JSON at byte %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &big):
		return fmt.Sprintf("the body is over %d bytes", big.Limit)
	case errors.Is(err, io.EOF):
		return "the body is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the body ends before its JSON value does"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// JSONKind names the JSON type a Go type decodes from: object, array,
// string, boolean, number, or value when it cannot say.
func JSONKind(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Pointer:
		return JSONKind(t.Elem())
	}
	return "value"
}

func withArticle(kind string) string {
	if kind == "" {
		return "a value"
	}
	switch kind[0] {
	case 'a', 'e', 'i', 'o', 'u':
		return "an " + kind
	}
	return "a " + kind
}
