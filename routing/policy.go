package routing

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"go.yaml.in/yaml/v3"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/complaint/calendar"
	"github.com/kesu-go/kesu/internal/policyfile"
)

// MaxExprNodes bounds the size of one `when` expression.
const MaxExprNodes = 200

// The assignment strategies a queue (or a route's assign) may name.
const (
	RoundRobin  = "round-robin"  // handlers in turn
	LeastLoaded = "least-loaded" // the handler with the fewest open tickets
	Skills      = "skills"       // the least-loaded handler whose skills cover the category (ties: the most specific skill), within capacity
	Owner       = "owner"        // the customer's named owner (包保, R14), else the fallback
	Manual      = "manual"       // no automatic assignment
)

var strategies = []string{RoundRobin, LeastLoaded, Skills, Owner, Manual}

// Policy is a compiled routing policy: tag rules, the routing tree, queues,
// SLA profiles, authorisation and transfer limits, the category taxonomy and
// the working-day calendar. Build it with Load or Parse. A Policy is
// immutable and safe for concurrent use; swap a new one into a running Stage
// with Stage.Swap.
type Policy struct {
	src    *policyfile.File // the parsed file (kept for tools and tests)
	file   string
	name   string
	loc    *time.Location
	cal    *calendar.Calendar
	cats   *complaint.Taxonomy
	flags  map[string]uint64 // flag name → bit
	tagBit map[string]uint64 // tag name → bit

	tags    []tagRule
	tagSet  ruleSet
	root    *node
	nodes   []*node // every node, depth-first
	queues  []*Queue
	queueID map[string]*Queue
	slas    []*Profile
	slaID   map[string]*Profile
	slaSel  []*Profile // profiles with a match, in order
	slaSet  ruleSet
	limits  map[complaint.Tier]Limit
	cap     complaint.Money
	xfer    transferSpec
	rules   int // tag rules + route nodes
}

type tagRule struct {
	id, label, tag string
	bit            uint64
	m              matcher
}

// node is one compiled routing-tree node with its inherited settings.
type node struct {
	id, label, path string
	m               matcher
	cont            bool
	viaContinue     bool // some node on the path from the root continues
	queue           *Queue
	priority        int
	handling        complaint.HandlingClass
	sla             *Profile
	green, onsite   bool
	assign          string
	reason          string
	children        []*node
	set             ruleSet
}

// Queue is a work queue of a unit at a tier, with its handlers and how
// tickets are assigned to them.
type Queue struct {
	ID, Label, Unit string
	Tier            complaint.Tier
	Strategy        string // one of the strategy constants
	Fallback        string // for Owner: the strategy used when the customer has no owner
	Handlers        []Handler
	index           int
}

// Handler is an agent in a queue: skills are category codes (a handler with
// skill "billing" takes any billing.* ticket); Capacity caps their open
// tickets (0: no cap).
type Handler struct {
	ID       string
	Skills   []string
	Capacity int
}

// Profile is an SLA profile: how long each stage may take. A zero Span means
// no deadline for that stage.
type Profile struct {
	ID, Label                               string
	FirstContact, Reply, Resolve, Regulator Span
	m                                       matcher
}

// Limit is what a handler of one tier may grant without approval.
type Limit struct {
	Refund, Compensation complaint.Money
}

// Name returns the policy's name section (or its file name).
func (p *Policy) Name() string {
	if p.name != "" {
		return p.name
	}
	return p.file
}

// Categories returns the category taxonomy the policy uses (a preset,
// possibly extended): engines validate intake against it.
func (p *Policy) Categories() *complaint.Taxonomy { return p.cats }

// Calendar returns the working-day calendar deadlines are counted on.
func (p *Policy) Calendar() *calendar.Calendar { return p.cal }

// Location returns the policy's time zone.
func (p *Policy) Location() *time.Location { return p.loc }

// Rules returns the number of tag rules plus routing-tree nodes.
func (p *Policy) Rules() int { return p.rules }

