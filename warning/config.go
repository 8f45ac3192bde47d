package warning

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"go.yaml.in/yaml/v3"

	"github.com/kesu-go/kesu/internal/policyfile"
)

// Duration is a time.Duration written in a policy file as Go durations
// ("15m", "1h30m") or whole days ("7d").
type Duration time.Duration

// ParseDuration parses "7d", "36h", "15m" or "1h30m".
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(d, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad duration %q (want e.g. 7d, 36h, 15m)", s)
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %q (want e.g. 7d, 36h, 15m)", s)
	}
	return d, nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// String formats d the way ParseDuration reads it.
func (d Duration) String() string { return formatDuration(time.Duration(d)) }

func formatDuration(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	if s == "" {
		return "0s"
	}
	return s
}

// Rate is a number of events per day, written "1/day", "1/week", "1/month"
// or a plain number per day.
type Rate float64

// UnmarshalYAML implements yaml.Unmarshaler.
func (r *Rate) UnmarshalYAML(n *yaml.Node) error {
	num, per, ok := strings.Cut(strings.TrimSpace(n.Value), "/")
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || v <= 0 {
		return fmt.Errorf("line %d: bad rate %q (want e.g. 1/day, 1/week, 1/month)", n.Line, n.Value)
	}
	if ok {
		switch strings.TrimSpace(per) {
		case "day":
		case "week":
			v /= 7
		case "month":
			v /= 30
		case "year":
			v /= 365
		default:
			return fmt.Errorf("line %d: bad rate %q: per day, week, month or year", n.Line, n.Value)
		}
	}
	*r = Rate(v)
	return nil
}

// BatchConfig sets the batch / mass-complaint detector (DOMAIN.md R17).
type BatchConfig struct {
	// Windows are the trailing windows tested; default 15m, 1h, 24h. They are
	// counted in 15-minute buckets: a window covers the current bucket and
	// the ones before it.
	Windows []Duration `yaml:"windows"`
	// MinTickets and MinCustomers gate every warning: default 5 tickets from
	// 3 distinct customers.
	MinTickets   int `yaml:"min_tickets"`
	MinCustomers int `yaml:"min_customers"`
	// Budget is the false-alarm budget of the whole system per grade: default
	// III 1/day, II 1/week, I 1/month. Per-test thresholds derive from it.
	Budget map[string]Rate `yaml:"budget"`
	// Quiet is how long a key must stay under threshold before its warning
	// stops absorbing new tickets; default 24h.
	Quiet Duration `yaml:"quiet"`
	// IdleTTL drops a key with no ticket for that long; default 35d.
	IdleTTL Duration `yaml:"idle_ttl"`
	// MaxDispersion caps φ; default 10.
	MaxDispersion float64 `yaml:"max_dispersion"`
}

// TrendConfig sets the hotspot-trend detector (DOMAIN.md R17, R25).
type TrendConfig struct {
	// Ratio and MinTickets gate the week-over-week test: default 1.5 and 10.
	Ratio      float64 `yaml:"ratio"`
	MinTickets int     `yaml:"min_tickets"`
	// Alpha is the significance of the conditional binomial test; default 0.001.
	Alpha float64 `yaml:"alpha"`
	// K and H are the CUSUM's allowance and decision interval in standard
	// deviations; default 0.5 and 5.
	K float64 `yaml:"k"`
	H float64 `yaml:"h"`
}

// EscalationConfig sets the escalation-tendency score (DOMAIN.md R16).
type EscalationConfig struct {
	// Points per reason; see the Point* constants for the names and defaults.
	Points map[string]int `yaml:"points"`
	// Grades are the score thresholds per grade: default III 5, II 8, I 11.
	Grades map[string]int `yaml:"grades"`
	// Words are the regulator / media words (default 工信部, 12300, 12398,
	// 媒体, 律师, 曝光, 投诉到, 记者, 消协).
	Words []string `yaml:"words"`
	// IdleTTL forgets a customer after that long without contact; default 30d.
	IdleTTL Duration `yaml:"idle_ttl"`
}

