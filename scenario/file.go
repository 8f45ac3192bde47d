package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/policyfile"
	"github.com/kesu-go/kesu/routing"
)

// Scenario is a parsed scenario file: where the story starts, the policy it
// runs under, the customers and outages it knows, and its steps. Build one
// with Load or Parse; run it with Run or Check. A Scenario is immutable once
// parsed and may be run any number of times, also concurrently: every run
// gets its own engine and clock.
type Scenario struct {
	// File names the scenario in messages (the path given to Load).
	File string
	// Name is the scenario's title, from its name key.
	Name string
	// Start is the clock's time before the first step; Zone its location.
	Start time.Time
	Zone  *time.Location
	// Tick is how often an advance step runs the engine's time-driven work
	// (deadline alarms, look-backs): at every multiple of Tick it passes.
	Tick time.Duration
	// Policy is the policy the engine runs under; nil when the scenario
	// gives none (tickets are then neither tagged nor routed).
	Policy *policyfile.File
	// Customers are the profiles the engine's directory knows.
	Customers []complaint.Customer
	// Outages are the outage events the outage detector is told about.
	Outages []Outage
	// Steps are run in order.
	Steps []Step

	dir     string          // directory of File, for relative paths
	routing *routing.Policy // Policy compiled by the routing package
}

// Outage is an outage event (停电) a utility scenario declares: its area,
// window, whether it was planned, the share of customers told in advance and
// the important users in the area (DOMAIN.md R19).
type Outage struct {
	ID             string
	Area           string
	Start, End     time.Time
	Planned        bool
	Customers      int
	Notified       int
	ImportantUsers []string
	Line           int
}

// Step is one step of a scenario. Exactly one of its action fields is set;
// Line is the line of the step in the file, which every message about the
// step names.
type Step struct {
	Line int
	// Action is the step's key: "advance", "at", "tick", "intake", "expect",
	// or a ticket action ("dispatch", "assign", "urge", "reply", …).
	Action string

	// Advance moves the clock forward (advance); At sets it (at; never back).
	Advance time.Duration
	At      time.Time

	// Intake takes tickets in (intake).
	Intake *IntakeStep
	// Act is a ticket action; Ref names the ticket (or a batch: the action
	// then applies to every member) and Event is what is applied.
	Ref   string
	Event *complaint.Event
	// Error, when set, says the step must fail with an error containing it.
	Error string

	// Expect holds the expectations of an expect step.
	Expect *Expect
	// Ledger is a step in the warning ledger (ledger).
	Ledger *LedgerStep
}

// LedgerStep takes the warning of Kind (and Key, when set; else the latest
// raised of that kind) one step along the ledger: Do is acknowledge,
// handle (with Text as the feedback), verify or close.
type LedgerStep struct {
	Kind, Key string
	Do        string
	By, Text  string
}

type rawLedgerStep struct {
	Kind string `yaml:"kind"`
	Key  string `yaml:"key"`
	Do   string `yaml:"do"`
	By   string `yaml:"by"`
	Text string `yaml:"text"`
}

var ledgerSteps = []string{"acknowledge", "handle", "verify", "close"}

// IntakeStep takes in one ticket, or Count tickets spread evenly over Spread
// (a batch). Ref names the ticket, or the batch whose members are then
// Ref.1 … Ref.N. In a batch "{n}" in the customer, subscriber, external id
// and text is replaced by the member's number.
type IntakeStep struct {
	Ref    string
	Count  int
	Spread time.Duration
	Intake complaint.Intake
}

// Expect is what an expect step checks. Ticket expectations need Ref; the
// others look at the engine's projections.
type Expect struct {
	Ref    string
	Ticket *TicketExpect
	// Warnings must each match a distinct warning raised so far; NoWarnings
	// lists warning kinds that must not have been raised.
	Warnings   []WarningExpect
	NoWarnings []string
	Ledger     []LedgerExpect
	KPIs       []KPIExpect
	Sanctions  []SanctionExpect
	// Share checks the centralised-handling share (DOMAIN.md R12) of the
	// routing decisions so far.
	Share *ShareExpect
}

// ShareExpect checks the share of routing decisions handled by a
// centralised centre, within Tolerance, and optionally the decision count.
type ShareExpect struct {
	Value     float64
	Tolerance float64
	Decisions *int
	Line      int
}

// TicketExpect checks a ticket's state. Only what is set is checked.
type TicketExpect struct {
	Status     *complaint.Status
	Tags       []string // each must be present
	NoTags     []string // each must be absent
	TaggedBy   map[string]string
	Tier       *complaint.Tier
	Unit       *string
	Queue      *string
	Assignee   *string
	Route      *string
	Priority   *int
	Handling   *complaint.HandlingClass
	Green      *bool
	Central    *bool
	Escalated  *bool
	Urges      *int
	Transfers  *int
	Reopens    *int
	Deadlines  map[string]time.Time // first_contact, reply, resolve, regulator
	NoDeadline []string
	Profile    *string
}

