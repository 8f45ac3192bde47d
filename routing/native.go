package routing

import (
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// Simple `when` expressions — and/or/not over comparisons of Env fields
// with constants, string contains/startsWith/endsWith, `in` a constant list
// and integer sums — are also compiled to Go closures over *Env, which run
// several times faster than expr's VM and never allocate. Anything else runs
// on the VM. Both give the same answer (TestNativeMatchesVM checks it).

type (
	boolFn func(*Env) bool
	intFn  func(*Env) int
	strFn  func(*Env) string
)

var intFields = map[string]intFn{
	"urges":                      func(e *Env) int { return e.Urges },
	"reopens":                    func(e *Env) int { return e.Reopens },
	"transfers":                  func(e *Env) int { return e.Transfers },
	"hour":                       func(e *Env) int { return e.Hour },
	"customer.prior_escalations": func(e *Env) int { return e.Customer.PriorEscalations },
	"history.contacts_7d":        func(e *Env) int { return e.History.Contacts7d },
	"history.contacts_30d":       func(e *Env) int { return e.History.Contacts30d },
	"history.open":               func(e *Env) int { return e.History.Open },
	"history.reopens_30d":        func(e *Env) int { return e.History.Reopens30d },
	"history.urges_30d":          func(e *Env) int { return e.History.Urges30d },
	"history.escalations":        func(e *Env) int { return e.History.Escalations },
}

var strFields = map[string]strFn{
	"kind":            func(e *Env) string { return e.Kind },
	"channel":         func(e *Env) string { return e.Channel },
	"category":        func(e *Env) string { return e.Category },
	"region":          func(e *Env) string { return e.Region },
	"text":            func(e *Env) string { return e.Text },
	"product":         func(e *Env) string { return e.Product },
	"partner":         func(e *Env) string { return e.Partner },
	"billing_code":    func(e *Env) string { return e.BillingCode },
	"tier":            func(e *Env) string { return e.Tier },
	"customer.id":     func(e *Env) string { return e.Customer.ID },
	"customer.tier":   func(e *Env) string { return e.Customer.Tier },
	"customer.region": func(e *Env) string { return e.Customer.Region },
	"customer.owner":  func(e *Env) string { return e.Customer.Owner },
}

var boolFields = map[string]boolFn{
	"escalated":              func(e *Env) bool { return e.Escalated },
	"customer.professional":  func(e *Env) bool { return e.Customer.Professional },
	"customer.sensitive":     func(e *Env) bool { return e.Customer.Sensitive },
	"customer.important":     func(e *Env) bool { return e.Customer.Important },
	"customer.vip":           func(e *Env) bool { return e.Customer.VIP },
	"customer.repeat_caller": func(e *Env) bool { return e.Customer.RepeatCaller },
	"customer.pending":       func(e *Env) bool { return e.Customer.Pending },
}

// nativeCompile returns a closure for src, or nil when src is not simple.
// src has already been type-checked by expr.Compile.
func nativeCompile(src string) boolFn {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil
	}
	f, ok := nBool(tree.Node)
	if !ok {
		return nil
	}
	return f
}

func fieldName(n ast.Node) (string, bool) {
	switch n := n.(type) {
	case *ast.IdentifierNode:
		return n.Value, true
	case *ast.MemberNode:
		base, ok := n.Node.(*ast.IdentifierNode)
		prop, ok2 := n.Property.(*ast.StringNode)
		if !ok || !ok2 || n.Optional {
			return "", false
		}
		return base.Value + "." + prop.Value, true
	}
	return "", false
}

func nBool(n ast.Node) (boolFn, bool) {
	switch n := n.(type) {
	case *ast.BoolNode:
		v := n.Value
		return func(*Env) bool { return v }, true
	case *ast.IdentifierNode, *ast.MemberNode:
		name, ok := fieldName(n)
		f, ok2 := boolFields[name]
		return f, ok && ok2
	case *ast.UnaryNode:
		if n.Operator != "not" && n.Operator != "!" {
			return nil, false
		}
		x, ok := nBool(n.Node)
		if !ok {
			return nil, false
		}
		return func(e *Env) bool { return !x(e) }, true
	case *ast.BinaryNode:
		return nBinary(n)
	}
	return nil, false
}

