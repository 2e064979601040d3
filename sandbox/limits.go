package sandbox

import (
	"context"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// Limits bound what one client can hold of a component: a request whose body
// never arrives, or thousands of open connections, must not freeze the
// sandbox (each component also answers the others in the same process).
// The zero value means the defaults below.
type Limits struct {
	// ReadTimeout bounds reading a whole request, headers and body
	// (default 30 s; the headers alone: 10 s).
	ReadTimeout time.Duration
	// WriteTimeout bounds a whole exchange, from the end of the headers to
	// the last byte of the answer (default 60 s: the core's longest wait,
	// the register, is 10 s).
	WriteTimeout time.Duration
	// MaxConns bounds the connections one listener (HTTP or SMTP) holds at
	// once; more wait in the system's queue until one closes (default:
	// a share of the process's file descriptors, at most 4,096).
	MaxConns int
}

const (
	defaultReadTimeout  = 30 * time.Second
	defaultWriteTimeout = 60 * time.Second
	readHeaderTimeout   = 10 * time.Second
	idleTimeout         = 60 * time.Second
	maxHeaderBytes      = 64 << 10
	maxConnsCap         = 4096
	minConns            = 64
)

// withDefaults fills what l leaves at zero; listeners is how many listeners
// share the process's file descriptors.
func (l Limits) withDefaults(listeners int) Limits {
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = defaultReadTimeout
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = defaultWriteTimeout
	}
	if l.MaxConns <= 0 {
		l.MaxConns = connsPerListener(openFileLimit(), listeners)
	}
	return l
}

// connsPerListener shares three quarters of the descriptors between the
// listeners; the rest is for the connections the components open (to each
// other, to portals, to the mail server), the store and the logs.
func connsPerListener(fileLimit uint64, listeners int) int {
	if fileLimit == 0 || listeners <= 0 {
		return maxConnsCap
	}
	n := fileLimit * 3 / 4 / uint64(listeners)
	return int(min(max(n, minConns), maxConnsCap))
}

// server is the http.Server of one component.
func (l Limits) server(h http.Handler, base context.Context) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: min(readHeaderTimeout, l.ReadTimeout), ReadTimeout: l.ReadTimeout,
		WriteTimeout: l.WriteTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: maxHeaderBytes,
		BaseContext: func(net.Listener) context.Context { return base }}
}

// listener bounds the connections ln accepts at once.
func (l Limits) listener(ln net.Listener) net.Listener { return netutil.LimitListener(ln, l.MaxConns) }