// DeadlineConfig sets the deadline alarms (DOMAIN.md R18).
type DeadlineConfig struct {
	// Countdown, Overdue and Severe are shares of the allowed time: default
	// 0.8, 1.0 and 1.5.
	Countdown float64 `yaml:"countdown"`
	Overdue   float64 `yaml:"overdue"`
	Severe    float64 `yaml:"severe"`
	// Appeal is the regulator clock: after this long unresolved a telecom
	// customer may appeal to 12300 (default 15d; 0s turns it off).
	Appeal *Duration `yaml:"appeal"`
}

// RepeatConfig sets the repeat-contact detector (DOMAIN.md R15, R16).
type RepeatConfig struct {
	// Within7 and Within30 are how many earlier contacts on the same issue
	// (customer × sub-category) within 7 and 30 days make a warning: default
	// 2 and 3.
	Within7  int `yaml:"within_7d"`
	Within30 int `yaml:"within_30d"`
}

// OutageConfig sets outage correlation (DOMAIN.md R19).
type OutageConfig struct {
	// Categories are the category prefixes linked to outages; default
	// outage, quality.
	Categories []string `yaml:"categories"`
	// Grace extends an outage's window after its end; default 2h.
	Grace Duration `yaml:"grace"`
	// MinNotice is the lowest acceptable share of customers notified of a
	// planned outage; default 0.9.
	MinNotice float64 `yaml:"min_notice"`
	// Repeated outages: Repeats outages in one area within RepeatWindow
	// (default 3 in 30d) make a warning.
	Repeats      int      `yaml:"repeats"`
	RepeatWindow Duration `yaml:"repeat_window"`
	// MinTickets linked to one outage make a complaint warning; default 5.
	MinTickets int `yaml:"min_tickets"`
}

// GroupingConfig sets notification timing, as Alertmanager's route options.
type GroupingConfig struct {
	// GroupWait delays the first notice of a new warning; default 30s.
	GroupWait Duration `yaml:"group_wait"`
	// GroupInterval is the least time between notices of a changed warning;
	// default 5m.
	GroupInterval Duration `yaml:"group_interval"`
	// RepeatInterval re-notifies an unchanged open warning; default 4h.
	RepeatInterval Duration `yaml:"repeat_interval"`
}

// LedgerConfig sets the ledger's timeliness targets and look-backs (R21).
type LedgerConfig struct {
	// Ack and Feedback are the times allowed to acknowledge and to feed back
	// by grade: default I 30m/24h, II 1h/48h, III 4h/72h, IV 24h/7d.
	Ack      map[string]Duration `yaml:"ack"`
	Feedback map[string]Duration `yaml:"feedback"`
	// Lookback lists the look-backs after closure; default 7d and 30d.
	Lookback []Duration `yaml:"lookback"`
	// Recent is how many archived entries (see Ledger) stay in memory
	// besides the open ones, so Entries still shows the latest history;
	// default 1000.
	Recent int `yaml:"recent"`
}

// GradeRule is one rule of the grading standard: when its expression holds
// for a warning of its kind, the warning gets its grade. The most severe
// matching rule wins; with none, the detector's own grade stands.
type GradeRule struct {
	ID string `yaml:"id"`
	// Kind limits the rule to one warning kind; empty means all.
	Kind Kind `yaml:"kind"`
	// When is an expr-lang expression over GradeEnv, e.g.
	// 'members >= 50 || customers >= 30'.
	When  string `yaml:"when"`
	Grade Grade  `yaml:"grade"`

	prog *vm.Program
	line int
}

// GradeEnv is what a grading rule sees. The field names are the
// expression's variables (lower case, see the expr tags).
type GradeEnv struct {
	Kind      string  `expr:"kind"`
	Rule      string  `expr:"rule"`   // the detector rule, e.g. "batch/1h"
	Stat      string  `expr:"stat"`   // the detector's own grade, "I".."IV"
	Window    string  `expr:"window"` // e.g. "1h"
	Members   int     `expr:"members"`
	Customers int     `expr:"customers"`
	Observed  int     `expr:"observed"`
	Baseline  float64 `expr:"baseline"`
	PValue    float64 `expr:"p"`
	Ratio     float64 `expr:"ratio"`
	Score     int     `expr:"score"`
	Region    string  `expr:"region"`
	Category  string  `expr:"category"`
	Partner   string  `expr:"partner"`
	Product   string  `expr:"product"`
	Customer  string  `expr:"customer"`
	Important int     `expr:"important"` // important users affected (outages)
}

