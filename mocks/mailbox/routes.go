package mailbox

import (
	"encoding/json"
	"html/template"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
)

var page = template.Must(template.New("p").Parse(`<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Boîte aux lettres — bac à sable</title><style>body{font-family:Marianne,Arial,sans-serif;max-width:900px;margin:24px auto}
td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}pre{background:#f0f0f0;padding:12px;white-space:pre-wrap}</style></head><body>
<h1>Boîte aux lettres du bac à sable</h1>
{{if .Msg}}<p><a href="/">← tous les messages</a></p><h2>{{.Msg.Subject}}</h2><p>De {{.Msg.From}} à {{range .Msg.To}}{{.}} {{end}}</p>
<pre>{{.Msg.Text}}</pre>{{if .Msg.HTML}}<h3>Version HTML</h3><iframe sandbox title="version HTML" style="width:100%;height:240px;border:1px solid #ddd" srcdoc="{{.Msg.HTML}}"></iframe>{{end}}{{if .Msg.Links}}<h3>Liens</h3><ul>{{range .Msg.Links}}<li><a href="{{.}}">{{.}}</a></li>{{end}}</ul>{{end}}
{{else}}<table><tr><th>Reçu</th><th>À</th><th>Objet</th></tr>{{range .List}}<tr><td>{{.Date.Format "15:04:05"}}</td>
<td>{{range .To}}{{.}} {{end}}</td><td><a href="/messages/{{.ID}}">{{.Subject}}</a></td></tr>{{else}}<tr><td colspan="3">Aucun message.</td></tr>{{end}}</table>{{end}}
</body></html>`))

func (m *Mailbox) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(m.kit.Middleware)
	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, map[string]any{"List": m.list(r.URL.Query().Get("to"))})
	})
	r.Get("/messages/{id}", func(w http.ResponseWriter, r *http.Request) {
		msg, ok := m.get(chi.URLParam(r, "id"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, map[string]any{"Msg": msg})
	})
	r.Get("/api/messages", func(w http.ResponseWriter, r *http.Request) {
		list := m.list(r.URL.Query().Get("to"))
		if list == nil {
			list = []*Message{}
		}
		control.JSON(w, http.StatusOK, map[string]any{"messages": list})
	})
	r.Get("/api/messages/{id}", func(w http.ResponseWriter, r *http.Request) {
		msg, ok := m.get(chi.URLParam(r, "id"))
		if !ok {
			problem.Write(w, http.StatusNotFound, "unknown-message", "Unknown message", "No message with that id.", nil)
			return
		}
		control.JSON(w, http.StatusOK, msg)
	})
	r.Delete("/api/messages", func(w http.ResponseWriter, _ *http.Request) {
		m.clear()
		w.WriteHeader(http.StatusNoContent)
	})
	r.Route("/__sandbox", func(r chi.Router) {
		r.Use(m.kit.Guard)
		m.kit.Mount(r, func() { m.clear(); m.refusing.Store(0) })
		// POST {"messages": N}: the next N messages are refused with 451,
		// as by a mail server that is down; 0 brings it back.
		r.Post("/smtp-outage", func(w http.ResponseWriter, r *http.Request) {
			var in struct {
				Messages *int64 `json:"messages"`
			}
			if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&in); err != nil || in.Messages == nil || *in.Messages < 0 {
				problem.Write(w, http.StatusBadRequest, "invalid-body", "Invalid body", `Send {"messages": N} with N ≥ 0: the number of messages to refuse.`, nil)
				return
			}
			m.refusing.Store(*in.Messages)
			control.JSON(w, http.StatusOK, map[string]any{"refusing": *in.Messages})
		})
	})
	return r
}