// WarningExpect matches a warning: every set field must equal the warning's.
type WarningExpect struct {
	Kind    string
	Grade   string
	Key     string
	Members *int
	Line    int
}

// LedgerExpect checks the ledger state of the warning matched like a
// WarningExpect.
type LedgerExpect struct {
	Kind  string
	Key   string
	State string
	// Recurrences, when set, is how many times the warning came back
	// after closure.
	Recurrences *int
	Line        int
}

// KPIExpect checks a KPI's value within Tolerance, for a scope (unit,
// partner…; empty for the whole) and period ("" for the current one).
type KPIExpect struct {
	Name      string
	Scope     string
	Period    string
	Value     *float64
	Tolerance float64
	Status    string
	Line      int
}

// SanctionExpect checks a partner sanction decision.
type SanctionExpect struct {
	Partner string
	Action  string
	Months  int
	Line    int
}

// Load reads and parses the scenario file at path. Relative policy paths in
// it are relative to the file's directory. Errors name path:line.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return Parse(path, data)
}

// Parse parses a scenario document. name names it in errors and is the base
// for relative policy paths. Unknown keys, malformed values and malformed
// steps are refused, all at once, as policyfile errors naming name:line.
func Parse(name string, data []byte) (*Scenario, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &policyfile.Error{File: name, Msg: "empty scenario"}
		}
		return nil, yamlErr(name, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, &policyfile.Error{File: name, Line: doc.Line, Msg: "a scenario is a mapping (name, start, steps…)"}
	}
	var raw rawScenario
	if err := policyfile.Decode(name, "", doc.Content[0], &raw); err != nil {
		return nil, err
	}
	p := &parser{file: name, src: data}
	s := p.scenario(doc.Content[0], &raw)
	if err := p.errs.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// rawNode keeps a YAML node as it is, for values parsed later with their
// line (times, durations, money, steps).
type rawNode struct{ n *yaml.Node }

// UnmarshalYAML implements yaml.Unmarshaler.
func (r *rawNode) UnmarshalYAML(n *yaml.Node) error { r.n = n; return nil }

// The raw YAML shapes. Scalars that need parsing are kept as nodes so errors
// can name their line.

type rawScenario struct {
	Name      string        `yaml:"name"`
	Start     rawNode       `yaml:"start"`
	Zone      string        `yaml:"zone"`
	Tick      rawNode       `yaml:"tick"`
	Policy    rawNode       `yaml:"policy"`
	Customers []rawCustomer `yaml:"customers"`
	Outages   []rawOutage   `yaml:"outages"`
	Steps     []rawNode     `yaml:"steps"`
}

type rawCustomer struct {
	ID               string   `yaml:"id"`
	Name             string   `yaml:"name"`
	Tier             string   `yaml:"tier"`
	Flags            []string `yaml:"flags"`
	PriorEscalations int      `yaml:"prior_escalations"`
	Owner            string   `yaml:"owner"`
	Region           string   `yaml:"region"`
}

type rawOutage struct {
	ID             string   `yaml:"id"`
	Area           string   `yaml:"area"`
	Start          rawNode  `yaml:"start"`
	End            rawNode  `yaml:"end"`
	Planned        bool     `yaml:"planned"`
	Customers      int      `yaml:"customers"`
	Notified       int      `yaml:"notified"`
	ImportantUsers []string `yaml:"important_users"`
}

// actionKeys are the action keys of a step, in the order they are listed in
// messages.
var actionKeys = []string{
	"advance", "at", "tick", "intake", "expect", "ledger",
	"accept", "dispatch", "assign", "transfer", "contact", "urge", "info", "note", "wait", "resume",
	"reply", "approve", "escalate", "resolve", "visit", "reopen", "close", "merge",
}

type rawIntake struct {
	Ref         string  `yaml:"ref"`
	Count       int     `yaml:"count"`
	Spread      rawNode `yaml:"spread"`
	ExternalID  string  `yaml:"external_id"`
	Kind        string  `yaml:"kind"`
	Channel     string  `yaml:"channel"`
	Category    string  `yaml:"category"`
	Region      string  `yaml:"region"`
	Customer    string  `yaml:"customer"`
	Subscriber  string  `yaml:"subscriber"`
	Product     string  `yaml:"product"`
	Partner     string  `yaml:"partner"`
	BillingCode string  `yaml:"billing_code"`
	Text        string  `yaml:"text"`
	RepeatOf    string  `yaml:"repeat_of"`
}

