// Command promcheck checks Prometheus rule files with Prometheus' own code, without building all
// of promtool (whose service-discovery plugins pull in the Kubernetes, AWS and Azure clients and
// take several minutes to compile):
//
//	promcheck rules FILE...          parse and validate rule files, as `promtool check rules` does
//	promcheck test RULES SCRIPT...   run promqltest scripts against the rules' alert expressions
//	promcheck exprs                  parse a JSON array of PromQL expressions read from stdin and
//	                                 print, for each, the parse error or the metric names it reads
//
// In a script, `ALERT(Name)` stands for the expression of the alerting rule `Name` in RULES, so a
// test exercises the expression the rule file really holds, not a copy of it.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
)

const usage = `usage: promcheck rules FILE...
       promcheck test RULES SCRIPT...
       promcheck exprs < expressions.json`

func main() {
	if len(os.Args) == 2 && os.Args[1] == "exprs" {
		parseExprs()
		return
	}
	if len(os.Args) < 3 {
		fail(2, usage)
	}
	switch os.Args[1] {
	case "rules":
		failed := false
		for _, file := range os.Args[2:] {
			if !checkRules(file) {
				failed = true
			}
		}
		if failed {
			os.Exit(1)
		}
	case "test":
		if len(os.Args) < 4 {
			fail(2, usage)
		}
		runScripts(os.Args[2], os.Args[3:])
	default:
		fail(2, usage)
	}
}

func fail(code int, message string) {
	fmt.Fprintln(os.Stderr, message)
	os.Exit(code)
}

// parseRules reads a rule file strictly (unknown fields are errors) and validates every group:
// expressions parse, templates compile, names, labels and durations are valid.
func parseRules(file string) (*rulefmt.RuleGroups, bool) {
	groups, errs := rulefmt.ParseFile(file, false)
	for _, err := range errs {
		fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
	}
	return groups, len(errs) == 0
}

func checkRules(file string) bool {
	groups, ok := parseRules(file)
	if !ok {
		return false
	}
	count := 0
	seen := map[string]bool{}
	for _, group := range groups.Groups {
		for _, rule := range group.Rules {
			count++
			name := rule.Alert + rule.Record
			if seen[name] {
				fmt.Fprintf(os.Stderr, "%s: group %q: rule %q is defined twice\n", file, group.Name, name)
				ok = false
			}
			seen[name] = true
		}
	}
	if ok {
		fmt.Printf("%s: SUCCESS: %d rules found\n", file, count)
	}
	return ok
}

var alertRef = regexp.MustCompile(`ALERT\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// expand replaces each `ALERT(Name)` of a script by the alert's expression, on one line.
// Comment lines are left as they are.
func expand(content string, exprs map[string]string) (string, []string) {
	var missing []string
	lines := strings.Split(content, "\n")
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		lines[i] = alertRef.ReplaceAllStringFunc(line, func(ref string) string {
			name := alertRef.FindStringSubmatch(ref)[1]
			expr, ok := exprs[name]
			if !ok {
				missing = append(missing, name)
				return ref
			}
			return "(" + strings.Join(strings.Fields(expr), " ") + ")"
		})
	}
	return strings.Join(lines, "\n"), missing
}

// runScripts runs each script as one Go test and exits with the result: promqltest runs every
// `eval` as a subtest, so it needs a real *testing.T, which only a test main provides.
func runScripts(rulesFile string, scripts []string) {
	groups, ok := parseRules(rulesFile)
	if !ok {
		os.Exit(1)
	}
	exprs := map[string]string{}
	for _, group := range groups.Groups {
		for _, rule := range group.Rules {
			if rule.Alert != "" {
				exprs[rule.Alert] = rule.Expr
			}
		}
	}
	tests := make([]testing.InternalTest, 0, len(scripts))
	for _, script := range scripts {
		content, err := os.ReadFile(script)
		if err != nil {
			fail(1, err.Error())
		}
		text, missing := expand(string(content), exprs)
		if len(missing) > 0 {
			fail(1, fmt.Sprintf("%s: no alerting rule named %s in %s", script, strings.Join(missing, ", "), rulesFile))
		}
		tests = append(tests, testing.InternalTest{
			Name: script,
			F: func(t *testing.T) {
				// The engine settings of a Prometheus 3 server with no feature flags.
				engine := promql.NewEngine(promql.EngineOpts{
					MaxSamples:               50_000_000,
					Timeout:                  time.Minute,
					LookbackDelta:            5 * time.Minute,
					EnableAtModifier:         true,
					EnableNegativeOffset:     true,
					NoStepSubqueryIntervalFn: func(int64) int64 { return time.Minute.Milliseconds() },
				})
				t.Cleanup(func() { _ = engine.Close() })
				promqltest.RunTest(t, text, engine)
			},
		})
	}
	os.Args = []string{os.Args[0], "-test.v"}
	testing.Main(func(_, _ string) (bool, error) { return true, nil }, tests, nil, nil)
}

// exprResult is what `exprs` reports for one expression.
type exprResult struct {
	Expr    string   `json:"expr"`
	Error   string   `json:"error,omitempty"`
	Metrics []string `json:"metrics"`
}

// parseExprs parses each expression with Prometheus' own parser and lists the metric names its
// selectors read (a selector without a metric name, like {__name__=~"…"}, lists nothing).
func parseExprs() {
	var exprs []string
	if err := json.NewDecoder(os.Stdin).Decode(&exprs); err != nil {
		fail(2, "exprs: stdin must hold a JSON array of strings: "+err.Error())
	}
	results := make([]exprResult, 0, len(exprs))
	for _, text := range exprs {
		result := exprResult{Expr: text, Metrics: []string{}}
		expr, err := parser.ParseExpr(text)
		if err != nil {
			result.Error = err.Error()
		} else {
			seen := map[string]bool{}
			parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
				if selector, ok := node.(*parser.VectorSelector); ok && selector.Name != "" && !seen[selector.Name] {
					seen[selector.Name] = true
					result.Metrics = append(result.Metrics, selector.Name)
				}
				return nil
			})
		}
		results = append(results, result)
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		fail(1, err.Error())
	}
}
