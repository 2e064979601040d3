package es256

import (
	"bytes"
	"testing"
)

// TestDERToRaw: R and S are right-aligned in their 32 bytes whatever the
// length of their DER integers (a sign byte, a short value); anything
// else than one SEQUENCE of two INTEGERs of at most 32 bytes is refused.
func TestDERToRaw(t *testing.T) {
	full := append([]byte{0x80}, bytes.Repeat([]byte{1}, 31)...)
	for name, tc := range map[string]struct {
		der  []byte
		want []byte // nil: refused
	}{
		"sign byte and short S": {
			der:  append(append([]byte{0x30, 2 + 33 + 2 + 2, 0x02, 33, 0}, full...), 0x02, 2, 0x12, 0x34),
			want: append(append(bytes.Clone(full), make([]byte, 30)...), 0x12, 0x34),
		},
		"not a sequence":   {der: []byte{0x31, 6, 0x02, 1, 1, 0x02, 1, 1}},
		"wrong length":     {der: []byte{0x30, 7, 0x02, 1, 1, 0x02, 1, 1}},
		"integer too long": {der: append(append([]byte{0x30, 2 + 33 + 3, 0x02, 33, 1}, full...), 0x02, 1, 1)},
		"trailing bytes":   {der: []byte{0x30, 7, 0x02, 1, 1, 0x02, 1, 1, 0}},
		"one integer":      {der: []byte{0x30, 3, 0x02, 1, 1}},
	} {
		t.Run(name, func(t *testing.T) {
			var out [64]byte
			ok := derToRaw(tc.der, out[:])
			if ok != (tc.want != nil) || (ok && !bytes.Equal(out[:], tc.want)) {
				t.Errorf("ok %v, %x; want %x", ok, out, tc.want)
			}
		})
	}
}