// Config is the warning part of a policy: the warnings, grades and ledger
// sections. The zero Config means every default (see Defaults).
type Config struct {
	Batch      BatchConfig      `yaml:"batch"`
	Trend      TrendConfig      `yaml:"trend"`
	Escalation EscalationConfig `yaml:"escalation"`
	Deadline   DeadlineConfig   `yaml:"deadline"`
	Repeat     RepeatConfig     `yaml:"repeat"`
	Outage     OutageConfig     `yaml:"outage"`
	Grouping   GroupingConfig   `yaml:"grouping"`
	// MaxMembers caps the ticket ids a warning lists; default 50.
	MaxMembers int `yaml:"max_members"`

	// Grades is the grading standard (the policy's grades section).
	Grades []GradeRule `yaml:"-"`
	// Ledger is the policy's ledger section.
	Ledger LedgerConfig `yaml:"-"`
}

// The names of the escalation-tendency points (keys of
// EscalationConfig.Points) and their default points.
const (
	PointRepeat       = "repeat"       // 2 per earlier contact on the same issue in 30 days (at most 3 counted)
	PointPrior        = "prior"        // 3: an earlier regulator escalation
	PointDeadline     = "deadline"     // 2: 80 % of the deadline used
	PointWords        = "words"        // 3: regulator or media words in the text
	PointChannel      = "channel"      // 4: came in through a regulator or the media
	PointProfessional = "professional" // 3: professional complainant (flag or tag)
	PointSensitive    = "sensitive"    // 2: sensitive customer
	PointUrge         = "urge"         // 1 per urge (at most 3 counted)
	PointDissatisfied = "dissatisfied" // 3: dissatisfied on the return visit, or reopened
)

var defaultPoints = map[string]int{PointRepeat: 2, PointPrior: 3, PointDeadline: 2, PointWords: 3,
	PointChannel: 4, PointProfessional: 3, PointSensitive: 2, PointUrge: 1, PointDissatisfied: 3}

var defaultWords = []string{"工信部", "12300", "12398", "媒体", "律师", "曝光", "投诉到", "记者", "消协", "法院"}

