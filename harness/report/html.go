package report

import (
	"fmt"
	"html/template"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/internal/flowsvg"
)

// Parsed on first use: every start of the binary would parse it (issue 14).
var reportPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Funcs(template.FuncMap{
		"decimal": func(f float64) string { return strings.Replace(fmt.Sprintf("%.1f", f), ".", ",", 1) }, // French: 1,5
		"ms":      func(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000) },
		"failed":  func(s string) bool { return s == StatusFailed || s == StatusUnexpectedPass },
		"clock":   func(t time.Time) string { return t.Format("15:04:05.000") },
		"status":  func(s string) string { return StatusText[s] },
		"verdict": func(s string) string { return VerdictText[s] },
		"step":    func(s string) string { return StepStatusText[s] },
		"stepErr": stepError,
		"reason":  reasonText,
		"ok":      func(code int) bool { return code >= 200 && code < 300 },
	}).Parse(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Conformité ProConnect — {{if .Summary.Passed}}réussie{{else}}en échec{{end}}</title>
<style>
/* the DSFR's look, inline (the report is one file that works offline) */
:root{--bleu-france:#000091;--texte:#161616;--gris:#666;--fond-gris:#f6f6f6;--bordure:#ddd;--rouge:#ce0500;--vert:#18753c;--orange:#b34000}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font-family:Marianne,arial,sans-serif;margin:0;color:var(--texte);background:#fff;line-height:1.5;overflow-wrap:anywhere}
.fr-header{border-bottom:1px solid var(--bordure);box-shadow:0 2px 4px rgba(0,0,0,.06)}
.fr-header__body{display:flex;flex-wrap:wrap;align-items:center;gap:8px 24px;max-width:1100px;margin:0 auto;padding:12px 16px}
.fr-logo{font-weight:bold;text-transform:uppercase;font-size:.8em;line-height:1.1;padding-top:22px;background:linear-gradient(90deg,#000091 33%,#fff 33% 66%,#e1000f 66%) top left/36px 14px no-repeat}
.fr-header__service-title{font-weight:bold;font-size:1.15em;margin:0}
.fr-badge{display:inline-block;font-size:.75em;font-weight:bold;text-transform:uppercase;padding:0 6px;border-radius:4px;background:#fee7fc;color:#6e445a}
.fr-badge--success{background:#b8fec9;color:var(--vert)}.fr-badge--error{background:#ffe9e9;color:var(--rouge)}.fr-badge--info{background:#e8edff;color:#0063cb}.fr-badge--warning{background:#ffe9e6;color:var(--orange)}
main.fr-container{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.75em;line-height:1.25;margin:8px 0 4px}h2{font-size:1.3em}h3{font-size:1em;margin:14px 0 6px}
a{color:var(--bleu-france)}code{font-size:.9em;background:var(--fond-gris);padding:0 3px}
.meta{color:var(--gris)}.counts span{display:inline-block;margin-right:16px;font-weight:bold}
.passed,.satisfaite{color:var(--vert)}.failed,.unexpected_pass,.en_echec{color:var(--rouge)}.not_applicable,.non_applicable,.non_verifiee{color:var(--gris)}.expected_failure,.recommendation_failed,.non_suivie{color:var(--orange)}
details{border:1px solid var(--bordure);margin:8px 0;padding:4px 12px;background:#fff}summary{cursor:pointer;padding:4px 0}
details.scenario{border-left:4px solid var(--bleu-france)}details.scenario[open]{background:#fcfcfd}
summary .id{color:var(--gris);font-family:monospace;font-size:.85em}
ol.steps{padding-left:1.4em}ol.steps li{margin:2px 0}.step-status{color:var(--gris);font-style:italic}
.err{white-space:pre-wrap;background:#ffe9e9;border-left:4px solid var(--rouge);padding:8px;font-family:monospace;font-size:.85em}
.tbl,.fr-table{overflow-x:auto;max-width:100%}table{border-collapse:collapse;width:100%;font-size:.85em}
th{background:#eee;text-align:left}td,th{border-bottom:1px solid var(--bordure);padding:4px 8px;vertical-align:top}
td.path{font-family:monospace;word-break:break-all}.filter{margin:12px 0}
.bad{color:var(--rouge);font-weight:bold}
.flux-cadre{overflow-x:auto;max-width:100%;border:1px solid var(--bordure);background:#fff}.flux-cadre svg{display:block}
.flux a.fleche text{text-decoration:none}.flux a.fleche:hover text,.flux a.fleche:focus text{text-decoration:underline;font-weight:bold}
.flux-details details{border-left:3px solid var(--bleu-france);background:var(--fond-gris);margin:4px 0}
.flux-details details:target{background:#e3e3fd}.flux-details h4{margin:6px 0 2px;font-size:.9em}
.flux-details pre{white-space:pre-wrap;word-break:break-all;font-size:.8em;margin:2px 0;background:#fff;padding:4px}
@media (max-width:600px){h1{font-size:1.4em}main.fr-container{padding:8px}details{padding:4px 8px}
.tbl table,.tbl tbody,.tbl tr,.tbl td{display:block;width:100%}.tbl tr:first-child{display:none}.tbl tr{border-bottom:2px solid var(--bordure);padding:4px 0}.tbl td{border:0;padding:1px 4px}
.tbl td[data-label]::before{content:attr(data-label) " : ";color:var(--gris);font-size:.9em}}
</style></head><body>
<header class="fr-header" role="banner"><div class="fr-header__body"><p class="fr-logo">République<br>Française</p>
<div><p class="fr-header__service-title">Conformité ProConnect <span class="fr-badge fr-badge--info">bac à sable</span></p>
<p class="meta" style="margin:0">Rapport de la suite de conformité des portails</p></div></div></header>
<main class="fr-container" id="contenu">
<h1>Conformité ProConnect : {{if .Summary.Passed}}<span class="passed fr-badge fr-badge--success">réussie</span>{{else}}<span class="failed fr-badge fr-badge--error">en échec</span>{{end}}</h1>
<p class="meta">{{.Summary.Started.Format "02/01/2006 15:04:05"}} · {{decimal .Summary.Duration}} s · suites {{range .Summary.Suites}}{{.}} {{end}}{{if .Summary.Tags}}· étiquettes <code>{{.Summary.Tags}}</code>{{end}}</p>
<p class="counts"><span class="passed">{{index .Summary.Counts "passed"}} réussi(s)</span><span class="failed">{{.Failed}} en échec</span>
<span class="expected_failure">{{index .Summary.Counts "expected_failure"}} échec(s) attendu(s)</span><span class="not_applicable">{{index .Summary.Counts "not_applicable"}} non applicable(s)</span>{{with index .Summary.Counts "recommendation_failed"}}<span class="recommendation_failed">{{.}} recommandation(s) non suivie(s)</span>{{end}}</p>
<p class="meta">Cibles : {{range $k, $v := .Summary.Target}}{{if $v}}{{$k}} <code>{{$v}}</code> · {{end}}{{end}}</p>
{{if .Summary.Requirements}}<details open id="exigences"><summary><b>Exigences du contrat du portail</b> (docs/contrat-portail.md)</summary>
<div class="tbl"><table><tr><th>exigence</th><th>niveau</th><th>verdict</th><th>scénarios</th></tr>
{{range .Summary.Requirements}}<tr><td data-label="exigence"><b>{{.ID}}</b> {{.Title}}</td><td data-label="niveau">{{.Level}}</td><td data-label="verdict" class="{{.Verdict}}">{{verdict .Verdict}}</td>
<td data-label="scénarios">{{range .Scenarios}}{{if .Status}}<a href="#{{.ID}}">{{.ID}}</a> <span class="{{.Status}}">{{status .Status}}</span><br>{{end}}{{end}}</td></tr>
{{end}}</table></div></details>{{end}}
<p class="meta">Pour chaque scénario : ses étapes, les requêtes de la suite au portail et ses réponses, les livraisons
d'événements de ProConnect au portail (chaque essai, avec la réponse du portail), et les échanges que les composants du
bac à sable ont journalisés. Codes, jetons, mots de passe, state, nonce, noms, courriels et dates de naissance sont
masqués. Un composant sans API de contrôle ne fournit pas son journal.</p>
<p class="filter"><label><input type="checkbox" id="only-failed" onchange="document.querySelectorAll('details[data-ok]').forEach(d=>d.hidden=this.checked)"> seulement les échecs</label></p>
{{range .Scenarios}}<details {{if failed .Status}}open{{else}}data-ok{{end}} id="{{.ID}}" class="scenario">
<summary><b class="{{.Status}}">{{status .Status}}</b> {{.Name}} <span class="id">{{.ID}} · {{ms .Duration}}</span></summary>
{{if reason .ScenarioResult}}<p class="{{.Status}}">{{reason .ScenarioResult}}</p>{{end}}
{{if .Error}}<div class="err">{{if .FailedStep}}Étape : {{.FailedStep}}
{{end}}{{stepErr .Error}}</div>{{end}}
{{if .Steps}}<ol class="steps">{{range .Steps}}<li class="{{.Status}}">{{.Text}}{{with step .Status}} <span class="step-status">({{.}})</span>{{end}}{{with stepErr .Error}} <span class="failed">— {{.}}</span>{{end}}</li>{{end}}</ol>{{end}}
{{if .Portal}}<h3>Requêtes de la suite au portail</h3><div class="tbl"><table class="portal"><tr><th>heure</th><th>requête</th><th>envoyé</th><th>statut</th><th>réponse</th></tr>
{{range .Portal}}<tr><td data-label="heure">{{clock .Time}}</td><td data-label="requête" class="path">{{.Method}} {{.URL}}</td><td data-label="envoyé" class="path">{{.Sent}}</td><td data-label="statut">{{.Status}}</td><td data-label="réponse">{{.Answer}}</td></tr>
{{end}}</table></div>{{end}}
{{if .Deliveries}}<h3>Livraisons d'événements de ProConnect</h3><div class="tbl"><table class="deliveries"><tr><th>heure</th><th>événement</th><th>vers</th><th>clé</th><th>statut du portail</th><th>réponse du portail</th></tr>
{{range .Deliveries}}<tr><td data-label="heure">{{clock .Time}}</td><td data-label="événement">{{.EventType}}</td><td data-label="vers" class="path">{{.URL}}</td><td data-label="clé">{{.KID}}</td><td data-label="statut du portail"{{if not (ok .Status)}} class="bad"{{end}}>{{if .Status}}{{.Status}}{{else}}—{{end}}</td><td data-label="réponse du portail">{{.Answer}}{{if .Error}} <span class="bad">{{.Error}}</span>{{end}}</td></tr>
{{end}}</table></div>{{end}}
{{if .Picture}}<h3>Le parcours en image</h3><p class="meta">Chaque flèche est un échange journalisé, dans l'ordre où il a commencé ; cliquez-la pour voir la requête et la réponse (secrets masqués). Sur un écran étroit, faites glisser le dessin de côté.</p>
<div class="flux-cadre">{{.Picture}}</div>{{end}}
{{if .Exchanges}}<h3>Échanges journalisés par les composants</h3><div class="tbl"><table class="exchanges"><tr><th>heure</th><th>composant</th><th>requête</th><th>statut</th><th>durée</th><th>redirection</th></tr>
{{range .Exchanges}}<tr><td data-label="heure">{{clock .Time}}</td><td data-label="composant">{{.Component}}</td><td data-label="requête" class="path">{{.Method}} {{.Path}}{{if .Query}}?{{.Query}}{{end}}</td><td data-label="statut">{{.Status}}{{if gt .Times 1}} <b>×{{.Times}}</b>{{end}}</td><td data-label="durée">{{decimal .DurationMS}} ms</td><td data-label="redirection" class="path">{{.Location}}</td></tr>
{{end}}</table></div>{{end}}
</details>
{{end}}
</main>
<script>
/* without a script the arrows still lead to their details; with it, they open */
function ouvrir(){var d=location.hash&&document.getElementById(location.hash.slice(1));if(!d)return;for(var p=d;p;p=p.parentElement){if(p.tagName==='DETAILS')p.open=true}}
window.addEventListener('hashchange',ouvrir);ouvrir();
</script>
</body></html>
`))
})

// stepError is a step's or a scenario's error as the report shows it: godog's
// own sentences for a step that has no definition, is pending or matches
// two definitions are said in French, like the rest of the page.
func stepError(err string) string {
	for en, fr := range godogErrorText {
		if err == en {
			return fr
		}
		if rest, ok := strings.CutPrefix(err, en+", step text: "); ok {
			return fr + ", étape : " + strings.Replace(rest, "\n    matches:", "\n    correspond à :", 1)
		}
	}
	return err
}

// godogErrorText are godog's errors (ErrUndefined, ErrPending, ErrAmbiguous,
// ErrSkip) in French. An ambiguous step's error starts with godog's
// sentence and goes on with the definitions it matched.
var godogErrorText = map[string]string{
	"step is undefined":              "étape non définie",
	"step implementation is pending": "étape en attente d'implémentation",
	"ambiguous step definition":      "définition d'étape ambiguë",
	"skipped":                        "étape sautée",
}

// reasonText is why a scenario was not applicable or why its failure is
// expected; for an expected failure that passes, the report says it in
// French (the JSON summary keeps its own sentence).
func reasonText(r ScenarioResult) string {
	if r.Status == StatusUnexpectedPass && r.ExpectedReason != "" {
		return "Listé comme échec attendu (" + r.ExpectedReason + ") mais réussit : retirez-le du fichier des échecs attendus."
	}
	return r.Reason
}

type reportScenario struct {
	ScenarioResult
	// Picture draws the scenario's exchanges (see internal/flowsvg).
	Picture    template.HTML
	Steps      []StepResult
	Exchanges  []reportExchange
	Portal     []PortalExchange
	Deliveries []Delivery
}

// reportExchange is an exchange, or the same one repeated (a poll).
type reportExchange struct {
	Exchange
	Times int
}

// collapse folds consecutive identical exchanges (a step polling a status)
// into one row with a count.
func collapse(list []Exchange) []reportExchange {
	var out []reportExchange
	for _, e := range list {
		if n := len(out); n > 0 {
			p := out[n-1]
			if p.Component == e.Component && p.Method == e.Method && p.Path == e.Path && p.Query == e.Query && p.Status == e.Status {
				out[n-1].Times++
				continue
			}
		}
		out = append(out, reportExchange{Exchange: e, Times: 1})
	}
	return out
}

// WriteHTML writes the self-contained HTML report.
func WriteHTML(file string, sum Summary, details map[string]*Detail) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	var list []reportScenario
	for i, r := range sum.Scenarios {
		rs := reportScenario{ScenarioResult: r}
		if d := details[r.ID]; d != nil {
			rs.Steps, rs.Exchanges, rs.Portal, rs.Deliveries = d.Steps, collapse(d.Exchanges), d.Portal, d.Deliveries
			rs.Picture = picture(append(slices.Clone(d.Exchanges), deliveryExchanges(d.Deliveries)...), fmt.Sprintf("sc%d", i+1), r.Name)
		}
		list = append(list, rs)
	}
	// Failures first, then by ID.
	sort.SliceStable(list, func(i, j int) bool {
		fi := list[i].Status == StatusFailed || list[i].Status == StatusUnexpectedPass
		fj := list[j].Status == StatusFailed || list[j].Status == StatusUnexpectedPass
		return fi && !fj
	})
	var b strings.Builder
	err := reportPage().Execute(&b, map[string]any{"Summary": sum, "Scenarios": list,
		"Failed": sum.Counts[StatusFailed] + sum.Counts[StatusUnexpectedPass]})
	if err != nil {
		return err
	}
	return os.WriteFile(file, []byte(b.String()), 0o644)
}

// pictureArrows bounds a scenario's picture: a scenario that polls for
// minutes is summed up by its first exchanges.
const pictureArrows = 120

// picture draws a scenario's exchanges, polls folded, bodies shortened.
func picture(list []Exchange, prefix, name string) template.HTML {
	if len(list) == 0 {
		return ""
	}
	folded := flowsvg.Fold(list)
	note := template.HTML("")
	if len(folded) > pictureArrows {
		note = template.HTML(fmt.Sprintf(`<p class="meta">Les %d premiers échanges sur %d.</p>`, pictureArrows, len(folded)))
		folded = folded[:pictureArrows]
	}
	p := flowsvg.Build(folded)
	p.BodyLimit = 1500
	return note + flowsvg.Render(p, prefix+"-fleche", "Échanges du scénario « "+name+" »")
}

// deliveryExchanges are ProConnect's event deliveries as exchanges of the
// picture: the core pushes them on its own time, untagged by the scenario,
// so the portal's journal does not list them with the scenario's exchanges.
func deliveryExchanges(list []Delivery) []Exchange {
	var out []Exchange
	for _, d := range list {
		path := d.URL
		if u, err := url.Parse(d.URL); err == nil && u.Path != "" {
			path = u.Path
		}
		e := Exchange{Time: d.Time.Add(time.Duration(d.DurationMS * float64(time.Millisecond))), DurationMS: d.DurationMS,
			Component: "portal", From: "proconnect", Method: "POST", Path: path, Status: d.Status,
			Response: &control.Message{Body: strings.TrimSpace(d.Answer + " " + d.Error)}}
		if d.EventType != "" {
			e.Request = &control.Message{Body: "événement " + d.EventType + ", signé par la clé " + d.KID}
		}
		out = append(out, e)
	}
	return out
}
