// Package mailbox is the sandbox's mail catcher: an SMTP server
// (emersion/go-smtp) that keeps every message it receives, and an HTTP API
// and page to read them — list by recipient, read one (headers, text, HTML,
// the links it contains), clear. The ProConnect core sends its mail to it over
// real SMTP, so scenarios read the very mail a dirigeant would receive.
//
// It is not a mail server: it relays nothing and authenticates no one.
package mailbox
