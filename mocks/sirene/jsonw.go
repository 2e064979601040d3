package sirene

import (
	"strconv"
	"unicode/utf8"
)

// object is a JSON object that keeps its keys in INSEE's order, so that the
// mock answers field for field as the real API lists them, and that `champs`
// and `masquerValeursNulles` are simple filters. Values are nil (null),
// string, bool, int, object, []object or []string.
type object []kv

type kv struct {
	k string
	v any
}

// appendJSON encodes o; with hideNull, null members are left out (INSEE's
// masquerValeursNulles=true).
func (o object) appendJSON(b []byte, hideNull bool) []byte {
	b = append(b, '{')
	first := true
	for _, f := range o {
		if f.v == nil && hideNull {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, f.k)
		b = append(b, ':')
		b = appendValue(b, f.v, hideNull)
	}
	return append(b, '}')
}

func appendValue(b []byte, v any, hideNull bool) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case object:
		return x.appendJSON(b, hideNull)
	case []object:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = e.appendJSON(b, hideNull)
		}
		return append(b, ']')
	case []string:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, e)
		}
		return append(b, ']')
	}
	panic("sirene: unsupported JSON value") // a programming error: only the types above are built
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string (RFC 8259): quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced. Runs of bytes that need
// no escaping are copied at once (the common case: every key, most values).
// UTF-8 is checked from the first non-ASCII byte on, in the same pass: most
// strings are ASCII and are read once.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	quote, start, checked := len(b), 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf && !checked {
			if !utf8.ValidString(s[i:]) {
				return appendInvalid(b[:quote], s)
			}
			checked = true
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		if c == '"' || c == '\\' {
			b = append(b, '\\', c)
		} else {
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendInvalid is the slow path for a string with invalid UTF-8.
func appendInvalid(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
