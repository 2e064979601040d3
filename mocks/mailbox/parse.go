package mailbox

import (
	"bytes"
	"encoding/base64"
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

// parse reads headers, the text and HTML parts, and the links.
func parse(raw []byte) (*Message, error) {
	mm, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(mm.Header.Get("Subject"))
	if err != nil {
		subject = mm.Header.Get("Subject")
	}
	msg := &Message{Subject: subject, Headers: map[string][]string(mm.Header), Size: len(raw), Date: time.Now().UTC()}
	if d, err := mm.Header.Date(); err == nil {
		msg.Date = d.UTC()
	}
	if err := readPart(mm.Header.Get("Content-Type"), mm.Header.Get("Content-Transfer-Encoding"), mm.Body, msg); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, l := range reLink.FindAllString(msg.Text+" "+msg.HTML, -1) {
		l = strings.TrimRight(html.UnescapeString(l), ".,;)")
		if !seen[l] {
			seen[l] = true
			msg.Links = append(msg.Links, l)
		}
	}
	if msg.Links == nil {
		msg.Links = []string{}
	}
	return msg, nil
}

func readPart(contentType, encoding string, body io.Reader, msg *Message) error {
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
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := readPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, msg); err != nil {
				return err
			}
		}
	}
	b, err := io.ReadAll(io.LimitReader(body, 10<<20))
	if err != nil {
		return err
	}
	switch mt {
	case "text/html":
		msg.HTML += string(b)
	case "text/plain":
		msg.Text += string(b)
	}
	return nil
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
