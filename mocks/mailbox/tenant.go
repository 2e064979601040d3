package mailbox

import (
	"net/http"
	"slices"
	"sync/atomic"

	"github.com/emersion/go-smtp"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
)

// A shared sandbox: the core names, in each mail it sends for a portal,
// that portal (control.PortalHeader). A portal's control token reads only
// the messages that name it, and stops only their delivery; the owner's
// token reads and stops everything.

// smtpOutageAllowed lets a portal's token call /__sandbox/smtp-outage, which
// then stops only its own mail.
func smtpOutageAllowed(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/__sandbox/smtp-outage"
}

// portalOf is the portal a message was sent for, "" if it names none.
func portalOf(msg *Message) string {
	if v := msg.Headers[control.PortalHeader]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// ownMail keeps, for a portal's token, the messages sent for that portal;
// for the owner, every message.
func ownMail(r *http.Request, list []*Message) []*Message {
	own, scoped := control.PortalScope(r.Context())
	if !scoped {
		return list
	}
	return slices.DeleteFunc(list, func(msg *Message) bool { return portalOf(msg) != own })
}

// refusingFor is the outage counter of one portal's mail.
func (m *Mailbox) refusingFor(portal string) *atomic.Int64 {
	c, _ := m.portalRefusing.LoadOrStore(portal, new(atomic.Int64))
	return c.(*atomic.Int64)
}

// refusePortal refuses msg with 451, as a mail server that is down, while
// the outage of the portal it was sent for lasts. It is decided once the
// header is read (DATA): the portal is named there, not in the envelope.
func (m *Mailbox) refusePortal(msg *Message) error {
	portal := portalOf(msg)
	if portal == "" {
		return nil
	}
	c, ok := m.portalRefusing.Load(portal)
	if !ok {
		return nil
	}
	n := c.(*atomic.Int64)
	for {
		left := n.Load()
		if left <= 0 {
			return nil
		}
		if n.CompareAndSwap(left, left-1) {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "mail server down for this portal's mail (sandbox fault): try again later"}
		}
	}
}