// rawAct is a ticket action: the ticket plus the fields of every action
// (each action accepts only its own; see actFields).
type rawAct struct {
	Ticket string `yaml:"ticket"`
	By     string `yaml:"by"`
	Tier   string `yaml:"tier"`
	Text   string `yaml:"text"`
	// dispatch / transfer
	Unit     string `yaml:"unit"`
	Queue    string `yaml:"queue"`
	Priority int    `yaml:"priority"`
	Handling string `yaml:"handling"`
	// assign
	Assignee string `yaml:"assignee"`
	// escalate
	Target string `yaml:"target"`
	// resolve / approve
	Outcome      string  `yaml:"outcome"`
	Refund       rawNode `yaml:"refund"`
	Compensation rawNode `yaml:"compensation"`
	Amount       rawNode `yaml:"amount"`
	// visit
	Satisfied *bool `yaml:"satisfied"`
	Score     int   `yaml:"score"`
	// close
	Department   string `yaml:"department"`
	Person       string `yaml:"person"`
	Cause        string `yaml:"cause"`
	Controllable bool   `yaml:"controllable"`
	Side         string `yaml:"side"`
	// merge
	Problem string `yaml:"problem"`
}

// actFields lists the keys each action accepts besides ticket, by, tier
// (of the actor) and text.
var actFields = map[string][]string{
	"accept":   {},
	"dispatch": {"unit", "queue", "priority", "handling"},
	"transfer": {"unit", "queue", "priority", "handling"},
	"assign":   {"assignee"},
	"contact":  {},
	"urge":     {},
	"info":     {},
	"note":     {},
	"wait":     {},
	"resume":   {},
	"reply":    {},
	"approve":  {"amount"},
	"escalate": {"target"},
	"resolve":  {"outcome", "refund", "compensation"},
	"visit":    {"satisfied", "score"},
	"reopen":   {},
	"close":    {"unit", "department", "person", "cause", "controllable", "side", "handling"},
	"merge":    {"problem"},
}

var actEvent = map[string]complaint.EventType{
	"accept": complaint.EventAccepted, "dispatch": complaint.EventDispatched, "transfer": complaint.EventTransferred,
	"assign": complaint.EventAssigned, "contact": complaint.EventContacted, "urge": complaint.EventUrged,
	"info": complaint.EventInfoAdded, "note": complaint.EventNote, "wait": complaint.EventWaiting,
	"resume": complaint.EventResumed, "reply": complaint.EventReplied, "approve": complaint.EventApproved,
	"escalate": complaint.EventEscalated, "resolve": complaint.EventResolved, "visit": complaint.EventVisited,
	"reopen": complaint.EventReopened, "close": complaint.EventClosed, "merge": complaint.EventMerged,
}

type rawExpect struct {
	Ticket     string            `yaml:"ticket"`
	Status     *string           `yaml:"status"`
	Tags       []string          `yaml:"tags"`
	NoTags     []string          `yaml:"no_tags"`
	TaggedBy   map[string]string `yaml:"tagged_by"`
	Tier       *string           `yaml:"tier"`
	Unit       *string           `yaml:"unit"`
	Queue      *string           `yaml:"queue"`
	Assignee   *string           `yaml:"assignee"`
	Route      *string           `yaml:"route"`
	Priority   *int              `yaml:"priority"`
	Handling   *string           `yaml:"handling"`
	Green      *bool             `yaml:"green"`
	Central    *bool             `yaml:"centralised"`
	Escalated  *bool             `yaml:"escalated"`
	Urges      *int              `yaml:"urges"`
	Transfers  *int              `yaml:"transfers"`
	Reopens    *int              `yaml:"reopens"`
	Deadlines  map[string]string `yaml:"deadlines"`
	NoDeadline []string          `yaml:"no_deadline"`
	Profile    *string           `yaml:"sla_profile"`

	Warnings   []rawWarning  `yaml:"warnings"`
	NoWarnings []string      `yaml:"no_warnings"`
	Ledger     []rawLedger   `yaml:"ledger"`
	KPIs       []rawKPI      `yaml:"kpis"`
	Sanctions  []rawSanction `yaml:"sanctions"`
	Share      *rawShare     `yaml:"share"`
}

type rawShare struct {
	Value     *float64 `yaml:"value"`
	Tolerance float64  `yaml:"tolerance"`
	Decisions *int     `yaml:"decisions"`
}

type rawWarning struct {
	Kind    string `yaml:"kind"`
	Grade   string `yaml:"grade"`
	Key     string `yaml:"key"`
	Members *int   `yaml:"members"`
}

type rawLedger struct {
	Kind        string `yaml:"kind"`
	Key         string `yaml:"key"`
	State       string `yaml:"state"`
	Recurrences *int   `yaml:"recurrences"`
}

type rawKPI struct {
	Name      string   `yaml:"name"`
	Scope     string   `yaml:"scope"`
	Period    string   `yaml:"period"`
	Value     *float64 `yaml:"value"`
	Tolerance float64  `yaml:"tolerance"`
	Status    string   `yaml:"status"`
}

type rawSanction struct {
	Partner string `yaml:"partner"`
	Action  string `yaml:"action"`
	Months  int    `yaml:"months"`
}

var deadlineNames = []string{"first_contact", "reply", "resolve", "regulator"}

type parser struct {
	file string
	src  []byte
	zone *time.Location
	errs policyfile.Errors
}

