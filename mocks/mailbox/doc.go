// Package mailbox is the sandbox's mail catcher: an SMTP server
// (emersion/go-smtp) that keeps the messages it receives, and an HTTP API
// and page to read them — list by recipient, read one (headers, text, HTML,
// the links it contains), clear. The ProConnect core sends its mail to it over
// real SMTP, so scenarios read the very mail a dirigeant would receive.
//
// It runs in the process of the core, so what one message can cost is
// bounded: its MIME structure (maxDepth, maxParts, refused at once with
// 554) and the memory all kept messages take (Config.MaxBytes, oldest
// dropped first). With a control token set, reading the messages needs it.
//
// It is not a mail server: it relays nothing, and its SMTP side
// authenticates no one.
package mailbox
