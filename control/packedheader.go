package control

import (
	"encoding/binary"
	"net/http"
)

// packedHeader is a recorded header in one allocation: each value as its
// name and the value, each after its length (uvarint). The journal keeps
// one per side of each of its 4,096 exchanges when it records details:
// a copy of the header map cost a map, a slice of values and every string
// the request's header held, on every request (issue 14: the clones were
// 3 % of the FranceConnect mock's CPU, and the largest part of what its
// journal keeps). It is turned back into a header when the journal is
// read, rarely. nil is no header; an empty header packs to an empty,
// non-nil slice.
type packedHeader []byte

// packHeader packs h: names as they are (canonical or not), the values of
// a name in their order.
func packHeader(h http.Header) packedHeader {
	if h == nil {
		return nil
	}
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += uvarintLen(len(k)) + len(k) + uvarintLen(len(v)) + len(v)
		}
	}
	b := make([]byte, 0, n)
	for k, vs := range h {
		for _, v := range vs {
			b = binary.AppendUvarint(b, uint64(len(k)))
			b = append(b, k...)
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	return b
}

// header unpacks p; a name packed with no value (an empty slice in the
// map) is left out, as it would not be sent either.
func (p packedHeader) header() http.Header {
	if p == nil {
		return nil
	}
	h := http.Header{}
	for len(p) > 0 {
		var k, v string
		var ok bool
		if k, p, ok = field(p); !ok {
			break
		}
		if v, p, ok = field(p); !ok {
			break
		}
		h[k] = append(h[k], v)
	}
	return h
}

// field reads one length-prefixed string.
func field(p []byte) (string, []byte, bool) {
	n, size := binary.Uvarint(p)
	if size <= 0 || uint64(len(p)-size) < n {
		return "", nil, false
	}
	p = p[size:]
	return string(p[:n]), p[n:], true
}

func uvarintLen(n int) int {
	size := 1
	for ; n >= 0x80; n >>= 7 {
		size++
	}
	return size
}