func (p *parser) errorf(n *yaml.Node, path, format string, args ...any) {
	p.errs = append(p.errs, policyfile.Errorf(p.file, n, path, format, args...))
}

// value returns the value node of key in mapping m, or nil.
func value(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func (p *parser) scenario(root *yaml.Node, raw *rawScenario) *Scenario {
	s := &Scenario{File: p.file, Name: raw.Name, dir: filepath.Dir(p.file), Tick: time.Hour}
	zone := raw.Zone
	if zone == "" {
		zone = "Asia/Shanghai"
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		p.errorf(value(root, "zone"), "zone", "unknown time zone %q", zone)
		loc = time.UTC
	}
	p.zone, s.Zone = loc, loc
	if raw.Start.n == nil {
		p.errorf(root, "start", "required (the clock's time before the first step, e.g. 2025-03-03 09:00)")
	} else {
		s.Start, _ = p.time(raw.Start.n, "start")
	}
	if raw.Tick.n != nil {
		if d, ok := p.duration(raw.Tick.n, "tick"); ok {
			if d <= 0 {
				p.errorf(raw.Tick.n, "tick", "must be positive")
			} else {
				s.Tick = d
			}
		}
	}
	s.Policy = p.policy(raw.Policy.n, s.dir)
	if s.Policy != nil {
		pol, err := routing.Compile(s.Policy)
		if err != nil {
			p.addErr(err)
		}
		s.routing = pol
	}
	seen := map[string]bool{}
	for i, c := range raw.Customers {
		path := fmt.Sprintf("customers[%d]", i)
		n := value(root, "customers").Content[i]
		if c.ID == "" {
			p.errorf(n, path+".id", "required")
		} else if seen[c.ID] {
			p.errorf(n, path+".id", "customer %q given twice", c.ID)
		}
		seen[c.ID] = true
		cust := complaint.Customer{ID: c.ID, Name: c.Name, Tier: c.Tier, PriorEscalations: c.PriorEscalations, Owner: c.Owner, Region: c.Region}
		for _, f := range c.Flags {
			if !slices.Contains(complaint.Flags, complaint.Flag(f)) {
				p.errorf(n, path+".flags", "unknown flag %q (known: %s)", f, joinStrings(complaint.Flags))
			}
			cust.Flags = append(cust.Flags, complaint.Flag(f))
		}
		if c.Region != "" && !complaint.ValidCode(c.Region) {
			p.errorf(n, path+".region", "malformed region code %q", c.Region)
		}
		s.Customers = append(s.Customers, cust)
	}
	for i, o := range raw.Outages {
		path := fmt.Sprintf("outages[%d]", i)
		n := value(root, "outages").Content[i]
		out := Outage{ID: o.ID, Area: o.Area, Planned: o.Planned, Customers: o.Customers, Notified: o.Notified, ImportantUsers: o.ImportantUsers, Line: n.Line}
		if o.ID == "" {
			p.errorf(n, path+".id", "required")
		}
		if !complaint.ValidCode(o.Area) {
			p.errorf(n, path+".area", "required: a region code")
		}
		if o.Start.n == nil {
			p.errorf(n, path+".start", "required")
		} else {
			out.Start, _ = p.time(o.Start.n, path+".start")
		}
		if o.End.n != nil {
			out.End, _ = p.time(o.End.n, path+".end")
			if !out.End.After(out.Start) {
				p.errorf(o.End.n, path+".end", "must be after start")
			}
		}
		if o.Notified < 0 || o.Customers < 0 || o.Notified > o.Customers {
			p.errorf(n, path+".notified", "customers told in advance: between 0 and customers (%d), got %d", o.Customers, o.Notified)
		}
		s.Outages = append(s.Outages, out)
	}
	if len(raw.Steps) == 0 {
		p.errorf(root, "steps", "required: a scenario needs at least one step")
	}
	refs := map[string]int{} // ref -> batch size (0: single)
	for i := range raw.Steps {
		if st, ok := p.step(raw.Steps[i].n, fmt.Sprintf("steps[%d]", i), refs); ok {
			s.Steps = append(s.Steps, st)
		}
	}
	return s
}

func (p *parser) policy(n *yaml.Node, dir string) *policyfile.File {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		path := n.Value
		if path == "" {
			p.errorf(n, "policy", "empty path")
			return nil
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		f, err := policyfile.Load(path)
		if err != nil {
			p.errs = append(p.errs, policyfile.Errorf(p.file, n, "policy", "%v", err))
			return nil
		}
		return f
	case yaml.MappingNode:
		data, err := p.inline(n)
		if err != nil {
			p.errorf(n, "policy", "%v", err)
			return nil
		}
		f, err := policyfile.Parse(p.file, data)
		if err != nil {
			var es policyfile.Errors
			var e *policyfile.Error
			switch {
			case errors.As(err, &es):
				for _, x := range es {
					x.Path = join("policy", x.Path)
				}
				p.errs = append(p.errs, es...)
			case errors.As(err, &e):
				e.Path = join("policy", e.Path)
				p.errs = append(p.errs, e)
			default:
				p.errorf(n, "policy", "%v", err)
			}
			return nil
		}
		return f
	default:
		p.errorf(n, "policy", "a path to a policy file or an inline policy mapping")
		return nil
	}
}

// inline returns the inline policy mapping n as a document of its own whose
// lines are where they are in the scenario file, so that errors in it name
// the scenario's lines. A block mapping is cut out of the source and
// de-indented; a flow mapping ({…}) is re-encoded on its own line.
func (p *parser) inline(n *yaml.Node) ([]byte, error) {
	if n.Style&yaml.FlowStyle != 0 {
		data, err := yaml.Marshal(n)
		if err != nil {
			return nil, err
		}
		return append([]byte(strings.Repeat("\n", max(0, n.Line-1))), data...), nil
	}
	lines := strings.SplitAfter(string(p.src), "\n")
	end := lastLine(n) // the mapping's last line (1-based)
	var b strings.Builder
	for i := range lines {
		ln := i + 1
		switch {
		case ln < n.Line || ln > end:
			b.WriteString("\n")
		default:
			l := lines[i]
			cut := 0
			for cut < n.Column-1 && cut < len(l) && l[cut] == ' ' {
				cut++
			}
			b.WriteString(strings.TrimSuffix(l[cut:], "\n"))
			b.WriteString("\n")
		}
	}
	return []byte(b.String()), nil
}

// lastLine returns the last line a node's content reaches.
func lastLine(n *yaml.Node) int {
	last := n.Line
	for _, c := range n.Content {
		last = max(last, lastLine(c))
	}
	if n.Kind == yaml.ScalarNode && (n.Style&(yaml.LiteralStyle|yaml.FoldedStyle)) != 0 {
		last += strings.Count(strings.TrimRight(n.Value, "\n"), "\n") + 1
	}
	return last
}

func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "." + b
}

