package main

import (
	"bufio"
	"go/ast"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// maxWalk is the longest "what it walks" the table shows.
const maxWalk = 90

// walksFromSource maps "import/path.BenchmarkX" to what the benchmark walks:
// the first sentence of its doc comment, without its name, its verb
// ("measures", "is") or its parentheses, up to a colon or semicolon. The doc
// comment is the one place a benchmark says what it does, so the table
// cannot drift from it.
func walksFromSource(root string) (map[string]string, error) {
	module, err := modulePath(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, err
	}
	walks := map[string]string{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil // a file that does not parse has no table entry; go test will say why
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		pkg := path.Join(module, filepath.ToSlash(rel))
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Benchmark") || fn.Doc == nil {
				continue
			}
			walks[pkg+"."+fn.Name.Name] = walk(fn.Name.Name, fn.Doc.Text())
		}
		return nil
	})
	return walks, err
}

func walk(name, docText string) string {
	var p comment.Parser
	var pr comment.Printer
	text := strings.Join(strings.Fields(string(pr.Text(p.Parse(docText)))), " ")
	if i := sentenceEnd(text); i >= 0 {
		text = text[:i]
	}
	text = strings.TrimPrefix(text, name+" ")
	for _, verb := range []string{"measures ", "is "} {
		text = strings.TrimPrefix(text, verb)
	}
	text = dropParentheses(text)
	if i := strings.IndexAny(text, ":;"); i >= 0 {
		text = text[:i]
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, " ,", ","))
	if r := []rune(text); len(r) > maxWalk {
		text = strings.TrimSpace(string(r[:maxWalk-1])) + "…"
	}
	return text
}

// sentenceEnd is the index of the period that ends the first sentence: one
// followed by a space or the end of the text.
func sentenceEnd(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' && (i+1 == len(s) || s[i+1] == ' ') {
			return i
		}
	}
	return -1
}

func dropParentheses(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func modulePath(gomod string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(m), `"`), nil
		}
	}
	return "", sc.Err()
}
