package sirene

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// The q language of INSEE's multicriteria search, as the sandbox supports
// it: field:value terms (value a word with * and ? wildcards, a "quoted
// phrase" or a [from TO to] range, * for an open bound), AND, OR, NOT or a
// leading -, parentheses, and periode(...) for historised variables.
// Outside periode(), a historised variable is searched in the current period;
// inside, the whole expression must hold in one same period. Adjacent terms
// without an operator are joined by AND.

// Limits that keep a hostile q cheap.
const (
	maxQLength = 4096
	maxTerms   = 100
	maxDepth   = 16
)

type node interface {
	eval(r record, period int) bool
}

type (
	andNode    struct{ l, r node }
	orNode     struct{ l, r node }
	notNode    struct{ n node }
	periodNode struct{ n node }
	termNode   struct {
		field string
		kind  byte // 'w' word (wildcards), 'p' phrase, 'r' range
		value string
		lo    string
		hi    string
	}
)

// record is a rendered unit or establishment, flattened for the evaluator:
// fixed fields, and one map per period.
type record struct {
	fixed   map[string]string
	periods []map[string]string
	current int
}

func (n andNode) eval(r record, p int) bool { return n.l.eval(r, p) && n.r.eval(r, p) }
func (n orNode) eval(r record, p int) bool  { return n.l.eval(r, p) || n.r.eval(r, p) }
func (n notNode) eval(r record, p int) bool { return !n.n.eval(r, p) }

func (n periodNode) eval(r record, _ int) bool {
	for i := range r.periods {
		if n.n.eval(r, i) {
			return true
		}
	}
	return false
}

func (t termNode) eval(r record, p int) bool {
	v, ok := r.fixed[t.field]
	if !ok {
		if p < 0 || p >= len(r.periods) {
			return false
		}
		v = r.periods[p][t.field]
	}
	switch t.kind {
	case 'r':
		return (t.lo == "*" || v >= t.lo) && (t.hi == "*" || v <= t.hi) && v != ""
	case 'p':
		return strings.Contains(" "+normalise(v)+" ", " "+t.value+" ")
	}
	nv := normalise(v)
	if glob(t.value, nv) {
		return true
	}
	for _, word := range strings.Fields(nv) { // a word matches any word of a text field
		if glob(t.value, word) {
			return true
		}
	}
	return false
}