func joinStrings[S ~string](xs []S) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = string(x)
	}
	return strings.Join(parts, ", ")
}

func (p *parser) step(n *yaml.Node, path string, refs map[string]int) (Step, bool) {
	st := Step{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, path, "a step is a mapping with one action key (%s)", strings.Join(actionKeys, ", "))
		return st, false
	}
	var keys []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; slices.Contains(actionKeys, k) {
			keys = append(keys, k)
		}
	}
	switch len(keys) {
	case 0:
		p.errorf(n, path, "no action: a step needs one of %s", strings.Join(actionKeys, ", "))
		return st, false
	case 1:
	default:
		p.errorf(n, path, "%d actions in one step (%s): give each its own step", len(keys), strings.Join(keys, ", "))
		return st, false
	}
	st.Action = keys[0]
	before := len(p.errs)
	var errNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch k := n.Content[i]; {
		case k.Value == "error":
			errNode = n.Content[i+1]
		case !slices.Contains(actionKeys, k.Value):
			p.errorf(k, path+"."+k.Value, "unknown key (a step has one action key, and error for a step that must fail)")
		}
	}
	vn := value(n, st.Action)
	apath := path + "." + st.Action
	if errNode != nil {
		if errNode.Kind != yaml.ScalarNode || errNode.Value == "" {
			p.errorf(errNode, path+".error", "want the text the error must contain")
		} else if actEvent[st.Action] == "" && st.Action != "intake" && st.Action != "ledger" {
			p.errorf(errNode, path+".error", "only a ticket action or an intake may expect an error")
		}
		st.Error = errNode.Value
	}
	switch st.Action {
	case "advance":
		if d, ok := p.duration(vn, apath); ok {
			if d <= 0 {
				p.errorf(vn, apath, "must be positive")
			}
			st.Advance = d
		}
	case "at":
		st.At, _ = p.time(vn, apath)
	case "tick":
		if !(vn.Kind == yaml.ScalarNode && (vn.Tag == "!!null" || vn.Value == "")) && !(vn.Kind == yaml.MappingNode && len(vn.Content) == 0) {
			p.errorf(vn, apath, "takes no value (write tick: {})")
		}
	case "intake":
		var raw rawIntake
		if vn.Kind != yaml.MappingNode {
			p.errorf(vn, apath, "a mapping: ref, kind, channel, category, region, customer… (and count, spread for a batch)")
			break
		}
		if err := policyfile.Decode(p.file, apath, vn, &raw); err != nil {
			p.addErr(err)
			break
		}
		st.Intake = p.intake(vn, apath, &raw, refs)
	case "ledger":
		var raw rawLedgerStep
		if vn.Kind != yaml.MappingNode {
			p.errorf(vn, apath, "a mapping: kind, key, do (%s), by, text", strings.Join(ledgerSteps, ", "))
			break
		}
		if err := policyfile.Decode(p.file, apath, vn, &raw); err != nil {
			p.addErr(err)
			break
		}
		if raw.Kind == "" {
			p.errorf(vn, apath+".kind", "required: the warning kind")
		}
		if !slices.Contains(ledgerSteps, raw.Do) {
			p.errorf(valueOr(vn, "do"), apath+".do", "want one of %s, got %q", strings.Join(ledgerSteps, ", "), raw.Do)
		}
		if raw.By == "" {
			raw.By = "scenario"
		}
		st.Ledger = &LedgerStep{Kind: raw.Kind, Key: raw.Key, Do: raw.Do, By: raw.By, Text: raw.Text}
	case "expect":
		var raw rawExpect
		if vn.Kind != yaml.MappingNode {
			p.errorf(vn, apath, "a mapping of expectations")
			break
		}
		if err := policyfile.Decode(p.file, apath, vn, &raw); err != nil {
			p.addErr(err)
			break
		}
		st.Expect = p.expect(vn, apath, &raw, refs)
	default:
		var raw *rawAct
		if vn.Kind == yaml.MappingNode {
			raw = new(rawAct)
			if err := policyfile.Decode(p.file, apath, vn, raw); err != nil {
				p.addErr(err)
				break
			}
		}
		st.Ref, st.Event = p.act(vn, apath, st.Action, raw, refs)
	}
	return st, len(p.errs) == before
}

