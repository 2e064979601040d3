package mailbox

import (
	"html/template"
	"sync"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/paris"
	"github.com/proconnect-sandbox/proconnect-sandbox/ui"
)

// pages are the mail catcher's: the list of messages, one message (its
// HTML version in a sandboxed frame), and the page that asks for the
// control token of a shared sandbox.
// Parsed on first use: every start of the binary would parse it (issue 14).
var pages = sync.OnceValue(func() *template.Template {
	return template.Must(ui.Templates(ui.Chrome{
		Service: "Boîte aux lettres",
		Tagline: "Les courriels que le bac à sable a envoyés",
		Sandbox: "Boîte aux lettres de test : elle reçoit tous les courriels du bac à sable, qui n'en envoie aucun ailleurs.",
	}).Funcs(template.FuncMap{"paris": parisClock(loadParis())}).Parse(`{{define "list"}}{{template "ui-head" "Messages"}}
<h1>Boîte aux lettres du bac à sable</h1>
<div class="fr-table fr-table--no-caption"><div class="fr-table__wrapper"><div class="fr-table__container"><div class="fr-table__content">
<table><caption>Messages reçus</caption><thead><tr><th scope="col">Reçu (heure de Paris)</th><th scope="col">À</th><th scope="col">Objet</th></tr></thead><tbody>
{{range .List}}<tr><td>{{paris .Date}}</td><td>{{range .To}}{{.}} {{end}}</td><td><a href="/messages/{{.ID}}">{{.Subject}}</a></td></tr>{{else}}<tr><td colspan="3">Aucun message.</td></tr>{{end}}
</tbody></table></div></div></div></div>
{{template "ui-foot"}}{{end}}
{{define "message"}}{{template "ui-head" .Msg.Subject}}
<p><a class="fr-link" href="/">← tous les messages</a></p>
<h1>{{.Msg.Subject}}</h1><p>De {{.Msg.From}} à {{range .Msg.To}}{{.}} {{end}}, reçu à {{paris .Msg.Date}} (heure de Paris)</p>
<h2>Version texte</h2><pre>{{.Msg.Text}}</pre>
{{if .Msg.HTML}}<h2>Version HTML</h2><iframe sandbox title="Version HTML du courriel" style="width:100%;height:320px;border:1px solid var(--border-default-grey)" srcdoc="{{.Msg.HTML}}"></iframe>{{end}}
{{if .Msg.Links}}<h2>Liens</h2><ul>{{range .Msg.Links}}<li><a class="fr-link" href="{{.}}">{{.}}</a></li>{{end}}</ul>{{end}}
{{template "ui-foot"}}{{end}}
{{define "unlock"}}{{template "ui-head" "Jeton de contrôle"}}
<h1>Boîte aux lettres du bac à sable</h1>
<p>Ce bac à sable est partagé : ses courriels, et leurs liens de vérification, ne se lisent qu'avec le jeton de contrôle
donné à son démarrage (<code>--control-token</code>). Ce navigateur le gardera jusqu'à sa fermeture.</p>
{{if .Wrong}}<div class="fr-alert fr-alert--error fr-alert--sm fr-mb-3w" role="alert"><p>Ce jeton n'est pas le bon.</p></div>{{end}}
<div class="ui-form"><form method="post"><div class="fr-input-group"><label class="fr-label" for="jeton">Jeton de contrôle</label>
<input class="fr-input" id="jeton" name="jeton" type="password" autocomplete="off" required autofocus></div>
<button class="fr-btn" type="submit">Ouvrir la boîte aux lettres</button></form></div>
{{template "ui-foot"}}{{end}}`))
})

// loadParis returns the zone of the times people read here (embedded: the
// FROM-scratch image has no zone files).
func loadParis() *time.Location { return paris.Location() }

// parisClock says a time as a clock in Paris shows it.
func parisClock(loc *time.Location) func(time.Time) string {
	return func(t time.Time) string { return t.In(loc).Format("15:04:05") }
}
