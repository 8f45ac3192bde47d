package complaint

import (
	"fmt"
	"slices"
	"strings"
)

// Node is one entry of a taxonomy: a code and its labels.
type Node struct {
	// Code is a hierarchical code (see ValidCode); its parent is the code
	// without its last segment.
	Code string `json:"code" yaml:"code"`
	ZH   string `json:"zh" yaml:"zh"` // Chinese label
	EN   string `json:"en" yaml:"en"` // English label
}

// Level is the depth of the node: 1 for a top-level code.
func (n Node) Level() int { return Level(n.Code) }

// Taxonomy is a tree of codes with labels: the category taxonomy (业务分类 /
// 业务子类, DOMAIN.md R3) or the region hierarchy (province → city → county →
// branch, R4). Build it with NewTaxonomy or a preset; a built Taxonomy is
// immutable and safe for concurrent use.
type Taxonomy struct {
	name  string
	nodes map[string]Node
	codes []string // sorted
}

// NewTaxonomy builds a taxonomy from nodes. Every code must be well formed,
// unique, and have its parent present. It reports every problem at once.
func NewTaxonomy(name string, nodes ...Node) (*Taxonomy, error) {
	t := &Taxonomy{name: name, nodes: make(map[string]Node, len(nodes))}
	return t, t.add(nodes)
}

func (t *Taxonomy) add(nodes []Node) error {
	v := new(ValidationError)
	for i, n := range nodes {
		p := fmt.Sprintf("%s[%d].code", t.name, i)
		switch {
		case !ValidCode(n.Code):
			v.Add(p, "malformed code %q", n.Code)
			continue
		case t.nodes[n.Code].Code != "":
			v.Add(p, "duplicate code %q", n.Code)
			continue
		}
		t.nodes[n.Code] = n
	}
	for _, n := range nodes {
		if par := Parent(n.Code); par != "" && t.nodes[par].Code == "" && ValidCode(n.Code) {
			v.Add(t.name+"."+n.Code, "parent %q not defined", par)
		}
	}
	t.codes = t.codes[:0]
	for c := range t.nodes {
		t.codes = append(t.codes, c)
	}
	slices.Sort(t.codes)
	return v.Err()
}

// Extend returns a new taxonomy with the nodes of t and extra; t is unchanged.
func (t *Taxonomy) Extend(extra ...Node) (*Taxonomy, error) {
	n := &Taxonomy{name: t.name, nodes: make(map[string]Node, len(t.nodes)+len(extra))}
	for k, v := range t.nodes {
		n.nodes[k] = v
	}
	return n, n.add(extra)
}

// Name is the taxonomy's name, e.g. "categories".
func (t *Taxonomy) Name() string { return t.name }

// Has reports whether code is in the taxonomy.
func (t *Taxonomy) Has(code string) bool { _, ok := t.nodes[code]; return ok }

// Lookup returns the node of code and whether it exists.
func (t *Taxonomy) Lookup(code string) (Node, bool) { n, ok := t.nodes[code]; return n, ok }

// Label returns the Chinese and English labels joined as "中文 (English)", or
// the code itself when it is unknown.
func (t *Taxonomy) Label(code string) string {
	n, ok := t.nodes[code]
	if !ok {
		return code
	}
	return n.ZH + " (" + n.EN + ")"
}

// Codes returns every code, sorted.
func (t *Taxonomy) Codes() []string { return slices.Clone(t.codes) }

// Children returns the direct children of code ("" for the roots), sorted.
func (t *Taxonomy) Children(code string) []string {
	var out []string
	for _, c := range t.codes {
		if Parent(c) == code {
			out = append(out, c)
		}
	}
	return out
}

// Path returns the nodes from the root down to code; nil when unknown.
func (t *Taxonomy) Path(code string) []Node {
	if !t.Has(code) {
		return nil
	}
	var out []Node
	for c := code; c != ""; c = Parent(c) {
		out = append(out, t.nodes[c])
	}
	slices.Reverse(out)
	return out
}

// Parent returns the parent code of code: code without its last segment, or
// "" for a top-level code.
func Parent(code string) string {
	i := strings.LastIndexByte(code, '.')
	if i < 0 {
		return ""
	}
	return code[:i]
}

// Level returns the depth of code: 1 for "gd", 2 for "gd.gz", 0 for "".
func Level(code string) int {
	if code == "" {
		return 0
	}
	return strings.Count(code, ".") + 1
}

// Truncate returns the ancestor of code at depth level (code itself when it
// is not deeper). Truncate("gd.gz.th", 2) is "gd.gz".
func Truncate(code string, level int) string {
	if level <= 0 {
		return ""
	}
	n := 0
	for i := 0; i < len(code); i++ {
		if code[i] == '.' {
			n++
			if n == level {
				return code[:i]
			}
		}
	}
	return code
}

// Under reports whether code is ancestor or a descendant of it (or the same
// code): Under("gd.gz.th", "gd.gz") is true, Under("gd.gzx", "gd.gz") is false.
// The empty ancestor is above everything. It does not allocate.
func Under(code, ancestor string) bool {
	if ancestor == "" {
		return true
	}
	if !strings.HasPrefix(code, ancestor) {
		return false
	}
	return len(code) == len(ancestor) || code[len(ancestor)] == '.'
}

// UnderAny reports whether code is Under any of the prefixes. It does not
// allocate.
func UnderAny(code string, prefixes []string) bool {
	for _, p := range prefixes {
		if Under(code, p) {
			return true
		}
	}
	return false
}