func (p *parser) addErr(err error) {
	var es policyfile.Errors
	var e *policyfile.Error
	switch {
	case errors.As(err, &es):
		p.errs = append(p.errs, es...)
	case errors.As(err, &e):
		p.errs = append(p.errs, e)
	default:
		p.errs = append(p.errs, &policyfile.Error{File: p.file, Msg: err.Error()})
	}
}

func (p *parser) intake(n *yaml.Node, path string, r *rawIntake, refs map[string]int) *IntakeStep {
	in := &IntakeStep{Ref: r.Ref, Count: r.Count, Intake: complaint.Intake{
		ExternalID: r.ExternalID, Kind: complaint.Kind(r.Kind), Channel: complaint.Channel(r.Channel),
		Category: r.Category, Region: r.Region, Customer: r.Customer, Subscriber: r.Subscriber,
		Product: r.Product, Partner: r.Partner, BillingCode: r.BillingCode, Text: r.Text, RepeatOf: r.RepeatOf,
	}}
	if in.Intake.Kind == "" {
		in.Intake.Kind = complaint.KindComplaint
	}
	if in.Intake.Channel == "" {
		in.Intake.Channel = complaint.ChannelHotline
	}
	if r.Ref == "" {
		p.errorf(n, path+".ref", "required: a name for the ticket, used by later steps")
	} else if _, dup := refs[r.Ref]; dup {
		p.errorf(value(n, "ref"), path+".ref", "ticket %q taken in twice", r.Ref)
	} else if strings.ContainsAny(r.Ref, " \t") {
		p.errorf(value(n, "ref"), path+".ref", "no spaces in a ref: %q", r.Ref)
	}
	if r.Count < 0 {
		p.errorf(value(n, "count"), path+".count", "must not be negative")
	}
	if r.Spread.n != nil {
		if r.Count == 0 {
			p.errorf(r.Spread.n, path+".spread", "only with count (a batch)")
		}
		if d, ok := p.duration(r.Spread.n, path+".spread"); ok {
			if d < 0 {
				p.errorf(r.Spread.n, path+".spread", "must not be negative")
			}
			in.Spread = d
		}
	}
	if r.Count > 100000 {
		p.errorf(value(n, "count"), path+".count", "at most 100000 tickets in one step")
	}
	if r.RepeatOf != "" {
		if _, ok := refs[r.RepeatOf]; !ok {
			p.errorf(value(n, "repeat_of"), path+".repeat_of", "unknown ticket %q", r.RepeatOf)
		}
	}
	// Validate the intake as the engine would (with a member number filled in).
	probe := in.Intake
	probe.Customer = strings.ReplaceAll(probe.Customer, "{n}", "1")
	probe.Subscriber = strings.ReplaceAll(probe.Subscriber, "{n}", "1")
	probe.ExternalID = strings.ReplaceAll(probe.ExternalID, "{n}", "1")
	probe.Text = strings.ReplaceAll(probe.Text, "{n}", "1")
	if err := complaint.ValidateIntake(&probe, nil, nil); err != nil {
		var ve *complaint.ValidationError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				key := strings.TrimPrefix(f.Path, "intake.")
				at := value(n, key)
				if at == nil {
					at = n
				}
				p.errorf(at, path+"."+key, "%s", f.Message)
			}
		}
	}
	if r.Ref != "" {
		refs[r.Ref] = r.Count
	}
	return in
}