// Queue returns the queue with that id.
func (p *Policy) Queue(id string) (*Queue, bool) { q, ok := p.queueID[id]; return q, ok }

// Queues returns the queues in file order.
func (p *Policy) Queues() []*Queue { return slices.Clone(p.queues) }

// Profile returns the SLA profile with that id.
func (p *Policy) Profile(id string) (*Profile, bool) { s, ok := p.slaID[id]; return s, ok }

// Limit returns the authorisation limit of a tier (zero when the tier has
// none: it may grant nothing without approval) and the policy's cap on
// compensation (0: none).
func (p *Policy) Limit(t complaint.Tier) (Limit, complaint.Money) { return p.limits[t], p.cap }

// Load reads and compiles a policy file. See Parse.
func Load(path string) (*Policy, error) {
	f, err := policyfile.Load(path)
	if err != nil {
		return nil, err
	}
	return Compile(f)
}

// Parse compiles a policy document; name is used in errors. Errors list
// every problem found, each as file:line: path: message, naming the rule id
// when there is one. It returns a policyfile.Errors (or a single
// *policyfile.Error) on a bad policy.
func Parse(name string, data []byte) (*Policy, error) {
	f, err := policyfile.Parse(name, data)
	if err != nil {
		return nil, err
	}
	return Compile(f)
}

// Compile compiles the routing sections of a parsed policy file (zone,
// calendar, taxonomy, tags, routes, queues, sla, authorisation, transfers) in
// two layers: each section decoded strictly (unknown keys refused), then the
// whole cross-checked (undefined queue or SLA profile, duplicate ids,
// unreachable routes, expression type errors).
func Compile(f *policyfile.File) (*Policy, error) {
	c := &compiler{f: f, p: &Policy{src: f, file: f.Name, flags: map[string]uint64{}, tagBit: map[string]uint64{},
		queueID: map[string]*Queue{}, slaID: map[string]*Profile{}, limits: map[complaint.Tier]Limit{}}}
	c.compile()
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	return c.p, nil
}

type compiler struct {
	f    *policyfile.File
	p    *Policy
	errs policyfile.Errors
}

func (c *compiler) errf(n *yaml.Node, path, format string, args ...any) {
	c.errs = append(c.errs, policyfile.Errorf(c.f.Name, n, path, format, args...))
}

func (c *compiler) decode(section string, v any) bool {
	if err := c.f.Decode(section, v); err != nil {
		var es policyfile.Errors
		var e *policyfile.Error
		switch {
		case errors.As(err, &es):
			for _, e := range es {
				c.errs = append(c.errs, relined(e))
			}
		case errors.As(err, &e):
			c.errs = append(c.errs, relined(e))
		default:
			c.errs = append(c.errs, &policyfile.Error{File: c.f.Name, Line: c.f.Line(section), Path: section, Msg: err.Error()})
		}
		return false
	}
	return true
}

// relined moves a "line N: " prefix of a value's own error (Span, Yuan)
// into the error's line.
func relined(e *policyfile.Error) *policyfile.Error {
	if rest, ok := strings.CutPrefix(e.Msg, "line "); ok {
		var n int
		if _, err := fmt.Sscanf(rest, "%d:", &n); err == nil {
			if _, msg, ok := strings.Cut(rest, ": "); ok {
				e.Line, e.Msg = n, msg
			}
		}
	}
	return e
}

