package harness

import (
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"github.com/cucumber/godog"
)

// StepDefinition is one step the suites can use: its Gherkin pattern, the
// Go function that runs it and where it is registered. The list
// (conformance --etapes) is where to start when a step must be found,
// changed or written.
type StepDefinition struct {
	Pattern  string // the anchored regular expression a step's text matches
	Function string // the function or method that runs it, e.g. harness.(*world).newServiceProvider
	File     string // the file that registers it, e.g. steps_franceconnect.go
	Line     int
}

// stepRegistry binds the steps to a scenario, or records them (Steps):
// every registration function goes through it, so the list cannot miss a
// step godog knows.
type stepRegistry struct {
	sc *godog.ScenarioContext // nil: record only (Steps)
	// patterns are the run's compiled step patterns, shared by its
	// scenarios: binding a scenario's steps then compiles nothing.
	patterns *patternCache
	defs     []StepDefinition
}

// patternCache compiles each step pattern once per run. godog binds every
// step to every scenario; compiling its pattern each time was half the
// CPU of a full conformance run.
type patternCache struct {
	mu sync.Mutex
	re map[string]*regexp.Regexp
}

// compiled is pattern compiled, the same *regexp.Regexp for every
// scenario (it is safe for concurrent use). It panics on a pattern that
// does not compile, as godog does.
func (c *patternCache) compiled(pattern string) *regexp.Regexp {
	c.mu.Lock()
	defer c.mu.Unlock()
	re, ok := c.re[pattern]
	if !ok {
		if c.re == nil {
			c.re = map[string]*regexp.Regexp{}
		}
		re = regexp.MustCompile(pattern)
		c.re[pattern] = re
	}
	return re
}

// step registers fn, a named function or method, for the steps whose text
// matches pattern.
func (r *stepRegistry) step(pattern string, fn any) {
	if r.sc != nil {
		r.sc.Step(r.patterns.compiled(pattern), fn)
		return
	}
	def := StepDefinition{Pattern: pattern, Function: funcName(fn)}
	if _, file, line, ok := runtime.Caller(1); ok {
		def.File, def.Line = filepath.Base(file), line
	}
	r.defs = append(r.defs, def)
}

// funcName is the name of a function, or of the method a method value
// calls (without the "-fm" the compiler adds), its package named but not
// its module path: harness.(*world).newServiceProvider.
func funcName(fn any) string {
	f := runtime.FuncForPC(reflect.ValueOf(fn).Pointer())
	if f == nil {
		return "?"
	}
	name := strings.TrimSuffix(f.Name(), "-fm")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// registerSteps binds every suite's steps to w.
func registerSteps(reg *stepRegistry, w *world) {
	registerHTTP(reg, w)
	registerFranceConnect(reg, w)
	registerFCFidelity(reg, w)
	registerRegistre(reg, w)
	registerAPIEntreprise(reg, w)
	registerPiste(reg, w)
	registerProConnect(reg, w)
	registerMail(reg, w)
	registerPortail(reg, w)
	registerPortailEvents(reg, w)
	registerUnknownCompany(reg, w)
}

// Steps lists every step definition, in the order they are registered. It
// binds them to a throw-away scenario: no sandbox needs to run.
func Steps() []StepDefinition {
	reg := &stepRegistry{}
	registerSteps(reg, newWorld(&suiteEnv{}, ""))
	return reg.defs
}