func (p *parser) checkRef(n *yaml.Node, path, ref string, refs map[string]int) {
	if ref == "" {
		p.errorf(n, path, "required: the ref of a ticket taken in earlier")
		return
	}
	if _, ok := refs[ref]; ok {
		return
	}
	if base, num, ok := strings.Cut(ref, "."); ok {
		if size, ok := refs[base]; ok && size > 0 {
			var k int
			if _, err := fmt.Sscanf(num, "%d", &k); err == nil && k >= 1 && k <= size && fmt.Sprint(k) == num {
				return
			}
			p.errorf(n, path, "batch %q has members %s.1 to %s.%d; no %q", base, base, base, size, ref)
			return
		}
	}
	p.errorf(n, path, "unknown ticket %q (not taken in by an earlier step)", ref)
}

func (p *parser) act(n *yaml.Node, path, action string, r *rawAct, refs map[string]int) (string, *complaint.Event) {
	ev := &complaint.Event{Type: actEvent[action]}
	// The short form names just the ticket: "urge: t1".
	if n.Kind == yaml.ScalarNode && r == nil {
		p.checkRef(n, path, n.Value, refs)
		r = &rawAct{Ticket: n.Value}
	} else if r == nil || n.Kind != yaml.MappingNode {
		p.errorf(n, path, "a ticket ref or a mapping with ticket and the action's fields")
		return "", nil
	} else {
		allowed := append([]string{"ticket", "by", "tier", "text"}, actFields[action]...)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; !slices.Contains(allowed, k.Value) {
				p.errorf(k, path+"."+k.Value, "not a field of %s (its fields: %s)", action, strings.Join(allowed, ", "))
			}
		}
		p.checkRef(valueOr(n, "ticket"), path+".ticket", r.Ticket, refs)
	}
	ev.Text = r.Text
	ev.Actor = complaint.Actor{Kind: complaint.ActorAgent, ID: r.By, Tier: complaint.Tier(r.Tier)}
	switch action {
	case "urge", "info":
		ev.Actor = complaint.Actor{Kind: complaint.ActorCustomer, ID: r.By}
		if action == "info" && ev.Text == "" {
			ev.Text = "补充信息"
		}
	case "escalate":
		if r.Target == "" {
			r.Target = "12300"
		}
		ev.Escalation = &complaint.Escalation{Target: r.Target, Tier: complaint.Tier(r.Tier)}
		ev.Actor.Tier = ""
	case "dispatch", "transfer":
		ev.Dispatch = &complaint.Dispatch{Unit: r.Unit, Queue: r.Queue, Priority: r.Priority, Handling: complaint.HandlingClass(r.Handling), Reason: "scenario"}
	case "assign":
		ev.Assign = &complaint.Assign{Assignee: r.Assignee, Strategy: "scenario"}
	case "approve":
		ev.Approval = &complaint.Approval{Amount: p.money(r.Amount.n, path+".amount"), Reason: r.Text}
	case "resolve":
		if r.Outcome == "" {
			r.Outcome = "resolved"
		}
		ev.Resolution = &complaint.Resolution{Outcome: r.Outcome, Refund: p.money(r.Refund.n, path+".refund"), Compensation: p.money(r.Compensation.n, path+".compensation")}
	case "visit":
		sat := r.Satisfied == nil || *r.Satisfied
		ev.Visit = &complaint.Visit{Satisfied: sat, Score: r.Score}
		ev.Actor.Kind = complaint.ActorCustomer
	case "close":
		ev.Closing = &complaint.Closing{
			Responsibility: complaint.Responsibility{Unit: r.Unit, Department: r.Department, Person: r.Person, Cause: r.Cause, LocallyControllable: r.Controllable, Side: r.Side},
			Handling:       complaint.HandlingClass(r.Handling),
		}
	case "merge":
		ev.Merge = &complaint.Merge{Problem: r.Problem}
	case "reopen":
		if ev.Text == "" {
			ev.Text = "客户不满意"
		}
		ev.Actor.Kind = complaint.ActorCustomer
	case "note":
		if ev.Text == "" {
			p.errorf(n, path+".text", "required for a note")
		}
	}
	probe := ev.Clone()
	probe.At = time.Unix(1, 0)
	if err := complaint.ValidateEvent(&probe); err != nil {
		var ve *complaint.ValidationError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				p.errorf(n, path, "%s: %s", f.Path, f.Message)
			}
		}
	}
	return r.Ticket, ev
}

func valueOr(n *yaml.Node, key string) *yaml.Node {
	if v := value(n, key); v != nil {
		return v
	}
	return n
}

