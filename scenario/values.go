package scenario

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/policyfile"
)

// timeLayouts are the layouts a scenario time may use; those without a zone
// are read in the scenario's zone.
var timeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// ParseTime reads a scenario time: RFC 3339 ("2025-03-03T09:00:00+08:00"),
// or a local time in loc ("2025-03-03 09:00", "2025-03-03 09:00:00",
// "2025-03-03"). It returns an error naming the accepted forms.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, &valueError{"a time like 2025-03-03 09:00 or 2025-03-03T09:00:00+08:00", s}
}

// ParseDuration reads a scenario duration: Go's form ("90m", "1h30m") with
// days and weeks added ("3d", "1w2d", "1d12h"). A day is 24 hours of wall
// time, not a working day.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	orig := s
	if s == "" {
		return 0, &valueError{"a duration like 90m, 2h or 3d", orig}
	}
	neg := false
	if s[0] == '-' {
		neg, s = true, s[1:]
	}
	var total time.Duration
	for _, u := range []struct {
		suffix byte
		d      time.Duration
	}{{'w', 7 * 24 * time.Hour}, {'d', 24 * time.Hour}} {
		i := strings.IndexByte(s, u.suffix)
		if i < 0 {
			continue
		}
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 || n > 10000 {
			return 0, &valueError{"a duration like 90m, 2h or 3d", orig}
		}
		total += time.Duration(n) * u.d
		s = s[i+1:]
	}
	if s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return 0, &valueError{"a duration like 90m, 2h or 3d", orig}
		}
		total += d
	}
	if neg {
		total = -total
	}
	return total, nil
}

// ParseMoney reads an amount in yuan with at most two decimals ("12.5",
// "300", "0.01") as fen.
func ParseMoney(s string) (complaint.Money, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || strings.HasPrefix(whole, "-") || strings.HasPrefix(whole, "+") {
		return 0, &valueError{"an amount in yuan like 12.50", s}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1e12 {
		return 0, &valueError{"an amount in yuan like 12.50", s}
	}
	var f int64
	if frac != "" {
		for len(frac) < 2 {
			frac += "0"
		}
		f, err = strconv.ParseInt(frac, 10, 64)
		if err != nil || f < 0 {
			return 0, &valueError{"an amount in yuan like 12.50", s}
		}
	}
	return complaint.Money(w*100 + f), nil
}

type valueError struct{ want, got string }

func (e *valueError) Error() string { return "want " + e.want + ", got " + strconv.Quote(e.got) }

func (p *parser) time(n *yaml.Node, path string) (time.Time, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		p.errorf(n, path, "want a time like 2025-03-03 09:00")
		return time.Time{}, false
	}
	t, err := ParseTime(n.Value, p.zone)
	if err != nil {
		p.errorf(n, path, "%v", err)
		return time.Time{}, false
	}
	return t, true
}

func (p *parser) duration(n *yaml.Node, path string) (time.Duration, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		p.errorf(n, path, "want a duration like 90m, 2h or 3d")
		return 0, false
	}
	d, err := ParseDuration(n.Value)
	if err != nil {
		p.errorf(n, path, "%v", err)
		return 0, false
	}
	return d, true
}

func (p *parser) money(n *yaml.Node, path string) complaint.Money {
	if n == nil || n.Kind == 0 {
		return 0
	}
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, path, "want an amount in yuan like 12.50")
		return 0
	}
	m, err := ParseMoney(n.Value)
	if err != nil {
		p.errorf(n, path, "%v", err)
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// yamlErr turns a yaml.v3 syntax error ("yaml: line 3: …") into a
// policyfile error naming file:line.
func yamlErr(file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &policyfile.Error{File: file, Msg: msg}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		num, after, ok := strings.Cut(rest, ": ")
		if n, err := strconv.Atoi(num); err == nil && ok {
			e.Line, e.Msg = n, after
		}
	}
	return e
}
