package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/cucumber/godog"
)

// A shared sandbox (docs/bac-a-sable.md, « Bac à sable partagé »): when the
// core gives the portal under test its own control token at registration,
// the portail suite's scenarios drive the control API with that token, not
// the owner's: their clock moves, faults, holds, key rotations and mail
// outages are its portal's alone, so another team's run on the same
// sandbox sees none of them. The other suites, which check the sandbox
// itself, keep the token the run was given. A call the portal's token may not make (403, control-scope) makes
// the scenario not applicable: it needs the sandbox's owner.

// portalTokenPrefix starts a portal's control token (control.IssuePortalToken).
const portalTokenPrefix = "pct."

// controlToken is the token the scenario drives the control API with: its
// portal's for the portail suite, when the core gave one, else the run's.
func (w *world) controlToken() string {
	if w.env.portalToken != "" && w.suite == "portail" {
		return w.env.portalToken
	}
	return w.env.controlToken
}

// isPortalToken says whether a token is a portal's (not the owner's).
func isPortalToken(token string) bool { return strings.HasPrefix(token, portalTokenPrefix) }

// takePortalToken reads the control token in the core's answer to a
// registration and makes it the portail suite's: shown once, here.
func (e *suiteEnv) takePortalToken(answer []byte, out io.Writer) {
	var a struct {
		ControlToken string `json:"control_token"`
	}
	if json.Unmarshal(answer, &a) != nil || a.ControlToken == "" {
		return
	}
	e.portalToken = a.ControlToken
	fmt.Fprintf(out, "ProConnect a donné au portail %s son jeton de contrôle (affiché une seule fois ; --control-token le réutilise) :\n  %s\n"+
		"La suite portail pilote le bac à sable avec lui : ses changements (horloge, pannes, retenues, clé, courriels) ne touchent que ce portail.\n",
		e.portal.ClientID, a.ControlToken)
}

// askPortalToken asks the core, with the owner's token, for a control token
// for the portal under test when the sandbox already knows it (its
// fixtures: the reference portal, up --portal). Without the owner's token
// (an open sandbox, or the portal's own token given), nothing to ask.
func (e *suiteEnv) askPortalToken(ctx context.Context, client *http.Client, out io.Writer) error {
	if e.controlToken == "" || isPortalToken(e.controlToken) {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.coreURL+"/__sandbox/portals/"+url.PathEscape(e.portal.ClientID)+"/token",
		bytes.NewReader([]byte("{}")))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.controlToken)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("asking ProConnect (%s) for the portal's control token: %w", e.coreURL, err)
	}
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusCreated:
		e.takePortalToken(answer, out)
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		// a core without portal tokens: the run keeps the owner's
	default:
		return fmt.Errorf("asking ProConnect (%s) for the portal's control token: %d %s", e.coreURL, resp.StatusCode, visibleText(answer, 300))
	}
	return nil
}

// outOfScope makes the scenario not applicable when a control call was
// refused to the portal's token (403 control-scope): it needs the owner.
func (w *world) outOfScope(e *exchange) error {
	if e == nil || e.status != http.StatusForbidden || !isPortalToken(w.controlToken()) || !bytes.Contains(e.body, []byte("control-scope")) {
		return nil
	}
	w.env.notApplicable(w.name, "needs the control token of the sandbox's owner: "+e.method+" "+e.url.Path+
		" changes or shows what every team of the shared sandbox shares, and this run holds its portal's token")
	return godog.ErrSkip
}