func (c *compiler) compile() {
	p := c.p
	var (
		name, zone, calName string
		tax                 taxonomySpec
		tags                []tagSpec
		root                routeSpec
		queues              []queueSpec
		slas                []slaSpec
		auth                authSpec
		xfer                transferSpec
	)
	ok := c.decode("name", &name)
	ok = c.decode("zone", &zone) && ok
	ok = c.decode("calendar", &calName) && ok
	ok = c.decode("taxonomy", &tax) && ok
	ok = c.decode("tags", &tags) && ok
	ok = c.decode("routes", &root) && ok
	ok = c.decode("queues", &queues) && ok
	ok = c.decode("sla", &slas) && ok
	ok = c.decode("authorisation", &auth) && ok
	ok = c.decode("transfers", &xfer) && ok
	if !ok {
		return
	}
	p.name = name
	c.zone(zone, calName)
	c.taxonomy(&tax)
	c.collectNames(tags, &root, slas)
	for i := range queues {
		c.queue(i, &queues[i])
	}
	for i := range slas {
		c.profile(i, &slas[i])
	}
	for i := range tags {
		c.tag(i, &tags[i])
	}
	if !c.f.Has("routes") {
		c.errf(nil, "routes", "required: the routing tree (routes: {id: root, queue: ...})")
	} else {
		p.root = c.node(c.f.Sections["routes"], "routes", &root, nil)
	}
	c.authorisation(&auth)
	if xfer.Max < 0 {
		c.errf(child(c.f.Sections["transfers"], "max"), "transfers.max", "must not be negative")
	}
	p.xfer = xfer
	if p.xfer.Max == 0 {
		p.xfer.Max = 2
	}
	ms := make([]*matcher, len(p.tags))
	for i := range p.tags {
		ms[i] = &p.tags[i].m
	}
	p.tagSet = newRuleSet(ms)
	ms = ms[:0]
	for _, s := range p.slaSel {
		ms = append(ms, &s.m)
	}
	p.slaSet = newRuleSet(ms)
	p.rules = len(p.tags) + len(p.nodes)
}

func (c *compiler) zone(zone, calName string) {
	p := c.p
	if zone == "" {
		zone = calendar.DefaultZone
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		c.errf(c.f.Sections["zone"], "zone", "unknown time zone %q: %v", zone, err)
		return
	}
	p.loc = loc
	switch calName {
	case "", "cn":
		cal, err := calendar.ChinaIn(loc)
		if err != nil {
			c.errf(c.f.Sections["calendar"], "calendar", "%v", err)
			return
		}
		p.cal = cal
	default:
		c.errf(c.f.Sections["calendar"], "calendar", "unknown calendar %q (known: cn)", calName)
	}
}

func (c *compiler) taxonomy(t *taxonomySpec) {
	n := c.f.Sections["taxonomy"]
	var base *complaint.Taxonomy
	switch t.Preset {
	case "", "carrier":
		base = complaint.CarrierCategories()
	case "utility":
		base = complaint.UtilityCategories()
	default:
		c.errf(child(n, "preset"), "taxonomy.preset", "unknown preset %q (known: carrier, utility)", t.Preset)
		base = complaint.CarrierCategories()
	}
	if len(t.Extend) == 0 {
		c.p.cats = base
		return
	}
	ext, err := base.Extend(t.Extend...)
	if err != nil {
		c.errf(child(n, "extend"), "taxonomy.extend", "%v", err)
		c.p.cats = base
		return
	}
	c.p.cats = ext
}

// collectNames assigns bits to the customer flags and tag names the policy
// mentions.
func (c *compiler) collectNames(tags []tagSpec, root *routeSpec, slas []slaSpec) {
	var flags, names []string
	addM := func(m *matchSpec) {
		if m == nil {
			return
		}
		flags = append(flags, m.Flags...)
		names = append(names, m.Tags...)
		names = append(names, m.NoTags...)
	}
	for i := range tags {
		names = append(names, tags[i].Tag)
		addM(tags[i].Match)
	}
	var walk func(r *routeSpec)
	walk = func(r *routeSpec) {
		addM(r.Match)
		for i := range r.Routes {
			walk(&r.Routes[i])
		}
	}
	walk(root)
	for i := range slas {
		addM(slas[i].Match)
	}
	for _, f := range flags {
		if _, ok := c.p.flags[f]; !ok && len(c.p.flags) < 64 {
			c.p.flags[f] = 1 << len(c.p.flags)
		}
	}
	for _, t := range names {
		if _, ok := c.p.tagBit[t]; !ok && t != "" && len(c.p.tagBit) < 64 {
			c.p.tagBit[t] = 1 << len(c.p.tagBit)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(names)))) > 64 {
		c.errf(c.f.Sections["tags"], "tags", "more than 64 distinct tag names are mentioned")
	}
	if len(slices.Compact(slices.Sorted(slices.Values(flags)))) > 64 {
		c.errf(nil, "", "more than 64 distinct customer flags are mentioned")
	}
}