// Defaults returns c with every unset setting at its default.
func (c Config) Defaults() Config {
	b := &c.Batch
	if len(b.Windows) == 0 {
		b.Windows = []Duration{Duration(15 * time.Minute), Duration(time.Hour), Duration(24 * time.Hour)}
	}
	setInt(&b.MinTickets, 5)
	setInt(&b.MinCustomers, 3)
	budget := map[string]Rate{"III": 1, "II": 1.0 / 7, "I": 1.0 / 30}
	for k, v := range b.Budget {
		budget[k] = v
	}
	b.Budget = budget
	setDur(&b.Quiet, 24*time.Hour)
	setDur(&b.IdleTTL, 35*24*time.Hour)
	if b.MaxDispersion <= 0 {
		b.MaxDispersion = 10
	}
	t := &c.Trend
	setF(&t.Ratio, 1.5)
	setInt(&t.MinTickets, 10)
	setF(&t.Alpha, 0.001)
	setF(&t.K, 0.5)
	setF(&t.H, 5)
	e := &c.Escalation
	pts := make(map[string]int, len(defaultPoints))
	for k, v := range defaultPoints {
		pts[k] = v
	}
	for k, v := range e.Points {
		pts[k] = v
	}
	e.Points = pts
	gr := map[string]int{"III": 5, "II": 8, "I": 11}
	for k, v := range e.Grades {
		gr[k] = v
	}
	e.Grades = gr
	if len(e.Words) == 0 {
		e.Words = defaultWords
	}
	setDur(&e.IdleTTL, 30*24*time.Hour)
	d := &c.Deadline
	setF(&d.Countdown, 0.8)
	setF(&d.Overdue, 1.0)
	setF(&d.Severe, 1.5)
	if d.Appeal == nil {
		a := Duration(15 * 24 * time.Hour)
		d.Appeal = &a
	}
	r := &c.Repeat
	setInt(&r.Within7, 2)
	setInt(&r.Within30, 3)
	o := &c.Outage
	if len(o.Categories) == 0 {
		o.Categories = []string{"outage", "quality"}
	}
	setDur(&o.Grace, 2*time.Hour)
	setF(&o.MinNotice, 0.9)
	setInt(&o.Repeats, 3)
	setDur(&o.RepeatWindow, 30*24*time.Hour)
	setInt(&o.MinTickets, 5)
	g := &c.Grouping
	setDur(&g.GroupWait, 30*time.Second)
	setDur(&g.GroupInterval, 5*time.Minute)
	setDur(&g.RepeatInterval, 4*time.Hour)
	setInt(&c.MaxMembers, 50)
	l := &c.Ledger
	ack := map[string]Duration{"I": Duration(30 * time.Minute), "II": Duration(time.Hour), "III": Duration(4 * time.Hour), "IV": Duration(24 * time.Hour)}
	fb := map[string]Duration{"I": Duration(24 * time.Hour), "II": Duration(48 * time.Hour), "III": Duration(72 * time.Hour), "IV": Duration(7 * 24 * time.Hour)}
	for k, v := range l.Ack {
		ack[k] = v
	}
	for k, v := range l.Feedback {
		fb[k] = v
	}
	l.Ack, l.Feedback = ack, fb
	if l.Recent <= 0 {
		l.Recent = 1000
	}
	if len(l.Lookback) == 0 {
		l.Lookback = []Duration{Duration(7 * 24 * time.Hour), Duration(30 * 24 * time.Hour)}
	}
	return c
}

func setInt(p *int, v int) {
	if *p <= 0 {
		*p = v
	}
}

func setF(p *float64, v float64) {
	if *p <= 0 {
		*p = v
	}
}

func setDur(p *Duration, v time.Duration) {
	if *p <= 0 {
		*p = Duration(v)
	}
}

// ErrPolicy is wrapped by every error about the warning part of a policy.
var ErrPolicy = errors.New("warning: bad policy")

// LoadConfig reads the warnings, grades and ledger sections of a policy file,
// checks them, compiles the grading rules and returns the Config with
// defaults filled in. Errors name file:line (a policyfile.Errors, which
// errors.Is ErrPolicy too when the problem is a cross-check). A file without
// these sections gives the defaults.
func LoadConfig(f *policyfile.File) (Config, error) {
	var c Config
	if err := f.Decode("warnings", &c); err != nil {
		return Config{}, err
	}
	if err := f.Decode("grades", &c.Grades); err != nil {
		return Config{}, err
	}
	if err := f.Decode("ledger", &c.Ledger); err != nil {
		return Config{}, err
	}
	var errs policyfile.Errors
	node := func(section string, path ...any) *yaml.Node { return find(f.Sections[section], path...) }
	for k := range c.Batch.Budget {
		if _, ok := ParseGrade(k); !ok {
			errs = append(errs, policyfile.Errorf(f.Name, node("warnings", "batch", "budget", k), "warnings.batch.budget."+k, "unknown grade (want I, II, III or IV)"))
		}
	}
	for k := range c.Escalation.Grades {
		if _, ok := ParseGrade(k); !ok {
			errs = append(errs, policyfile.Errorf(f.Name, node("warnings", "escalation", "grades", k), "warnings.escalation.grades."+k, "unknown grade (want I, II, III or IV)"))
		}
	}
	for k := range c.Escalation.Points {
		if _, ok := defaultPoints[k]; !ok {
			errs = append(errs, policyfile.Errorf(f.Name, node("warnings", "escalation", "points", k), "warnings.escalation.points."+k, "unknown point (known: %s)", strings.Join(pointNames(), ", ")))
		}
	}
	for i, w := range c.Batch.Windows {
		if time.Duration(w) < 15*time.Minute || time.Duration(w) > 24*time.Hour {
			errs = append(errs, policyfile.Errorf(f.Name, node("warnings", "batch", "windows", i), fmt.Sprintf("warnings.batch.windows[%d]", i), "window %s out of range (15m to 24h)", w))
		}
	}
	seen := map[string]bool{}
	for i := range c.Grades {
		r := &c.Grades[i]
		n := node("grades", i)
		path := fmt.Sprintf("grades[%d]", i)
		if n != nil {
			r.line = n.Line
		}
		switch {
		case r.ID == "":
			errs = append(errs, policyfile.Errorf(f.Name, n, path+".id", "required"))
		case seen[r.ID]:
			errs = append(errs, policyfile.Errorf(f.Name, n, path+".id", "duplicate rule id %q", r.ID))
		}
		seen[r.ID] = true
		if r.Kind != "" && !validKind(r.Kind) {
			errs = append(errs, policyfile.Errorf(f.Name, find(n, "kind"), path+".kind", "unknown kind %q", r.Kind))
		}
		if r.Grade == GradeNone {
			errs = append(errs, policyfile.Errorf(f.Name, n, path+".grade", "required (I, II, III or IV)"))
		}
		if err := r.compile(); err != nil {
			errs = append(errs, policyfile.Errorf(f.Name, find(n, "when"), path+".when", "%v", err))
		}
	}
	if err := errs.Err(); err != nil {
		return Config{}, err
	}
	return c.Defaults(), nil
}

