package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/internal/flowsvg"
)

// The flow page draws, as it happens, the exchanges of one certification
// across the sandbox's components (a sequence diagram from their journals):
// what a demo shows beside the portal. It is a sandbox tool, not part of
// what a portal team copies: a real portal has no journals to read.

// journalKept is how many entries the portal keeps per component between
// two looks at the journals.
const journalKept = 2000

// journals reads the components' journals incrementally (after the last
// entry seen) and keeps their recent entries.
type journals struct {
	mu     sync.Mutex
	since  map[string]uint64
	recent map[string][]control.Entry
}

// read brings the kept entries up to date and returns them all.
func (p *Portal) readJournals(ctx context.Context) ([]control.Entry, error) {
	j := &p.journals
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.since == nil {
		j.since, j.recent = map[string]uint64{}, map[string][]control.Entry{}
	}
	var errs []string
	add := func(key string, list []control.Entry) {
		for _, e := range list {
			j.since[key] = max(j.since[key], e.Seq)
		}
		kept := append(j.recent[key], list...)
		if len(kept) > journalKept {
			kept = append([]control.Entry(nil), kept[len(kept)-journalKept:]...)
		}
		j.recent[key] = kept
	}
	add("portal", p.kit.Journal.Last(0, j.since["portal"], ""))
	for _, base := range p.cfg.Journals {
		list, err := p.fetchJournal(ctx, base, j.since[base])
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		add(base, list)
	}
	var all []control.Entry
	for _, list := range j.recent {
		all = append(all, list...)
	}
	if len(errs) > 0 {
		return all, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return all, nil
}

func (p *Portal) fetchJournal(ctx context.Context, base string, since uint64) ([]control.Entry, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/__sandbox/journal?since=%d", strings.TrimRight(base, "/"), since), nil)
	if err != nil {
		return nil, err
	}
	if p.kit.Token != "" {
		req.Header.Set("Authorization", "Bearer "+p.kit.Token)
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("journal de %s : %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("journal de %s : statut %d", base, resp.StatusCode)
	}
	var body struct {
		Entries []control.Entry `json:"entries"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 256<<20)).Decode(&body); err != nil {
		return nil, fmt.Errorf("journal de %s : %w", base, err)
	}
	return body.Entries, nil
}

// flowCookie remembers, in a browser, the last certification it started:
// the flow page follows the browser's own certification, never another
// person's (a shared sandbox's portal serves many). A certification's ID
// is random: whoever has it (the return page's URL) may see its flow.
const flowCookie = "portail_flux"

// flowOf returns the certification the flow page draws: the one asked, or
// the last one this browser started.
func (p *Portal) flowOf(r *http.Request) string {
	if id := r.URL.Query().Get("certification"); id != "" {
		return id
	}
	if ck, err := r.Cookie(flowCookie); err == nil {
		return ck.Value
	}
	return ""
}

// followFlow makes the flow page of this browser follow certification id.
func followFlow(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Expires: time.Now().Add(time.Hour)})
}

type flowView struct {
	Certification string
	Picture       template.HTML
	Error         string
	// Follow: the page follows the last certification started.
	Follow bool
}

// flowPicture draws the certification's exchanges.
func (p *Portal) flowPicture(r *http.Request) flowView {
	id := p.flowOf(r)
	v := flowView{Certification: id, Follow: r.URL.Query().Get("certification") == ""}
	if id == "" {
		v.Picture = template.HTML(`<p class="flux-vide">Aucune certification démarrée depuis ce navigateur : démarrez-en une depuis l'accueil du portail, elle s'affichera ici.</p>`)
		return v
	}
	all, err := p.readJournals(r.Context())
	if err != nil {
		v.Error = "Certains journaux sont illisibles : " + err.Error()
	}
	flows := []string{id}
	if alias, ok := p.flowAliases.Load(id); ok {
		flows = append(flows, alias.(string))
	}
	pic := flowsvg.Build(flowsvg.Select(all, flows...))
	v.Picture = flowsvg.Render(pic, "fleche", "Échanges de la certification "+id)
	return v
}

// flowPage serves the flow page; its script asks flowDrawing again every
// second while the page is open.
func (p *Portal) flowPage(w http.ResponseWriter, r *http.Request) {
	p.render(w, http.StatusOK, "flow.html", p.flowPicture(r))
}

// flowDrawing serves the drawing alone (the page's refresh).
func (p *Portal) flowDrawing(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := pages().ExecuteTemplate(&buf, "flow-drawing", p.flowPicture(r)); err != nil {
		p.log.Error("render", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}
