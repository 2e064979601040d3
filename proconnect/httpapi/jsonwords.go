package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
)

// jsonErrorWords says, in French, where a request body went wrong and what
// was expected, in JSON's terms (« un tableau au lieu d'un objet »), never
// the Go types encoding/json names: the API's problem details are read by
// people (problem.JSONError says the same in English for the control API).
func jsonErrorWords(err error) string {
	var (
		typ    *json.UnmarshalTypeError
		syntax *json.SyntaxError
		big    *http.MaxBytesError
	)
	switch {
	case errors.As(err, &typ):
		where := "le corps"
		if typ.Field != "" {
			where = "le champ " + typ.Field
		}
		return fmt.Sprintf("%s : %s au lieu %s", where, jsonValueWords(typ.Value), jsonKindWords(typ.Type))
	case errors.As(err, &syntax):
		return fmt.Sprintf("ce n'est pas du JSON à l'octet %d", syntax.Offset)
	case errors.As(err, &big):
		return fmt.Sprintf("le corps dépasse %d octets", big.Limit)
	case errors.Is(err, io.EOF):
		return "le corps est vide"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "le corps s'arrête avant la fin de sa valeur JSON"
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "champ inconnu " + field
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// jsonValueWords names the JSON value a body held (encoding/json's words:
// object, array, string, number, bool, null).
func jsonValueWords(v string) string {
	switch {
	case v == "object":
		return "un objet"
	case v == "array":
		return "un tableau"
	case v == "string":
		return "une chaîne"
	case v == "bool":
		return "un booléen"
	case v == "null":
		return "null"
	case strings.HasPrefix(v, "number"):
		return "un nombre"
	}
	return "une valeur"
}

// kindWords says « d'un … » for the JSON types problem.JSONKind names.
var kindWords = map[string]string{"object": "d'un objet", "array": "d'un tableau", "string": "d'une chaîne",
	"boolean": "d'un booléen", "number": "d'un nombre"}

// jsonKindWords says « d'un … » for the JSON type a Go type decodes from.
func jsonKindWords(t reflect.Type) string {
	if w, ok := kindWords[problem.JSONKind(t)]; ok {
		return w
	}
	return "d'une autre valeur"
}
