package control

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
)

// failureNote is what the handlers of one request tell the failure log:
// the cause of a 5xx they answer, or that a fault was injected.
type failureNote struct {
	cause    error
	injected bool
}

type failureKey struct{}

// NoteCause records err as the cause of the 5xx the request of ctx is about
// to answer: the component's log line for that answer carries it, while the
// answer itself says no more than the client needs.
func NoteCause(ctx context.Context, err error) {
	if n, ok := ctx.Value(failureKey{}).(*failureNote); ok && err != nil {
		n.cause = err
	}
}

func noteInjected(ctx context.Context) {
	if n, ok := ctx.Value(failureKey{}).(*failureNote); ok {
		n.injected = true
	}
}

// logFailures logs every answer of status 500 or more, once, wherever it
// comes from (a route, a library, the control API): 500 at level ERROR,
// other 5xx (a provider that did not answer) at WARN, with the cause a
// handler noted (NoteCause) and the beginning of the answer. A fault that a
// scenario injected, and an answer to a client that had already gone, are
// logged at INFO as such: they are not the component's failures.
func (k *Kit) logFailures(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &failureRecorder{ResponseWriter: w}
		note := &failureNote{}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), failureKey{}, note)))
		if rec.status < 500 {
			return
		}
		log := k.Log
		if log == nil {
			log = slog.Default()
		}
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", rec.status}
		if note.cause != nil {
			attrs = append(attrs, "err", note.cause.Error())
		}
		if answer := strings.TrimSpace(string(rec.answer)); answer != "" {
			attrs = append(attrs, "answer", answer)
		}
		switch {
		case note.injected:
			log.Info("injected fault answered", attrs...)
		case r.Context().Err() != nil:
			log.Info("client gone before the answer", attrs...)
		case rec.status == http.StatusInternalServerError:
			log.Error("server error", attrs...)
		default:
			log.Warn("server error", attrs...)
		}
	})
}

// failureRecorder keeps a response's status and, for a 5xx, the beginning
// of its body.
type failureRecorder struct {
	http.ResponseWriter
	status int
	answer []byte
}

func (r *failureRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *failureRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.status >= 500 && len(r.answer) < answerKept {
		r.answer = append(r.answer, b[:min(len(b), answerKept-len(r.answer))]...)
	}
	return r.ResponseWriter.Write(b)
}

func (r *failureRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
