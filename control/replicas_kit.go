package control

import (
	"context"
	"log/slog"
	"net/http"
	"slices"

	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
)

// refresh brings a shared kit's control state to its replicas' (see
// Replicas.Refresh); a kit not shared does nothing. A backend that does
// not answer leaves the state in memory as it was: the request is served
// on it, and the failure logged.
func (k *Kit) refresh(ctx context.Context) {
	if k.Replicas == nil {
		return
	}
	if err := k.Replicas.Refresh(ctx); err != nil && ctx.Err() == nil {
		k.logger().Error("control: the replicas' control state could not be read", "err", err)
	}
}

// record adds an exchange to the journal: the kit's own, or its
// replicas'.
func (k *Kit) record(ctx context.Context, e Entry) {
	if k.Replicas != nil {
		k.Replicas.appendEntry(ctx, e.redacted()) // shared as it is read
		return
	}
	k.Journal.Add(e)
}

// logger is the kit's logger, slog's default when none was given.
func (k *Kit) logger() *slog.Logger {
	if k.Log == nil {
		return slog.Default()
	}
	return k.Log
}

// changed answers 503 for a control change (or read) the replicas' shared
// state could not take, and says whether err was nil.
func (k *Kit) changed(w http.ResponseWriter, r *http.Request, err error) bool {
	if err == nil {
		return true
	}
	NoteCause(r.Context(), err)
	problem.Write(w, http.StatusServiceUnavailable, "control-state-unavailable", "Control state unavailable",
		"The control state the replicas of this component share could not be read or changed; nothing was changed. Try again.", nil)
	return false
}

// sharedJournal is GET /__sandbox/journal of a shared kit: the journal of
// every replica, filtered as the kit's own would be.
func (k *Kit) sharedJournal(r *http.Request, limit int, since uint64) ([]Entry, error) {
	scenario := r.URL.Query().Get("scenario")
	portal, scoped := PortalScope(r.Context())
	return k.Replicas.journal(r.Context(), limit, since, func(e Entry) bool {
		if scenario != "" && e.Scenario != scenario {
			return false
		}
		if !scoped {
			return true
		}
		return e.Client == portal || (e.Client == "" && (scenario != "" || slices.Contains(k.SharedPaths, e.Path)))
	})
}