// matcher compiles a match block and a when expression at node n.
func (c *compiler) matcher(n *yaml.Node, path, rule string, s *matchSpec, when string) matcher {
	m := matcher{when: when, explain: describe(s, when)}
	mn := child(n, "match")
	if s != nil {
		for i, k := range s.Kind {
			if !complaint.Kind(k).Valid() {
				c.errf(or(item(child(mn, "kind"), i), mn), fmt.Sprintf("%s.match.kind[%d]", path, i), "rule %q: unknown kind %q (known: %s)", rule, k, joinKinds())
				continue
			}
			m.kinds |= 1 << kindIndex(complaint.Kind(k))
		}
		for i, ch := range s.Channel {
			if !complaint.Channel(ch).Valid() {
				c.errf(or(item(child(mn, "channel"), i), mn), fmt.Sprintf("%s.match.channel[%d]", path, i), "rule %q: unknown channel %q", rule, ch)
				continue
			}
			m.channels |= 1 << channelIndex(complaint.Channel(ch))
		}
		for i, cat := range s.Category {
			if !c.p.cats.Has(cat) {
				c.errf(or(item(child(mn, "category"), i), mn), fmt.Sprintf("%s.match.category[%d]", path, i), "rule %q: category %q is not in the taxonomy", rule, cat)
				continue
			}
			m.cats = append(m.cats, cat)
		}
		for i, r := range s.Region {
			if !complaint.ValidCode(r) {
				c.errf(or(item(child(mn, "region"), i), mn), fmt.Sprintf("%s.match.region[%d]", path, i), "rule %q: malformed region code %q", rule, r)
				continue
			}
			m.regions = append(m.regions, r)
		}
		for _, f := range s.Flags {
			m.flags |= c.p.flags[f]
		}
		for i, t := range s.Tags {
			if t == "" {
				c.errf(or(item(child(mn, "tags"), i), mn), fmt.Sprintf("%s.match.tags[%d]", path, i), "rule %q: empty tag name", rule)
			}
			m.tags |= c.p.tagBit[t]
		}
		for _, t := range s.NoTags {
			m.noTags |= c.p.tagBit[t]
		}
		if m.tags&m.noTags != 0 {
			c.errf(mn, path+".match", "rule %q: unreachable: the same tag is both required and excluded", rule)
		}
	}
	if when != "" {
		prog, err := expr.Compile(when, expr.Env(Env{}), expr.AsBool(), expr.MaxNodes(MaxExprNodes))
		if err != nil {
			msg := err.Error()
			var fe *file.Error
			if errors.As(err, &fe) {
				msg = fmt.Sprintf("%s (column %d)", fe.Message, fe.Column+1)
			}
			c.errf(or(child(n, "when"), n), path+".when", "rule %q: expression: %s", rule, msg)
		}
		m.prog = prog
		if prog != nil {
			m.native = nativeCompile(when)
		}
	}
	return m
}

