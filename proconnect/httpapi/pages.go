package httpapi

import (
	"html/template"
	"sync"

	"github.com/proconnect-sandbox/proconnect-sandbox/ui"
)

// fcLogin is the label of the one button that sends a dirigeant to
// FranceConnect: the page draws it as FranceConnect's official button.
const fcLogin = "Se connecter avec FranceConnect"

func isFranceConnectButton(bs []button) bool { return len(bs) == 1 && bs[0].Label == fcLogin }

// pages are ProConnect's own pages, in the State's design system: "page"
// says one thing (a link that expired, an unexpected return), "form" asks
// a dirigeant something (the contact email, an access request's decision).
// Parsed on first use: every start of the binary would parse it (issue 14).
var pages = sync.OnceValue(func() *template.Template {
	return template.Must(ui.Templates(ui.Chrome{
		Service: "ProConnect",
		Tagline: "Cœur ProConnect de référence : la certification des dirigeants d'entreprise",
		Sandbox: "ProConnect de référence pour les tests d'intégration ; il ne sert jamais en production.",
	}).Funcs(template.FuncMap{"fcbutton": isFranceConnectButton}).Parse(`{{define "page"}}{{template "ui-head" .Title}}
<h1>{{.Title}}</h1>{{if .Error}}<div class="fr-alert fr-alert--error fr-alert--sm" role="alert"><p id="message">{{.Message}}</p></div>{{else}}<p id="message">{{.Message}}</p>{{end}}
{{template "ui-foot"}}{{end}}
{{define "form"}}{{template "ui-head" .Title}}
<h1>{{.Title}}</h1>{{if .Error}}<div class="fr-alert fr-alert--error fr-alert--sm fr-mb-3w" id="error" role="alert"><p>{{.Error}}</p></div>{{end}}<p id="message">{{.Message}}</p>
{{if .Facts}}<dl class="ui-facts">{{range .Facts}}<dt>{{.Label}}</dt><dd>{{.Value}}</dd>{{end}}</dl>{{end}}
{{if .Action}}<div class="ui-form fr-mt-3w"><form method="post" action="{{.Action}}">{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
{{range .Inputs}}<div class="fr-input-group"><label class="fr-label" for="{{.Name}}">{{.Label}}</label><input class="fr-input" id="{{.Name}}" name="{{.Name}}" type="{{.Type}}" value="{{.Value}}"{{if eq .Type "email"}} autocomplete="email"{{end}} required></div>{{end}}
{{if fcbutton .Buttons}}{{with index .Buttons 0}}<div class="fr-connect-group"><button class="fr-connect" type="submit" name="{{.Name}}" value="{{.Value}}"><span class="fr-connect__login">S’identifier avec</span> <span class="fr-connect__brand">FranceConnect</span></button></div>{{end}}
{{else}}<ul class="fr-btns-group fr-btns-group--inline-md">{{range $i, $b := .Buttons}}<li><button class="fr-btn{{if $i}} fr-btn--secondary{{end}}" type="submit" name="{{$b.Name}}" value="{{$b.Value}}">{{$b.Label}}</button></li>{{end}}</ul>{{end}}</form></div>{{end}}
{{template "ui-foot"}}{{end}}`))
})
