package ingest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/policyfile"
)

// Fields are the ticket fields a CSV column can fill, in the order they are
// listed in messages.
var Fields = []string{"id", "time", "kind", "channel", "category", "region", "customer", "subscriber",
	"product", "partner", "billing_code", "text", "repeat_of"}

// Mapping says how to read a CSV history: which column holds which ticket
// field, the time formats and zone, defaults for fields with no column and
// translations of the source's values into kesu codes. Build one with
// LoadMapping or ParseMapping; it is immutable and safe for concurrent use.
//
// A mapping file:
//
//	header: true                # the first row names the columns (default true)
//	delimiter: ","              # one character; "\t" for tab-separated
//	zone: Asia/Shanghai         # for times without an offset (default)
//	time_formats: ["2006-01-02 15:04:05", "2006/1/2 15:04"]  # Go layouts, tried in order
//	columns:                    # field: header name, or column number from 1 when header is false
//	  id: 工单编号
//	  time: 受理时间
//	  category: 业务分类
//	  region: 区域编码
//	  customer: 客户编号
//	  partner: SP代码
//	  text: 投诉内容
//	defaults: {kind: complaint, channel: hotline}
//	values:                     # source value: kesu code, per field
//	  category: {不知情定制: vas.unaware, 话费争议: billing.dispute}
type Mapping struct {
	Header    bool
	Delimiter rune
	Zone      *time.Location
	Formats   []string
	// Columns gives each mapped field's column: a header name, or a
	// 1-based number as a string when Header is false.
	Columns  map[string]string
	Defaults map[string]string
	Values   map[string]map[string]string
	Lazy     bool
}

type rawMapping struct {
	Header      *bool                        `yaml:"header"`
	Delimiter   string                       `yaml:"delimiter"`
	Zone        string                       `yaml:"zone"`
	TimeFormats []string                     `yaml:"time_formats"`
	Columns     map[string]string            `yaml:"columns"`
	Defaults    map[string]string            `yaml:"defaults"`
	Values      map[string]map[string]string `yaml:"values"`
	LazyQuotes  bool                         `yaml:"lazy_quotes"`
}

// LoadMapping reads and checks the mapping file at path.
func LoadMapping(path string) (*Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	return ParseMapping(path, data)
}