// Compile compiles the grading rules of c (LoadConfig does it; call it when
// you build a Config in code). It returns an error naming the first rule
// whose expression does not compile.
func (c *Config) Compile() error {
	for i := range c.Grades {
		if err := c.Grades[i].compile(); err != nil {
			return fmt.Errorf("%w: grades[%d] %s: %v", ErrPolicy, i, c.Grades[i].ID, err)
		}
	}
	return nil
}

func (r *GradeRule) compile() error {
	if r.prog != nil {
		return nil
	}
	if strings.TrimSpace(r.When) == "" {
		return errors.New("when: required")
	}
	p, err := expr.Compile(r.When, expr.Env(GradeEnv{}), expr.AsBool())
	if err != nil {
		return err
	}
	r.prog = p
	return nil
}

func validKind(k Kind) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func pointNames() []string {
	return []string{PointRepeat, PointPrior, PointDeadline, PointWords, PointChannel, PointProfessional, PointSensitive, PointUrge, PointDissatisfied}
}

// find walks a YAML node by mapping keys (strings) and sequence indexes (ints).
func find(n *yaml.Node, path ...any) *yaml.Node {
	for _, p := range path {
		if n == nil {
			return nil
		}
		switch p := p.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return n
			}
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					next = n.Content[i+1]
					if n.Content[i+1].Kind == yaml.ScalarNode {
						next = n.Content[i]
					}
					break
				}
			}
			if next == nil {
				return n
			}
			n = next
		case int:
			if n.Kind != yaml.SequenceNode || p >= len(n.Content) {
				return n
			}
			n = n.Content[p]
		}
	}
	return n
}

// grade applies the grading standard to w: when rules match, the most
// severe matching rule sets the grade (the written standard may raise or
// lower the detector's own grade); otherwise the detector's grade (already
// in w.Grade) stands with GradedBy "default/<rule>".
func (c *Config) grade(w *Warning, env *GradeEnv) {
	best, by := GradeNone, ""
	for i := range c.Grades {
		r := &c.Grades[i]
		if r.prog == nil || (r.Kind != "" && r.Kind != w.Kind) {
			continue
		}
		out, err := expr.Run(r.prog, env)
		if err != nil {
			continue
		}
		if ok, _ := out.(bool); ok && (by == "" || r.Grade.MoreSevere(best)) {
			best, by = r.Grade, r.ID
		}
	}
	if by == "" {
		// An open warning regraded keeps its string (no allocation).
		if rest, ok := strings.CutPrefix(w.GradedBy, "default/"); !ok || rest != w.Evidence.Rule {
			w.GradedBy = "default/" + w.Evidence.Rule
		}
		return
	}
	w.Grade, w.GradedBy = best, by
}
