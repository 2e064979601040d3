package ui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"strings"
	"sync"
)

// asset is one file of dist, read on its first request: every start of
// the sandbox used to read, gunzip and hash the whole design system once for
// each of the four components that serve it (5 to 7 ms each of `up`'s
// start, issue 14), for files most starts never serve.
type asset struct {
	path  string // in dist
	ctype string

	once     sync.Once
	body, gz []byte // gz is nil for files that do not gain from gzip
	etag     string
	err      error
}

// assets indexes dist by the name served under Prefix, once per process
// and shared by every component's Handler (the files are embedded and
// never change).
var assets = sync.OnceValue(func() map[string]*asset {
	index := map[string]*asset{}
	_ = fs.WalkDir(dist, "dist", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, "dist/"), ".gz")
		index[name] = &asset{path: p, ctype: contentType(name)}
		return nil
	})
	return index
})

// load reads the file, gunzips it if it is stored gzipped, and names its
// content by its SHA-256 (the ETag is the same for both encodings).
func (a *asset) load() {
	b, err := dist.ReadFile(a.path)
	if err != nil {
		a.err = err
		return
	}
	a.body = b
	if strings.HasSuffix(a.path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			a.err = err
			return
		}
		if a.body, err = io.ReadAll(zr); err != nil {
			a.err = err
			return
		}
		a.gz = b
	}
	sum := sha256.Sum256(a.body)
	a.etag = `"` + hex.EncodeToString(sum[:8]) + `"`
}
