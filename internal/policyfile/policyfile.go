// Package policyfile reads kesu policy files: one YAML document whose
// top-level sections each belong to one part of kesu (routing reads tags,
// routes, queues, sla and authorisation; warning reads warnings and grades;
// scoring reads kpis, targets, appraisal, pay, sanctions and reports).
//
// It keeps line numbers: every error names file:line. Decode refuses unknown
// keys at every depth (yaml.v3's Node.Decode would ignore them).
package policyfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Sections lists every top-level key a policy file may have.
var Sections = []string{
	"version", "name", "zone", "calendar", "taxonomy", "customers",
	"tags", "routes", "queues", "sla", "authorisation", "transfers",
	"warnings", "grades", "ledger",
	"kpis", "targets", "appraisal", "pay", "sanctions", "reports",
	"retention",
}

// File is a parsed policy file: its name (for errors) and its sections.
type File struct {
	Name     string
	Version  int
	Sections map[string]*yaml.Node // key node's value, by section name
	keys     map[string]*yaml.Node // key nodes (for line numbers)
}

// Error is a problem at a place in a policy file.
type Error struct {
	File string
	Line int
	Path string // e.g. "routes.routes[2].match.kind"
	Msg  string
}

// Error returns "file:line: path: message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is a list of problems; Err returns nil for an empty list.
type Errors []*Error

// Error joins the problems' messages, one a line.
func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Err returns es as an error, or nil when empty.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Load reads and parses a policy file.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return Parse(path, data)
}

// Parse parses a policy document. name is used in errors. It checks the
// top-level keys and the version (1); sections are decoded by their owners.
func Parse(name string, data []byte) (*File, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: name, Msg: "empty policy"}
		}
		return nil, yamlError(name, err)
	}
	f := &File{Name: name, Sections: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	if len(doc.Content) == 0 {
		return nil, &Error{File: name, Msg: "empty policy"}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: name, Line: root.Line, Msg: "a policy is a mapping of sections"}
	}
	var errs Errors
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if !slices.Contains(Sections, k.Value) {
			errs = append(errs, &Error{File: name, Line: k.Line, Path: k.Value, Msg: "unknown section (known: " + strings.Join(Sections, ", ") + ")"})
			continue
		}
		if _, dup := f.Sections[k.Value]; dup {
			errs = append(errs, &Error{File: name, Line: k.Line, Path: k.Value, Msg: "section given twice"})
			continue
		}
		f.Sections[k.Value], f.keys[k.Value] = v, k
	}
	if v, ok := f.Sections["version"]; ok {
		if err := v.Decode(&f.Version); err != nil || f.Version != 1 {
			errs = append(errs, &Error{File: name, Line: v.Line, Path: "version", Msg: "unsupported version " + v.Value + " (want 1)"})
		}
	} else {
		errs = append(errs, &Error{File: name, Line: root.Line, Path: "version", Msg: "required (version: 1)"})
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return f, nil
}

// Has reports whether the file has a section.
func (f *File) Has(section string) bool { _, ok := f.Sections[section]; return ok }

// Line returns the line of a section's key, or 0.
func (f *File) Line(section string) int {
	if k := f.keys[section]; k != nil {
		return k.Line
	}
	return 0
}

// Decode decodes a section into v (a pointer), refusing unknown keys. A
// missing section leaves v unchanged and returns nil.
func (f *File) Decode(section string, v any) error {
	n, ok := f.Sections[section]
	if !ok {
		return nil
	}
	return Decode(f.Name, section, n, v)
}

// Errorf returns an *Error at node n.
func Errorf(file string, n *yaml.Node, path, format string, args ...any) *Error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{File: file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Decode decodes node n into v, refusing unknown keys at every depth. path
// names n in errors. All unknown keys are reported at once.
func Decode(file, path string, n *yaml.Node, v any) error {
	var errs Errors
	checkKeys(file, path, n, reflect.TypeOf(v), &errs)
	if err := errs.Err(); err != nil {
		return err
	}
	if err := n.Decode(v); err != nil {
		return yamlErrorAt(file, path, n, err)
	}
	return nil
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

func checkKeys(file, path string, n *yaml.Node, t reflect.Type, errs *Errors) {
	if n == nil || t == nil {
		return
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return // the type checks itself
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return // n.Decode reports the type mismatch
		}
		fields := map[string]reflect.Type{}
		collectFields(t, fields)
		known := make([]string, 0, len(fields))
		for k := range fields {
			known = append(known, k)
		}
		slices.Sort(known)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				*errs = append(*errs, &Error{File: file, Line: k.Line, Path: join(path, k.Value), Msg: "unknown key (known: " + strings.Join(known, ", ") + ")"})
				continue
			}
			checkKeys(file, join(path, k.Value), v, ft, errs)
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, c := range n.Content {
			checkKeys(file, fmt.Sprintf("%s[%d]", path, i), c, t.Elem(), errs)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			checkKeys(file, join(path, n.Content[i].Value), n.Content[i+1], t.Elem(), errs)
		}
	}
}

func collectFields(t reflect.Type, out map[string]reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				collectFields(ft, out)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func yamlError(file string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var es Errors
		for _, m := range te.Errors {
			es = append(es, parseYAMLMsg(file, m))
		}
		return es
	}
	return parseYAMLMsg(file, err.Error())
}

func yamlErrorAt(file, path string, n *yaml.Node, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var es Errors
		for _, m := range te.Errors {
			e := parseYAMLMsg(file, m)
			e.Path = path
			es = append(es, e)
		}
		return es
	}
	return &Error{File: file, Line: n.Line, Path: path, Msg: err.Error()}
}

// parseYAMLMsg turns "yaml: line 3: cannot ..." into an *Error with Line 3.
func parseYAMLMsg(file, msg string) *Error {
	msg = strings.TrimPrefix(msg, "yaml: ")
	e := &Error{File: file, Msg: msg}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		var line int
		if _, err := fmt.Sscanf(rest, "%d:", &line); err == nil {
			e.Line = line
			if _, after, ok := strings.Cut(rest, ": "); ok {
				e.Msg = after
			}
		}
	}
	return e
}
