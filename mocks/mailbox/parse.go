package mailbox

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

var reLink = regexp.MustCompile(`https?://[^\s"'<>]+`)

// Limits on a message's MIME structure. Each multipart level reads its body
// through the readers of the levels around it, each scanning for its own
// boundary, so the work per byte grows with the depth: a message nested
// 8,000 levels deep (450 KB) took a minute of CPU, in the process that also
// runs the core.
const (
	// maxDepth is how many multipart levels may nest. The core sends
	// multipart/alternative (one level); mail clients go as deep as
	// mixed > related > alternative, four levels inside a multipart/signed,
	// five with a list's footer. Ten is room to spare for real mail, and at
	// most ten passes over a message of 10 MB.
	maxDepth = 10
	// maxParts is how many parts one message may have, all levels together:
	// each costs a header and a reader. A message of a thousand parts is
	// no mail a person reads.
	maxParts = 1000
)

// errStructure is returned by parse for a message whose structure passes
// maxDepth or maxParts.
var errStructure = errors.New("MIME structure beyond the mailbox's limits")

// parse reads a message from r: the headers, the text and HTML parts, the
// links. It stops reading as soon as the structure passes maxDepth or
// maxParts (errStructure), and keeps no copy of the raw message.
func parse(r io.Reader) (*Message, error) {
	mm, err := mail.ReadMessage(r)
	if err != nil {
		return nil, err
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(mm.Header.Get("Subject"))
	if err != nil {
		subject = mm.Header.Get("Subject")
	}
	msg := &Message{Subject: subject, Headers: map[string][]string(mm.Header), Date: time.Now().UTC()}
	if d, err := mm.Header.Date(); err == nil {
		msg.Date = d.UTC()
	}
	var p parser
	if err := p.part(mm.Header.Get("Content-Type"), mm.Header.Get("Content-Transfer-Encoding"), mm.Body, 0); err != nil {
		return nil, err
	}
	msg.Text, msg.HTML = p.text.String(), p.html.String()
	msg.Links = links(msg.Text, msg.HTML)
	return msg, nil
}

// links are the distinct http(s) links of texts, in order. Each is a copy:
// a substring keeps the whole string it was cut from alive (cut from
// Text+" "+HTML, as they once were, the links held a second copy of the
// message's text and HTML).
func links(texts ...string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, t := range texts {
		for _, l := range reLink.FindAllString(t, -1) {
			l = strings.TrimRight(html.UnescapeString(l), ".,;)")
			if !seen[l] {
				seen[l] = true
				out = append(out, strings.Clone(l))
			}
		}
	}
	return out
}

// parser gathers the text and HTML of a message's parts, each kind in one
// buffer (appending part after part to a string copied it all each time).
type parser struct {
	parts      int
	text, html bytes.Buffer
}

// part reads one part (the message's body at depth 0), descending into a
// multipart's parts; depth is the number of multiparts around it.
func (p *parser) part(contentType, encoding string, body io.Reader, depth int) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, lineBreakDropper{body})
	}
	if strings.HasPrefix(mt, "multipart/") {
		if depth == maxDepth {
			return fmt.Errorf("%w: more than %d multipart levels", errStructure, maxDepth)
		}
		if params["boundary"] == "" {
			return fmt.Errorf("%s without a boundary", mt)
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			sub, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if p.parts++; p.parts > maxParts {
				return fmt.Errorf("%w: more than %d parts", errStructure, maxParts)
			}
			if err := p.part(sub.Header.Get("Content-Type"), sub.Header.Get("Content-Transfer-Encoding"), sub, depth+1); err != nil {
				return err
			}
		}
	}
	switch mt {
	case "text/html":
		_, err = p.html.ReadFrom(body)
	case "text/plain":
		_, err = p.text.ReadFrom(body)
	}
	return err
}

// countingReader counts what is read through it and keeps the first error
// other than io.EOF, so that the SMTP layer's own (552 for a message too
// large) reaches the client as it is, not as an unreadable message.
type countingReader struct {
	r   io.Reader
	n   int
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// lineBreakDropper removes CR and LF, which base64 bodies wrap with.
type lineBreakDropper struct{ r io.Reader }

func (d lineBreakDropper) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	k := 0
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' {
			p[k] = c
			k++
		}
	}
	return k, err
}