func (p *parser) expect(n *yaml.Node, path string, r *rawExpect, refs map[string]int) *Expect {
	ex := &Expect{Ref: r.Ticket, NoWarnings: r.NoWarnings}
	ticketKeys := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "ticket", "warnings", "no_warnings", "ledger", "kpis", "sanctions", "share":
		default:
			ticketKeys = true
		}
	}
	if r.Ticket != "" {
		p.checkRef(value(n, "ticket"), path+".ticket", r.Ticket, refs)
	}
	if ticketKeys {
		if r.Ticket == "" {
			p.errorf(n, path+".ticket", "required: which ticket the expectations are about")
		}
		te := &TicketExpect{Tags: r.Tags, NoTags: r.NoTags, TaggedBy: r.TaggedBy, Unit: r.Unit, Queue: r.Queue,
			Assignee: r.Assignee, Route: r.Route, Priority: r.Priority, Green: r.Green, Central: r.Central,
			Escalated: r.Escalated, Urges: r.Urges, Transfers: r.Transfers, Reopens: r.Reopens, Profile: r.Profile}
		if r.Status != nil {
			s := complaint.Status(*r.Status)
			if !s.Valid() {
				p.errorf(value(n, "status"), path+".status", "unknown status %q (known: %s)", s, joinStrings(complaint.Statuses))
			}
			te.Status = &s
		}
		if r.Tier != nil {
			t := complaint.Tier(*r.Tier)
			if !t.Valid() {
				p.errorf(value(n, "tier"), path+".tier", "unknown tier %q (known: %s)", t, joinStrings(complaint.Tiers))
			}
			te.Tier = &t
		}
		if r.Handling != nil {
			h := complaint.HandlingClass(*r.Handling)
			if !h.Valid() {
				p.errorf(value(n, "handling"), path+".handling", "unknown handling class %q", h)
			}
			te.Handling = &h
		}
		if len(r.Deadlines) > 0 {
			te.Deadlines = map[string]time.Time{}
			dn := value(n, "deadlines")
			for i := 0; i+1 < len(dn.Content); i += 2 {
				k, v := dn.Content[i], dn.Content[i+1]
				if !slices.Contains(deadlineNames, k.Value) {
					p.errorf(k, path+".deadlines."+k.Value, "unknown deadline (known: %s)", strings.Join(deadlineNames, ", "))
					continue
				}
				te.Deadlines[k.Value], _ = p.time(v, path+".deadlines."+k.Value)
			}
		}
		for _, d := range r.NoDeadline {
			if !slices.Contains(deadlineNames, d) {
				p.errorf(value(n, "no_deadline"), path+".no_deadline", "unknown deadline %q (known: %s)", d, strings.Join(deadlineNames, ", "))
			}
		}
		te.NoDeadline = r.NoDeadline
		ex.Ticket = te
	}
	for i, w := range r.Warnings {
		wn := value(n, "warnings").Content[i]
		if w.Kind == "" {
			p.errorf(wn, fmt.Sprintf("%s.warnings[%d].kind", path, i), "required")
		}
		ex.Warnings = append(ex.Warnings, WarningExpect{Kind: w.Kind, Grade: w.Grade, Key: w.Key, Members: w.Members, Line: wn.Line})
	}
	for i, l := range r.Ledger {
		ln := value(n, "ledger").Content[i]
		if l.Kind == "" || l.State == "" {
			p.errorf(ln, fmt.Sprintf("%s.ledger[%d]", path, i), "kind and state are required")
		}
		ex.Ledger = append(ex.Ledger, LedgerExpect{Kind: l.Kind, Key: l.Key, State: l.State, Recurrences: l.Recurrences, Line: ln.Line})
	}
	for i, k := range r.KPIs {
		kn := value(n, "kpis").Content[i]
		if k.Name == "" {
			p.errorf(kn, fmt.Sprintf("%s.kpis[%d].name", path, i), "required")
		}
		if k.Value == nil && k.Status == "" {
			p.errorf(kn, fmt.Sprintf("%s.kpis[%d]", path, i), "value or status required")
		}
		if k.Tolerance < 0 {
			p.errorf(kn, fmt.Sprintf("%s.kpis[%d].tolerance", path, i), "must not be negative")
		}
		ke := KPIExpect{Name: k.Name, Scope: k.Scope, Period: k.Period, Tolerance: k.Tolerance, Status: k.Status, Line: kn.Line, Value: k.Value}
		ex.KPIs = append(ex.KPIs, ke)
	}
	for i, s := range r.Sanctions {
		sn := value(n, "sanctions").Content[i]
		if s.Partner == "" {
			p.errorf(sn, fmt.Sprintf("%s.sanctions[%d].partner", path, i), "required")
		}
		ex.Sanctions = append(ex.Sanctions, SanctionExpect{Partner: s.Partner, Action: s.Action, Months: s.Months, Line: sn.Line})
	}
	if r.Share != nil {
		sn := value(n, "share")
		if r.Share.Value == nil || *r.Share.Value < 0 || *r.Share.Value > 1 {
			p.errorf(sn, path+".share.value", "required: a share between 0 and 1")
		} else {
			ex.Share = &ShareExpect{Value: *r.Share.Value, Tolerance: r.Share.Tolerance, Decisions: r.Share.Decisions, Line: sn.Line}
		}
	}
	if ex.Ticket == nil && ex.Share == nil && len(ex.Warnings)+len(ex.NoWarnings)+len(ex.Ledger)+len(ex.KPIs)+len(ex.Sanctions) == 0 {
		p.errorf(n, path, "nothing to check")
	}
	return ex
}
