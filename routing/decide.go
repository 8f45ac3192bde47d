package routing

import (
	"strings"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// Hit is a tag a rule sets: the tag's name and the rule's id.
type Hit struct {
	Tag, Rule string
}

// Decision is what tagging, routing and assignment decided for one ticket.
// Reuse one Decision across calls to Plan to avoid allocating.
type Decision struct {
	// Tags are the tags to add (not already on the ticket), each with its rule.
	Tags []Hit
	// Dispatch is the routing decision: tier, unit, queue, priority, handling
	// class, green channel, centralised, and the explanation (Route: the
	// matched paths of node ids; Reason: the conditions along the primary one).
	Dispatch complaint.Dispatch
	// Queue is the decided queue.
	Queue *Queue
	// Profile is the SLA profile (nil when none applies).
	Profile *Profile
	// Assignee is the chosen handler ("" when none: manual queue, no handler
	// with capacity) and Strategy how it was chosen.
	Assignee, Strategy string
	// Errors lists rule expressions that failed at run time (treated as not
	// matching), as "rule: error".
	Errors []string

	matched []*node
}

func (d *Decision) reset() {
	d.Tags = d.Tags[:0]
	d.Dispatch = complaint.Dispatch{}
	d.Queue, d.Profile = nil, nil
	d.Assignee, d.Strategy = "", ""
	d.Errors = d.Errors[:0]
	clear(d.matched)
	d.matched = d.matched[:0]
}

// prepare fills f for a ticket.
func (p *Policy) prepare(f *facts, t *complaint.Ticket, c *complaint.Customer, h HistoryView, now time.Time) {
	f.t, f.c, f.hist, f.now, f.env, f.envReady = t, c, h, now, nil, false
	f.exprErrs = f.exprErrs[:0]
	f.kind = kindIndex(t.Kind)
	f.channel = channelIndex(t.Channel)
	f.top = complaint.Truncate(t.Category, 1)
	f.flags, f.tags = 0, 0
	if c != nil {
		for _, fl := range c.Flags {
			f.flags |= p.flags[string(fl)]
		}
	}
	for i := range t.Tags {
		f.tags |= p.tagBit[t.Tags[i].Name]
	}
}

// tag runs the tag rules in order; a tag set by one rule is visible to the
// rules after it.
func (p *Policy) tag(f *facts, d *Decision) {
	for _, i := range p.tagSet.candidates(f.kind, f.top) {
		r := &p.tags[i]
		if f.tags&r.bit != 0 && r.bit != 0 {
			continue // already tagged
		}
		if r.bit == 0 && f.t.HasTag(r.tag) {
			continue
		}
		if !r.m.match(p, f, r.id) {
			continue
		}
		if hasHit(d.Tags, r.tag) {
			continue
		}
		d.Tags = append(d.Tags, Hit{Tag: r.tag, Rule: r.id})
		f.tags |= r.bit
	}
}

func hasHit(hs []Hit, tag string) bool {
	for _, h := range hs {
		if h.Tag == tag {
			return true
		}
	}
	return false
}

// walk matches the tree like Alertmanager's dispatch: depth-first, the first
// matching child wins unless it has continue; a node none of whose children
// match is itself a result.
func (p *Policy) walk(n *node, f *facts, out *[]*node) {
	before := len(*out)
	for _, i := range n.set.candidates(f.kind, f.top) {
		ch := n.children[i]
		if !ch.m.match(p, f, ch.id) {
			continue
		}
		p.walk(ch, f, out)
		if !ch.cont {
			break
		}
	}
	if len(*out) == before {
		*out = append(*out, n)
	}
}

// route fills d.Dispatch, d.Queue and d.Profile.
func (p *Policy) route(f *facts, d *Decision) {
	p.walk(p.root, f, &d.matched)
	prim := d.matched[0]
	for _, m := range d.matched {
		if !m.viaContinue {
			prim = m
			break
		}
	}
	q := prim.queue
	d.Queue = q
	disp := complaint.Dispatch{
		Tier: q.Tier, Unit: q.Unit, Queue: q.ID, Priority: prim.priority, Handling: prim.handling,
		Green: prim.green, Route: prim.path, Reason: prim.reason,
	}
	onsite := prim.onsite
	if len(d.matched) > 1 {
		var b strings.Builder
		b.WriteString(prim.path)
		for _, m := range d.matched {
			if m == prim {
				continue
			}
			disp.Priority = max(disp.Priority, m.priority)
			disp.Green = disp.Green || m.green
			onsite = onsite || m.onsite
			b.WriteString(",")
			b.WriteString(m.path)
		}
		disp.Route = b.String()
	}
	disp.Centralised = !onsite && q.Tier != complaint.TierBranch
	d.Dispatch = disp
	d.Profile = prim.sla
	if d.Profile == nil {
		for _, i := range p.slaSet.candidates(f.kind, f.top) {
			s := p.slaSel[i]
			if s.m.match(p, f, s.ID) {
				d.Profile = s
				break
			}
		}
	}
}

// Deadlines computes the deadlines of profile pr counted from from, on the
// policy's calendar. It fails (with calendar.ErrNoData) when a working-day
// deadline reaches a year the calendar has no data for.
func (p *Policy) Deadlines(pr *Profile, from time.Time) (complaint.Deadlines, error) {
	d := complaint.Deadlines{Profile: pr.ID}
	var err error
	set := func(s Span, dst *time.Time) {
		if err != nil || s.IsZero() {
			return
		}
		*dst, err = s.after(p, from)
	}
	set(pr.FirstContact, &d.FirstContact)
	set(pr.Reply, &d.Reply)
	set(pr.Resolve, &d.Resolve)
	set(pr.Regulator, &d.Regulator)
	if err != nil {
		return complaint.Deadlines{}, err
	}
	return d, nil
}
