package routing

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kesu-go/kesu/complaint"
)

// The policy file's sections as written (first layer: decoded strictly,
// unknown keys refused). compile turns them into the immutable Policy.

type taxonomySpec struct {
	Preset string           `yaml:"preset"`
	Extend []complaint.Node `yaml:"extend"`
}

type matchSpec struct {
	Kind     []string `yaml:"kind"`
	Channel  []string `yaml:"channel"`
	Category []string `yaml:"category"`
	Region   []string `yaml:"region"`
	Flags    []string `yaml:"flags"`
	Tags     []string `yaml:"tags"`
	NoTags   []string `yaml:"no_tags"`
}

type tagSpec struct {
	ID    string     `yaml:"id"`
	Label string     `yaml:"label"`
	Match *matchSpec `yaml:"match"`
	When  string     `yaml:"when"`
	Tag   string     `yaml:"tag"`
}

type routeSpec struct {
	ID       string      `yaml:"id"`
	Label    string      `yaml:"label"`
	Match    *matchSpec  `yaml:"match"`
	When     string      `yaml:"when"`
	Continue bool        `yaml:"continue"`
	Queue    string      `yaml:"queue"`
	Priority *int        `yaml:"priority"`
	Handling string      `yaml:"handling"`
	SLA      string      `yaml:"sla"`
	Green    *bool       `yaml:"green"`
	Onsite   *bool       `yaml:"onsite"`
	Assign   string      `yaml:"assign"`
	Routes   []routeSpec `yaml:"routes"`
}

type handlerSpec struct {
	ID       string   `yaml:"id"`
	Skills   []string `yaml:"skills"`
	Capacity int      `yaml:"capacity"`
}

type queueSpec struct {
	ID       string        `yaml:"id"`
	Label    string        `yaml:"label"`
	Unit     string        `yaml:"unit"`
	Tier     string        `yaml:"tier"`
	Strategy string        `yaml:"strategy"`
	Fallback string        `yaml:"fallback"`
	Handlers []handlerSpec `yaml:"handlers"`
}

type slaSpec struct {
	ID           string     `yaml:"id"`
	Label        string     `yaml:"label"`
	Match        *matchSpec `yaml:"match"`
	FirstContact Span       `yaml:"first_contact"`
	Reply        Span       `yaml:"reply"`
	Resolve      Span       `yaml:"resolve"`
	Regulator    Span       `yaml:"regulator"`
}

type limitSpec struct {
	Refund       Yuan `yaml:"refund"`
	Compensation Yuan `yaml:"compensation"`
}

type authSpec struct {
	Cap    Yuan                 `yaml:"cap"`
	Limits map[string]limitSpec `yaml:"limits"`
}

type transferSpec struct {
	Max         int  `yaml:"max"`
	AllowReturn bool `yaml:"allow_return"`
}

// Unit is the unit of a Span.
type Unit uint8

// The units of a Span.
const (
	Minutes     Unit = iota + 1 // "30m"
	Hours                       // "24h"
	Days                        // "15d": calendar days
	WorkingDays                 // "5wd": working days on the policy's calendar
)

// Span is a length of time in a policy file: a positive whole number and a
// unit, "30m", "24h", "15d" (calendar days) or "5wd" (working days). The zero
// Span means "not set".
type Span struct {
	N    int
	Unit Unit
}

// ParseSpan parses "30m", "24h", "15d" or "5wd".
func ParseSpan(s string) (Span, error) {
	s = strings.TrimSpace(s)
	var u Unit
	var num string
	switch {
	case strings.HasSuffix(s, "wd"):
		u, num = WorkingDays, strings.TrimSuffix(s, "wd")
	case strings.HasSuffix(s, "d"):
		u, num = Days, strings.TrimSuffix(s, "d")
	case strings.HasSuffix(s, "h"):
		u, num = Hours, strings.TrimSuffix(s, "h")
	case strings.HasSuffix(s, "m"):
		u, num = Minutes, strings.TrimSuffix(s, "m")
	default:
		return Span{}, fmt.Errorf("bad span %q (want e.g. 30m, 24h, 15d or 5wd)", s)
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 || n > 100000 {
		return Span{}, fmt.Errorf("bad span %q (want a positive whole number before the unit)", s)
	}
	return Span{N: n, Unit: u}, nil
}

// String formats s as it is written in a policy file ("" for the zero Span).
func (s Span) String() string {
	suffix := map[Unit]string{Minutes: "m", Hours: "h", Days: "d", WorkingDays: "wd"}[s.Unit]
	if suffix == "" {
		return ""
	}
	return strconv.Itoa(s.N) + suffix
}

// IsZero reports whether s is not set.
func (s Span) IsZero() bool { return s.N == 0 }

// UnmarshalYAML implements yaml.Unmarshaler.
func (s *Span) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a span is a scalar like 24h or 5wd", n.Line)
	}
	v, err := ParseSpan(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*s = v
	return nil
}

// after returns the deadline s after from, on cal for working days.
func (s Span) after(p *Policy, from time.Time) (time.Time, error) {
	switch s.Unit {
	case Minutes:
		return from.Add(time.Duration(s.N) * time.Minute), nil
	case Hours:
		return from.Add(time.Duration(s.N) * time.Hour), nil
	case Days:
		t := from.In(p.loc)
		y, m, d := t.Date()
		h, mi, sec := t.Clock()
		return time.Date(y, m, d+s.N, h, mi, sec, t.Nanosecond(), p.loc), nil
	case WorkingDays:
		return p.cal.AddWorkingDays(from, s.N)
	}
	return time.Time{}, nil
}

// Yuan is an amount of money written in yuan in a policy file ("500",
// "49.90"), held exactly in fen.
type Yuan complaint.Money

// ParseYuan parses a non-negative amount in yuan with at most two decimals.
func ParseYuan(s string) (complaint.Money, error) {
	s = strings.TrimSpace(s)
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || (dot && frac == "") {
		return 0, fmt.Errorf("bad amount %q (want yuan like 500 or 49.90)", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 1e12 {
		return 0, fmt.Errorf("bad amount %q (want yuan like 500 or 49.90)", s)
	}
	var f int64
	if frac != "" {
		for len(frac) < 2 {
			frac += "0"
		}
		f, err = strconv.ParseInt(frac, 10, 64)
		if err != nil || f < 0 {
			return 0, fmt.Errorf("bad amount %q (want yuan like 500 or 49.90)", s)
		}
	}
	return complaint.Money(w*100 + f), nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (y *Yuan) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: an amount is a number of yuan", n.Line)
	}
	m, err := ParseYuan(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*y = Yuan(m)
	return nil
}

// child returns the value node of key in mapping n, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// item returns element i of sequence n, or nil.
func item(n *yaml.Node, i int) *yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.SequenceNode || i >= len(n.Content) {
		return nil
	}
	return n.Content[i]
}

// or returns n when non-nil, else def (for error positions).
func or(n, def *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return def
}