// ParseMapping parses a mapping document; name names it in errors. Unknown
// keys, unknown fields, a missing time, category or region column, and bad
// layouts are refused with name:line (policyfile errors), all at once.
func ParseMapping(name string, data []byte) (*Mapping, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &policyfile.Error{File: name, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, &policyfile.Error{File: name, Line: 1, Msg: "a mapping file is a YAML mapping (columns, time_formats…)"}
	}
	root := doc.Content[0]
	var raw rawMapping
	if err := policyfile.Decode(name, "", root, &raw); err != nil {
		return nil, err
	}
	var errs policyfile.Errors
	at := func(key string) *yaml.Node {
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == key {
				return root.Content[i+1]
			}
		}
		return root
	}
	m := &Mapping{Header: raw.Header == nil || *raw.Header, Delimiter: ',', Formats: raw.TimeFormats,
		Columns: raw.Columns, Defaults: raw.Defaults, Values: raw.Values, Lazy: raw.LazyQuotes}
	switch d := raw.Delimiter; {
	case d == "":
	case d == `\t` || d == "tab":
		m.Delimiter = '\t'
	case utf8.RuneCountInString(d) == 1 && d != "\"" && d != "\n" && d != "\r":
		m.Delimiter, _ = utf8.DecodeRuneInString(d)
	default:
		errs = append(errs, policyfile.Errorf(name, at("delimiter"), "delimiter", "one character (or \\t), got %q", d))
	}
	zone := raw.Zone
	if zone == "" {
		zone = "Asia/Shanghai"
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		errs = append(errs, policyfile.Errorf(name, at("zone"), "zone", "unknown time zone %q", zone))
		loc = time.UTC
	}
	m.Zone = loc
	if len(m.Formats) == 0 {
		m.Formats = []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006/1/2 15:04:05", "2006/1/2 15:04"}
	}
	for i, f := range m.Formats {
		probe := time.Date(2025, 3, 4, 15, 6, 7, 0, time.UTC)
		if back, err := time.Parse(f, probe.Format(f)); err != nil || back.Year() != 2025 || back.Day() != 4 {
			errs = append(errs, policyfile.Errorf(name, at("time_formats"), fmt.Sprintf("time_formats[%d]", i), "%q is not a Go time layout with a date (write 2006-01-02 15:04:05)", f))
		}
	}
	for _, f := range sortedKeys(m.Columns) {
		if !slices.Contains(Fields, f) {
			errs = append(errs, policyfile.Errorf(name, at("columns"), "columns."+f, "unknown field (known: %s)", strings.Join(Fields, ", ")))
			continue
		}
		if !m.Header {
			if n, err := strconv.Atoi(m.Columns[f]); err != nil || n < 1 {
				errs = append(errs, policyfile.Errorf(name, at("columns"), "columns."+f, "without a header a column is a number from 1, got %q", m.Columns[f]))
			}
		}
	}
	for _, f := range []string{"time", "category", "region"} {
		if _, ok := m.Columns[f]; !ok && m.Defaults[f] == "" {
			errs = append(errs, policyfile.Errorf(name, at("columns"), "columns."+f, "required: which column holds the %s", f))
		}
	}
	for _, f := range sortedKeys(m.Defaults) {
		if !slices.Contains(Fields, f) || f == "time" || f == "id" {
			errs = append(errs, policyfile.Errorf(name, at("defaults"), "defaults."+f, "not a field with a default"))
		}
	}
	for _, f := range sortedKeys(m.Values) {
		if !slices.Contains(Fields, f) || f == "time" {
			errs = append(errs, policyfile.Errorf(name, at("values"), "values."+f, "not a field with value translations"))
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// CSV reads a history of tickets from CSV through a Mapping: every row is a
// new ticket. Build one with NewCSV; it is not safe for concurrent use.
type CSV struct {
	r    *csv.Reader
	m    *Mapping
	cols []int    // column index of each field in Fields; -1 when none
	vals []string // the row's value of each field in Fields
	in   complaint.Intake
	line int
	done bool
}

// NewCSV returns a CSV reading r with m. With a header it reads the header
// row now and returns an error naming any mapped column it lacks.
func NewCSV(r io.Reader, m *Mapping) (*CSV, error) {
	cr := csv.NewReader(r)
	cr.Comma = m.Delimiter
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.LazyQuotes = m.Lazy
	c := &CSV{r: cr, m: m, cols: make([]int, len(Fields)), vals: make([]string, len(Fields))}
	for i := range c.cols {
		c.cols[i] = -1
	}
	if !m.Header {
		for i, f := range Fields {
			if col, ok := m.Columns[f]; ok {
				n, _ := strconv.Atoi(col)
				c.cols[i] = n - 1
			}
		}
		return c, nil
	}
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("ingest: csv: empty input: no header row")
		}
		return nil, fmt.Errorf("ingest: csv: header: %w", err)
	}
	c.line = 1
	var missing []string
	for i, f := range Fields {
		col, ok := m.Columns[f]
		if !ok {
			continue
		}
		idx := slices.IndexFunc(head, func(h string) bool { return strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) == col })
		if idx < 0 {
			missing = append(missing, fmt.Sprintf("%s (%q)", f, col))
			continue
		}
		c.cols[i] = idx
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("ingest: csv: the header lacks the mapped columns %s; it has %q", strings.Join(missing, ", "), head)
	}
	return c, nil
}

// Read implements Reader.
func (c *CSV) Read(row *Row) error {
	if c.done {
		return io.EOF
	}
	rec, err := c.r.Read()
	if err != nil {
		var pe *csv.ParseError
		switch {
		case errors.Is(err, io.EOF):
			c.done = true
			return io.EOF
		case errors.As(err, &pe):
			return &RowError{Line: pe.StartLine, Msg: "csv: " + pe.Err.Error()}
		default:
			return fmt.Errorf("ingest: csv: %w", err)
		}
	}
	line, _ := c.r.FieldPos(0)
	*row = Row{Line: line}
	get := func(field int) (string, error) {
		i := c.cols[field]
		name := Fields[field]
		var v string
		switch {
		case i < 0:
			return c.m.Defaults[name], nil
		case i >= len(rec):
			return "", &RowError{Line: line, Field: name, Msg: fmt.Sprintf("the row has %d columns; %s is column %d", len(rec), name, i+1)}
		default:
			v = strings.TrimSpace(rec[i])
		}
		if v == "" {
			v = c.m.Defaults[name]
		}
		if tr, ok := c.m.Values[name]; ok {
			if code, ok := tr[v]; ok {
				v = code
			}
		}
		return v, nil
	}
	vals := c.vals
	for i := range Fields {
		v, err := get(i)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	at, err := c.parseTime(vals[1])
	if err != nil {
		return &RowError{Line: line, Field: "time", Msg: err.Error()}
	}
	c.in = complaint.Intake{ExternalID: vals[0], Kind: complaint.Kind(vals[2]), Channel: complaint.Channel(vals[3]),
		Category: vals[4], Region: vals[5], Customer: vals[6], Subscriber: vals[7], Product: vals[8],
		Partner: vals[9], BillingCode: vals[10], Text: vals[11], RepeatOf: vals[12]}
	row.At, row.Source, row.Intake = at, vals[0], &c.in
	return checkIntake(row)
}

func (c *CSV) parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("empty")
	}
	for _, f := range c.m.Formats {
		if t, err := time.ParseInLocation(f, s, c.m.Zone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q matches none of the time formats %q", s, c.m.Formats)
}
