package mailbox_test

import (
	"context"
	"net"
	"net/http"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// client bounds the tests' HTTP calls in time.
var client = &http.Client{Timeout: 5 * time.Second}

// send delivers one message to destinataire@example.test; see sendTo.
func send(ctx context.Context, addr string, msg []byte) error {
	return sendTo(ctx, addr, "destinataire@example.test", msg)
}

// sendTo delivers one message over SMTP, the whole exchange bounded by
// ctx's deadline: a server that does not answer in time fails the call with
// a timeout instead of hanging the test. It returns the server's answer to
// the data: nil for 250, else a *textproto.Error (its Code, its Msg).
func sendTo(ctx context.Context, addr, to string, msg []byte) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			return err
		}
	}
	c, err := smtp.NewClient(conn, "127.0.0.1")
	if err != nil {
		return err
	}
	if err := c.Mail("expediteur@example.test"); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// nested is a message whose multipart/mixed parts nest depth levels deep,
// a text part at the bottom.
func nested(depth int) []byte {
	b := []byte("Subject: nested\r\nMIME-Version: 1.0\r\n")
	for i := range depth {
		b = append(b, "Content-Type: multipart/mixed; boundary=b"...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, "\r\n\r\n--b"...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "Content-Type: text/plain\r\n\r\nau fond\r\n"...)
	for i := depth - 1; i >= 0; i-- {
		b = append(b, "--b"...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, "--\r\n"...)
	}
	return b
}

// siblings is a message of n text parts side by side, each of about size
// bytes (in lines of 78 characters).
func siblings(n, size int) []byte {
	part := "--s\r\nContent-Type: text/plain\r\n\r\n" + strings.Repeat(strings.Repeat("x", 76)+"\r\n", size/78+1)
	return []byte("Subject: siblings\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=s\r\n\r\n" +
		strings.Repeat(part, n) + "--s--\r\n")
}

// withHeaders is a short text message whose header is head (lines ending
// in CRLF).
func withHeaders(head string) []byte {
	return []byte("Subject: en-tetes\r\n" + head + "Content-Type: text/plain\r\n\r\ncorps\r\n")
}

// fields is n header fields X-Champ-0… (lines ending in CRLF).
func fields(n int) string {
	b := make([]byte, 0, 24*n)
	for i := range n {
		b = append(b, "X-Champ-"...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, ": valeur\r\n"...)
	}
	return string(b)
}

// plain is a text message of about size bytes (lines of 76 characters)
// whose first line is first.
func plain(subject, first string, size int) []byte {
	var b strings.Builder
	b.Grow(size + 256)
	b.WriteString("Subject: " + subject + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + first + "\r\n")
	line := strings.Repeat("abcdefghij", 7) + "klmnop\r\n"
	for b.Len() < size {
		b.WriteString(line)
	}
	return []byte(b.String())
}
