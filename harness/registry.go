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
	// steps are the scenario's step definitions, in registration order,
	// until bindTo gives godog those its steps need.
	steps []boundStep
}

// boundStep is a step definition bound to a scenario's world.
type boundStep struct {
	pattern string
	fn      any
}

// patternCache compiles each step pattern once per run, and finds once
// per step text the definitions it matches. godog binds every step to
// every scenario; compiling its pattern each time was half the CPU of a
// full conformance run.
type patternCache struct {
	mu sync.Mutex
	re map[string]*regexp.Regexp
	// matches are, per step text, the positions (in registration order)
	// of the definitions whose pattern matches it.
	matches map[string][]int
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

// matching returns the positions in steps of the definitions whose
// pattern matches text, found once per text for the whole run.
func (c *patternCache) matching(text string, steps []boundStep) []int {
	c.mu.Lock()
	found, ok := c.matches[text]
	c.mu.Unlock()
	if ok {
		return found
	}
	for i, s := range steps {
		if c.compiled(s.pattern).MatchString(text) {
			found = append(found, i)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.matches == nil {
		c.matches = map[string][]int{}
	}
	c.matches[text] = found
	return found
}

// step registers fn, a named function or method, for the steps whose text
// matches pattern: with a scenario, bindTo gives it to godog if one of the
// scenario's steps needs it.
func (r *stepRegistry) step(pattern string, fn any) {
	if r.sc != nil {
		r.steps = append(r.steps, boundStep{pattern, fn})
		return
	}
	def := StepDefinition{Pattern: pattern, Function: funcName(fn)}
	if _, file, line, ok := runtime.Caller(1); ok {
		def.File, def.Line = filepath.Base(file), line
	}
	r.defs = append(r.defs, def)
}

// bindTo gives godog, for a scenario of these step texts, every step
// definition one of them matches, in registration order: godog then finds
// the same definition as among all (and, strict, sees the same
// ambiguities), without binding some 300 definitions per scenario (each
// registration reads the caller's file and line) nor trying each of them
// on every step. Call it before a step runs: in the scenario's Before
// hook, whatever the hook decides (godog matches a skipped scenario's
// steps too).
// It returns how many definitions it bound.
func (r *stepRegistry) bindTo(texts []string) (bound int) {
	need := make([]bool, len(r.steps))
	for _, t := range texts {
		for _, i := range r.patterns.matching(t, r.steps) {
			need[i] = true
		}
	}
	for i, s := range r.steps {
		if need[i] {
			r.sc.Step(r.patterns.compiled(s.pattern), s.fn)
			bound++
		}
	}
	return bound
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