// normalise folds case and accents, and turns punctuation into spaces.
func normalise(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		folded = s
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(folded) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '*' || r == '?' || r == '.' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// glob matches s against pattern with * (any run) and ? (one character),
// in linear time (no backtracking explosion on hostile patterns).
func glob(pattern, s string) bool {
	p, str := []rune(pattern), []rune(s)
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(str) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == str[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// parser is a recursive-descent parser over q.
type parser struct {
	src    string
	pos    int
	terms  int
	fields map[string]bool
}

type qError struct{ msg string }

func (e qError) Error() string { return e.msg }

// parseQ parses q; every error is a qError with a message for INSEE's 400.
func parseQ(q string, fields map[string]bool) (node, error) {
	if len(q) > maxQLength {
		return nil, qError{fmt.Sprintf("le paramètre q dépasse %d caractères", maxQLength)}
	}
	p := &parser{src: q, fields: fields}
	n, err := p.or(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos < len(p.src) {
		return nil, p.errf("caractère inattendu %q", p.src[p.pos])
	}
	return n, nil
}

func (p *parser) errf(format string, a ...any) error {
	return qError{fmt.Sprintf("Erreur de syntaxe dans le paramètre q, position %d : ", p.pos) + fmt.Sprintf(format, a...)}
}

func (p *parser) space() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '+') {
		p.pos++
	}
}

func (p *parser) keyword(k string) bool {
	p.space()
	end := p.pos + len(k)
	if end <= len(p.src) && p.src[p.pos:end] == k && (end == len(p.src) || p.src[end] == ' ' || p.src[end] == '(') {
		p.pos = end
		return true
	}
	return false
}

func (p *parser) or(depth int) (node, error) {
	l, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.keyword("OR") {
		r, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		l = orNode{l, r}
	}
	return l, nil
}

func (p *parser) and(depth int) (node, error) {
	l, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for {
		if p.keyword("AND") {
			r, err := p.unary(depth)
			if err != nil {
				return nil, err
			}
			l = andNode{l, r}
			continue
		}
		p.space()
		if p.pos >= len(p.src) || p.src[p.pos] == ')' || p.peekKeyword("OR") {
			return l, nil
		}
		r, err := p.unary(depth) // implicit AND
		if err != nil {
			return nil, err
		}
		l = andNode{l, r}
	}
}

func (p *parser) peekKeyword(k string) bool {
	save := p.pos
	ok := p.keyword(k)
	p.pos = save
	return ok
}

func (p *parser) unary(depth int) (node, error) {
	if depth > maxDepth {
		return nil, p.errf("expression trop imbriquée (plus de %d niveaux)", maxDepth)
	}
	if p.keyword("NOT") {
		n, err := p.unary(depth + 1)
		return notNode{n}, err
	}
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == '-' {
		p.pos++
		n, err := p.unary(depth + 1)
		return notNode{n}, err
	}
	return p.primary(depth)
}

func (p *parser) primary(depth int) (node, error) {
	p.space()
	if p.pos >= len(p.src) {
		return nil, p.errf("expression incomplète")
	}
	if p.src[p.pos] == '(' {
		p.pos++
		n, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if !p.consume(')') {
			return nil, p.errf("parenthèse fermante attendue")
		}
		return n, nil
	}
	if strings.HasPrefix(p.src[p.pos:], "periode(") {
		p.pos += len("periode(")
		n, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if !p.consume(')') {
			return nil, p.errf("parenthèse fermante attendue après periode(")
		}
		return periodNode{n}, nil
	}
	return p.term()
}

func (p *parser) consume(c byte) bool {
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *parser) term() (node, error) {
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] != ':' && p.src[p.pos] != ' ' && p.src[p.pos] != '(' && p.src[p.pos] != ')' {
		p.pos++
	}
	field := p.src[start:p.pos]
	if p.pos >= len(p.src) || p.src[p.pos] != ':' || field == "" {
		return nil, p.errf("terme champ:valeur attendu, trouvé %q", field)
	}
	if !p.fields[field] {
		return nil, qError{"Champ inconnu dans le paramètre q : " + field}
	}
	p.terms++
	if p.terms > maxTerms {
		return nil, p.errf("plus de %d termes", maxTerms)
	}
	p.pos++ // ':'
	if p.pos >= len(p.src) {
		return nil, p.errf("valeur manquante pour %s", field)
	}
	switch p.src[p.pos] {
	case '"':
		end := strings.IndexByte(p.src[p.pos+1:], '"')
		if end < 0 {
			return nil, p.errf("guillemet fermant manquant")
		}
		v := p.src[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		return termNode{field: field, kind: 'p', value: normalise(v)}, nil
	case '[':
		end := strings.IndexByte(p.src[p.pos:], ']')
		if end < 0 {
			return nil, p.errf("crochet fermant manquant")
		}
		lo, hi, ok := strings.Cut(p.src[p.pos+1:p.pos+end], " TO ")
		if !ok {
			return nil, p.errf("intervalle attendu sous la forme [a TO b]")
		}
		p.pos += end + 1
		return termNode{field: field, kind: 'r', lo: strings.TrimSpace(lo), hi: strings.TrimSpace(hi)}, nil
	}
	vstart := p.pos
	for p.pos < len(p.src) && p.src[p.pos] != ' ' && p.src[p.pos] != ')' && p.src[p.pos] != '(' {
		p.pos++
	}
	v := p.src[vstart:p.pos]
	if v == "" {
		return nil, p.errf("valeur manquante pour %s", field)
	}
	return termNode{field: field, kind: 'w', value: normalise(v)}, nil
}

// exactSirens returns the SIRENs a query names exactly (siren:123456789),
// the only synthetic companies a search can reach.
func exactSirens(n node) []string {
	var out []string
	var walk func(node)
	walk = func(n node) {
		switch x := n.(type) {
		case andNode:
			walk(x.l)
			walk(x.r)
		case orNode:
			walk(x.l)
			walk(x.r)
		case periodNode:
			walk(x.n)
		case termNode:
			if (x.field == "siren" || x.field == "siret") && x.kind == 'w' && allDigits(x.value) && len(x.value) >= 9 {
				out = append(out, x.value[:9])
			}
		}
	}
	walk(n)
	return out
}