func nBinary(n *ast.BinaryNode) (boolFn, bool) {
	switch n.Operator {
	case "and", "&&", "or", "||":
		l, ok1 := nBool(n.Left)
		r, ok2 := nBool(n.Right)
		if !ok1 || !ok2 {
			return nil, false
		}
		if n.Operator == "and" || n.Operator == "&&" {
			return func(e *Env) bool { return l(e) && r(e) }, true
		}
		return func(e *Env) bool { return l(e) || r(e) }, true
	case "==", "!=":
		neg := n.Operator == "!="
		var eq boolFn
		if l, ok := nInt(n.Left); ok {
			if r, ok := nInt(n.Right); ok {
				eq = func(e *Env) bool { return l(e) == r(e) }
			}
		}
		if l, ok := nStr(n.Left); ok && eq == nil {
			if r, ok := nStr(n.Right); ok {
				eq = func(e *Env) bool { return l(e) == r(e) }
			}
		}
		if l, ok := nBool(n.Left); ok && eq == nil {
			if r, ok := nBool(n.Right); ok {
				eq = func(e *Env) bool { return l(e) == r(e) }
			}
		}
		if eq == nil {
			return nil, false
		}
		if neg {
			return func(e *Env) bool { return !eq(e) }, true
		}
		return eq, true
	case "<", "<=", ">", ">=":
		l, ok1 := nInt(n.Left)
		r, ok2 := nInt(n.Right)
		if !ok1 || !ok2 {
			return nil, false
		}
		switch n.Operator {
		case "<":
			return func(e *Env) bool { return l(e) < r(e) }, true
		case "<=":
			return func(e *Env) bool { return l(e) <= r(e) }, true
		case ">":
			return func(e *Env) bool { return l(e) > r(e) }, true
		default:
			return func(e *Env) bool { return l(e) >= r(e) }, true
		}
	case "contains", "startsWith", "endsWith":
		l, ok1 := nStr(n.Left)
		r, ok2 := nStr(n.Right)
		if !ok1 || !ok2 {
			return nil, false
		}
		switch n.Operator {
		case "contains":
			return func(e *Env) bool { return strings.Contains(l(e), r(e)) }, true
		case "startsWith":
			return func(e *Env) bool { return strings.HasPrefix(l(e), r(e)) }, true
		default:
			return func(e *Env) bool { return strings.HasSuffix(l(e), r(e)) }, true
		}
	case "in", "not in":
		arr, ok := n.Right.(*ast.ArrayNode)
		if !ok {
			return nil, false
		}
		var in boolFn
		if l, ok := nStr(n.Left); ok {
			var set []string
			for _, x := range arr.Nodes {
				s, ok := x.(*ast.StringNode)
				if !ok {
					return nil, false
				}
				set = append(set, s.Value)
			}
			in = func(e *Env) bool { return slices.Contains(set, l(e)) }
		} else if l, ok := nInt(n.Left); ok {
			var set []int
			for _, x := range arr.Nodes {
				s, ok := x.(*ast.IntegerNode)
				if !ok {
					return nil, false
				}
				set = append(set, s.Value)
			}
			in = func(e *Env) bool { return slices.Contains(set, l(e)) }
		} else {
			return nil, false
		}
		if n.Operator == "not in" {
			return func(e *Env) bool { return !in(e) }, true
		}
		return in, true
	}
	return nil, false
}

func nInt(n ast.Node) (intFn, bool) {
	switch n := n.(type) {
	case *ast.IntegerNode:
		v := n.Value
		return func(*Env) int { return v }, true
	case *ast.IdentifierNode, *ast.MemberNode:
		name, ok := fieldName(n)
		f, ok2 := intFields[name]
		return f, ok && ok2
	case *ast.UnaryNode:
		if n.Operator != "-" {
			return nil, false
		}
		x, ok := nInt(n.Node)
		if !ok {
			return nil, false
		}
		return func(e *Env) int { return -x(e) }, true
	case *ast.BinaryNode:
		l, ok1 := nInt(n.Left)
		r, ok2 := nInt(n.Right)
		if !ok1 || !ok2 {
			return nil, false
		}
		switch n.Operator {
		case "+":
			return func(e *Env) int { return l(e) + r(e) }, true
		case "-":
			return func(e *Env) int { return l(e) - r(e) }, true
		case "*":
			return func(e *Env) int { return l(e) * r(e) }, true
		}
	}
	return nil, false
}

func nStr(n ast.Node) (strFn, bool) {
	switch n := n.(type) {
	case *ast.StringNode:
		v := n.Value
		return func(*Env) string { return v }, true
	case *ast.IdentifierNode, *ast.MemberNode:
		name, ok := fieldName(n)
		f, ok2 := strFields[name]
		return f, ok && ok2
	}
	return nil, false
}