func joinKinds() string {
	s := make([]string, len(complaint.Kinds))
	for i, k := range complaint.Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

var idOK = func(s string) bool {
	return complaint.ValidCode(strings.ReplaceAll(s, ".", "_")) && !strings.Contains(s, "/")
}

func (c *compiler) tag(i int, s *tagSpec) {
	n := item(c.f.Sections["tags"], i)
	path := fmt.Sprintf("tags[%d]", i)
	switch {
	case s.ID == "":
		c.errf(n, path+".id", "required")
		return
	case !idOK(s.ID):
		c.errf(child(n, "id"), path+".id", "rule %q: ids are letters, digits, '-', '_' and '.'", s.ID)
	}
	for _, r := range c.p.tags {
		if r.id == s.ID {
			c.errf(child(n, "id"), path+".id", "rule %q: duplicate tag rule id", s.ID)
		}
	}
	if s.Tag == "" {
		c.errf(n, path+".tag", "rule %q: required: the tag to set", s.ID)
	}
	if s.Match == nil && s.When == "" {
		c.errf(n, path, "rule %q: no match and no when: it would tag every ticket", s.ID)
	}
	r := tagRule{id: s.ID, label: s.Label, tag: s.Tag, bit: c.p.tagBit[s.Tag]}
	r.m = c.matcher(n, path, s.ID, s.Match, s.When)
	c.p.tags = append(c.p.tags, r)
}

func (c *compiler) queue(i int, s *queueSpec) {
	n := item(c.f.Sections["queues"], i)
	path := fmt.Sprintf("queues[%d]", i)
	if s.ID == "" {
		c.errf(n, path+".id", "required")
		return
	}
	if _, dup := c.p.queueID[s.ID]; dup {
		c.errf(child(n, "id"), path+".id", "queue %q: duplicate queue id", s.ID)
		return
	}
	q := &Queue{ID: s.ID, Label: s.Label, Unit: s.Unit, Tier: complaint.Tier(s.Tier), Strategy: s.Strategy, Fallback: s.Fallback, index: len(c.p.queues)}
	if q.Unit == "" {
		c.errf(n, path+".unit", "queue %q: required: the unit that works the queue", s.ID)
	}
	if !q.Tier.Valid() {
		c.errf(or(child(n, "tier"), n), path+".tier", "queue %q: tier %q is not one of province, city, county, branch", s.ID, s.Tier)
	}
	if q.Strategy == "" {
		q.Strategy = RoundRobin
	}
	if !slices.Contains(strategies, q.Strategy) {
		c.errf(child(n, "strategy"), path+".strategy", "queue %q: unknown strategy %q (known: %s)", s.ID, q.Strategy, strings.Join(strategies, ", "))
	}
	if q.Strategy == Owner && q.Fallback == "" {
		q.Fallback = RoundRobin
	}
	if q.Fallback != "" && (q.Fallback == Owner || !slices.Contains(strategies, q.Fallback)) {
		c.errf(child(n, "fallback"), path+".fallback", "queue %q: fallback %q must be one of round-robin, least-loaded, skills, manual", s.ID, q.Fallback)
	}
	seen := map[string]bool{}
	for j, h := range s.Handlers {
		hn := item(child(n, "handlers"), j)
		hp := fmt.Sprintf("%s.handlers[%d]", path, j)
		switch {
		case h.ID == "":
			c.errf(hn, hp+".id", "queue %q: handler id required", s.ID)
		case seen[h.ID]:
			c.errf(hn, hp+".id", "queue %q: handler %q listed twice", s.ID, h.ID)
		}
		seen[h.ID] = true
		if h.Capacity < 0 {
			c.errf(hn, hp+".capacity", "queue %q: handler %q: capacity must not be negative", s.ID, h.ID)
		}
		for k, sk := range h.Skills {
			if !c.p.cats.Has(sk) {
				c.errf(or(item(child(hn, "skills"), k), hn), fmt.Sprintf("%s.skills[%d]", hp, k), "queue %q: handler %q: skill %q is not a category", s.ID, h.ID, sk)
			}
		}
		q.Handlers = append(q.Handlers, Handler{ID: h.ID, Skills: slices.Clone(h.Skills), Capacity: h.Capacity})
	}
	needs := q.Strategy
	if needs == Owner {
		needs = q.Fallback
	}
	if needs != Manual && len(q.Handlers) == 0 {
		c.errf(n, path+".handlers", "queue %q: strategy %s needs handlers (or use strategy: manual)", s.ID, needs)
	}
	c.p.queues = append(c.p.queues, q)
	c.p.queueID[q.ID] = q
}

func (c *compiler) profile(i int, s *slaSpec) {
	n := item(c.f.Sections["sla"], i)
	path := fmt.Sprintf("sla[%d]", i)
	if s.ID == "" {
		c.errf(n, path+".id", "required")
		return
	}
	if _, dup := c.p.slaID[s.ID]; dup {
		c.errf(child(n, "id"), path+".id", "profile %q: duplicate SLA profile id", s.ID)
		return
	}
	pr := &Profile{ID: s.ID, Label: s.Label, FirstContact: s.FirstContact, Reply: s.Reply, Resolve: s.Resolve, Regulator: s.Regulator}
	if pr.FirstContact.IsZero() && pr.Reply.IsZero() && pr.Resolve.IsZero() && pr.Regulator.IsZero() {
		c.errf(n, path, "profile %q: sets no deadline (first_contact, reply, resolve or regulator)", s.ID)
	}
	if s.Match != nil {
		pr.m = c.matcher(n, path, s.ID, s.Match, "")
		c.p.slaSel = append(c.p.slaSel, pr)
	}
	c.p.slas = append(c.p.slas, pr)
	c.p.slaID[pr.ID] = pr
}

// node compiles a routing-tree node and its children; parent is nil for the
// root.
func (c *compiler) node(n *yaml.Node, path string, s *routeSpec, parent *node) *node {
	nd := &node{id: s.ID, label: s.Label, cont: s.Continue}
	switch {
	case s.ID == "":
		c.errf(n, path+".id", "required: every route has a stable id")
	case !idOK(s.ID):
		c.errf(child(n, "id"), path+".id", "route %q: ids are letters, digits, '-', '_' and '.'", s.ID)
	}
	for _, o := range c.p.nodes {
		if o.id == s.ID && s.ID != "" {
			c.errf(child(n, "id"), path+".id", "route %q: duplicate route id", s.ID)
		}
	}
	c.p.nodes = append(c.p.nodes, nd)
	nd.m = c.matcher(n, path, s.ID, s.Match, s.When)
	if parent == nil {
		nd.path = s.ID
		if s.Match != nil || s.When != "" || s.Continue {
			c.errf(n, path, "route %q: the root matches every ticket: no match, when or continue", s.ID)
		}
		nd.m = matcher{explain: "default"}
		nd.assign = ""
	} else {
		nd.path = parent.path + "/" + s.ID
		nd.viaContinue = parent.viaContinue || s.Continue
		nd.queue, nd.priority, nd.handling, nd.sla = parent.queue, parent.priority, parent.handling, parent.sla
		nd.green, nd.onsite, nd.assign = parent.green, parent.onsite, parent.assign
		c.reachable(n, path, s, parent)
	}
	if s.Queue != "" {
		q, ok := c.p.queueID[s.Queue]
		if !ok {
			c.errf(child(n, "queue"), path+".queue", "route %q: undefined queue %q", s.ID, s.Queue)
		}
		nd.queue = q
	}
	if parent == nil && s.Queue == "" {
		c.errf(n, path+".queue", "route %q: the root needs a queue (the default destination)", s.ID)
	}
	if s.Priority != nil {
		nd.priority = *s.Priority
	}
	if s.Handling != "" {
		nd.handling = complaint.HandlingClass(s.Handling)
		if !nd.handling.Valid() {
			c.errf(child(n, "handling"), path+".handling", "route %q: handling %q is not one of immediate, coordination, project", s.ID, s.Handling)
		}
	}
	if s.SLA != "" {
		pr, ok := c.p.slaID[s.SLA]
		if !ok {
			c.errf(child(n, "sla"), path+".sla", "route %q: undefined SLA profile %q", s.ID, s.SLA)
		}
		nd.sla = pr
	}
	if s.Green != nil {
		nd.green = *s.Green
	}
	if s.Onsite != nil {
		nd.onsite = *s.Onsite
	}
	if s.Assign != "" {
		if !slices.Contains(strategies, s.Assign) {
			c.errf(child(n, "assign"), path+".assign", "route %q: unknown strategy %q (known: %s)", s.ID, s.Assign, strings.Join(strategies, ", "))
		}
		nd.assign = s.Assign
	}
	nd.reason = nd.id + ": " + nd.m.explain
	if parent != nil && parent.reason != "" {
		nd.reason = parent.reason + " > " + nd.reason
	}
	rn := child(n, "routes")
	ms := make([]*matcher, 0, len(s.Routes))
	for i := range s.Routes {
		cn := or(item(rn, i), n)
		ch := c.node(cn, fmt.Sprintf("%s.routes[%d]", path, i), &s.Routes[i], nd)
		nd.children = append(nd.children, ch)
		ms = append(ms, &ch.m)
	}
	// A child after an unconditional sibling that does not continue is never
	// reached.
	for i, ch := range nd.children[:max(0, len(nd.children)-1)] {
		if !ch.cont && ch.m.always() {
			next := s.Routes[i+1]
			c.errf(or(item(rn, i+1), n), fmt.Sprintf("%s.routes[%d]", path, i+1), "route %q: unreachable: sibling %q before it matches every ticket and does not continue", next.ID, ch.id)
			break
		}
	}
	nd.set = newRuleSet(ms)
	return nd
}

func (m *matcher) always() bool {
	return m.kinds == 0 && m.channels == 0 && len(m.cats) == 0 && len(m.regions) == 0 &&
		m.flags == 0 && m.tags == 0 && m.noTags == 0 && m.when == ""
}

// reachable reports a child whose kind or category constraint cannot
// overlap its parent's (the child would never be reached).
func (c *compiler) reachable(n *yaml.Node, path string, s *routeSpec, parent *node) {
	if s.Match == nil {
		return
	}
	pm := &parent.m
	var kinds uint32
	for _, k := range s.Match.Kind {
		if complaint.Kind(k).Valid() {
			kinds |= 1 << kindIndex(complaint.Kind(k))
		}
	}
	if pm.kinds != 0 && kinds != 0 && pm.kinds&kinds == 0 {
		c.errf(child(n, "match"), path+".match.kind", "route %q: unreachable: its kinds never match its parent %q", s.ID, parent.id)
	}
	if len(pm.cats) > 0 && len(s.Match.Category) > 0 {
		overlap := false
		for _, a := range s.Match.Category {
			for _, b := range pm.cats {
				if complaint.Under(a, b) || complaint.Under(b, a) {
					overlap = true
				}
			}
		}
		if !overlap {
			c.errf(child(n, "match"), path+".match.category", "route %q: unreachable: its categories are outside its parent %q's", s.ID, parent.id)
		}
	}
}

func (c *compiler) authorisation(a *authSpec) {
	n := c.f.Sections["authorisation"]
	c.p.cap = complaint.Money(a.Cap)
	ln := child(n, "limits")
	for _, k := range slices.Sorted(maps.Keys(a.Limits)) {
		t := complaint.Tier(k)
		if !t.Valid() {
			c.errf(or(child(ln, k), ln), "authorisation.limits."+k, "tier %q is not one of province, city, county, branch", k)
			continue
		}
		l := a.Limits[k]
		c.p.limits[t] = Limit{Refund: complaint.Money(l.Refund), Compensation: complaint.Money(l.Compensation)}
	}
	// A lower tier may not be allowed more than a higher one.
	for i := 0; i+1 < len(complaint.Tiers); i++ {
		hi, lo := complaint.Tiers[i], complaint.Tiers[i+1]
		lh, okh := c.p.limits[hi]
		ll, okl := c.p.limits[lo]
		if okh && okl && (ll.Refund > lh.Refund || ll.Compensation > lh.Compensation) {
			c.errf(or(child(ln, string(lo)), ln), "authorisation.limits."+string(lo), "tier %s may grant more than tier %s above it", lo, hi)
		}
	}
}
