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

// exchangeNotes is what the handlers of one request tell the middleware
// (the journal's client, the failure log's cause), and the scenario tag
// the request came with.
type exchangeNotes struct {
	scenario string
	client   string
	claimed  string
	flow     string
	failureNote
}

type exchangeKey struct{}

func notesFrom(ctx context.Context) *exchangeNotes {
	n, _ := ctx.Value(exchangeKey{}).(*exchangeNotes)
	return n
}

// NoteCause records err as the cause of the 5xx the request of ctx is about
// to answer: the component's log line for that answer carries it, while the
// answer itself says no more than the client needs.
func NoteCause(ctx context.Context, err error) {
	if n := notesFrom(ctx); n != nil && err != nil {
		n.cause = err
	}
}

func noteInjected(ctx context.Context) {
	if n := notesFrom(ctx); n != nil {
		n.injected = true
	}
}

// logFailure logs an answer of status 500 or more, once, wherever it
// comes from (a route, a library, the control API): 500 at level ERROR,
// other 5xx (a provider that did not answer) at WARN, with the cause a
// handler noted (NoteCause) and the beginning of the answer. A fault that a
// scenario injected, and an answer to a client that had already gone, are
// logged at INFO as such: they are not the component's failures.
func (k *Kit) logFailure(r *http.Request, status int, note *failureNote, answer []byte) {
	log := k.Log
	if log == nil {
		log = slog.Default()
	}
	attrs := []any{"method", r.Method, "path", r.URL.Path, "status", status}
	if note.cause != nil {
		attrs = append(attrs, "err", note.cause.Error())
	}
	if answer := strings.TrimSpace(string(answer)); answer != "" {
		attrs = append(attrs, "answer", answer)
	}
	switch {
	case note.injected:
		log.Info("injected fault answered", attrs...)
	case r.Context().Err() != nil:
		log.Info("client gone before the answer", attrs...)
	case status == http.StatusInternalServerError:
		log.Error("server error", attrs...)
	default:
		log.Warn("server error", attrs...)
	}
}
