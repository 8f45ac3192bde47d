package complaint

import (
	"strconv"
	"unicode/utf8"
)

// MaxTextLen is the longest ticket or event text accepted, in bytes.
const MaxTextLen = 64 << 10

// ValidCode reports whether s is a well-formed hierarchical code: one or more
// segments of ASCII letters, digits, '-' or '_', separated by single dots,
// e.g. "vas.unaware" or "gd.gz.th". Codes are ids; labels carry the Chinese.
func ValidCode(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	seg := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if seg == 0 {
				return false
			}
			seg = 0
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			seg++
		default:
			return false
		}
	}
	return seg > 0
}

// ValidateIntake checks a new ticket as the caller gave it and returns every
// problem at once as a *ValidationError (nil when it is fine). Paths are
// prefixed "intake.". When cats or regions is non-nil the category or region
// must be one of its codes.
func ValidateIntake(in *Intake, cats, regions *Taxonomy) error {
	var v ValidationError // on the stack: the valid path does not allocate
	validateIntake(&v, in, cats, regions)
	if len(v.Fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: v.Fields}
}

func validateIntake(v *ValidationError, in *Intake, cats, regions *Taxonomy) {
	if in == nil {
		v.Add("intake", "required")
		return
	}
	switch {
	case in.Kind == "":
		v.Add("intake.kind", "required")
	case !in.Kind.Valid():
		v.Add("intake.kind", "unknown kind %q", in.Kind)
	}
	switch {
	case in.Channel == "":
		v.Add("intake.channel", "required")
	case !in.Channel.Valid():
		v.Add("intake.channel", "unknown channel %q", in.Channel)
	}
	checkCode(v, "intake.category", in.Category, cats)
	checkCode(v, "intake.region", in.Region, regions)
	if in.Customer == "" && in.Subscriber == "" && in.Kind != KindOpinion && in.Kind != KindConsultation {
		v.Add("intake.customer", "customer or subscriber required for a %s", in.Kind)
	}
	checkText(v, "intake.text", in.Text)
	if len(in.ExternalID) > 256 {
		v.Add("intake.external_id", "longer than 256 bytes")
	}
}

func checkCode(v *ValidationError, path, code string, tax *Taxonomy) {
	switch {
	case code == "":
		v.Add(path, "required")
	case !ValidCode(code):
		v.Add(path, "malformed code %q (want dot-separated segments of letters, digits, - or _)", code)
	case tax != nil && !tax.Has(code):
		v.Add(path, "unknown code %q", code)
	}
}

func checkText(v *ValidationError, path, s string) {
	if len(s) > MaxTextLen {
		v.Add(path, "longer than %d bytes", MaxTextLen)
	}
	if !utf8.ValidString(s) {
		v.Add(path, "not valid UTF-8")
	}
}

// ValidateEvent checks that an event is well formed for its type: the payload
// it needs is there and sane. It does not check the lifecycle (see Apply). It
// returns every problem at once as a *ValidationError, or nil.
func ValidateEvent(e *Event) error {
	var v ValidationError // on the stack: the valid path does not allocate
	if !e.Type.Valid() {
		v.Add("type", "unknown event type %q", e.Type)
		return &ValidationError{Fields: v.Fields}
	}
	if e.At.IsZero() {
		v.Add("at", "required")
	}
	if e.Actor.Kind != "" && !e.Actor.Kind.Valid() {
		v.Add("actor.kind", "unknown actor kind %q", e.Actor.Kind)
	}
	if e.Actor.Tier != "" && !e.Actor.Tier.Valid() {
		v.Add("actor.tier", "unknown tier %q", e.Actor.Tier)
	}
	if e.Visibility != "" && e.Visibility != Public && e.Visibility != Internal {
		v.Add("visibility", "unknown visibility %q", e.Visibility)
	}
	checkText(&v, "text", e.Text)
	need := func(path string, present bool) bool {
		if !present {
			v.Add(path, "required for a %s event", e.Type)
		}
		return present
	}
	switch e.Type {
	case EventReceived:
		validateIntake(&v, e.Intake, nil, nil)
	case EventTagged:
		if need("tags", len(e.Tags) > 0) {
			for i, t := range e.Tags {
				if t.Name == "" {
					v.Add(indexPath("tags", i, "name"), "required")
				}
			}
		}
	case EventDispatched, EventTransferred:
		if need("dispatch", e.Dispatch != nil) {
			d := e.Dispatch
			if d.Unit == "" {
				v.Add("dispatch.unit", "required")
			}
			if d.Tier != "" && !d.Tier.Valid() {
				v.Add("dispatch.tier", "unknown tier %q", d.Tier)
			}
			if d.Handling != "" && !d.Handling.Valid() {
				v.Add("dispatch.handling", "unknown handling class %q", d.Handling)
			}
		}
	case EventAssigned:
		if need("assign", e.Assign != nil) && e.Assign.Assignee == "" {
			v.Add("assign.assignee", "required")
		}
	case EventDeadlinesSet:
		need("deadlines", e.Deadlines != nil)
	case EventApproved:
		if need("approval", e.Approval != nil) && e.Approval.Amount <= 0 {
			v.Add("approval.amount", "must be positive")
		}
	case EventEscalated:
		if need("escalation", e.Escalation != nil) {
			if e.Escalation.Target == "" {
				v.Add("escalation.target", "required")
			}
			if e.Escalation.Tier != "" && !e.Escalation.Tier.Valid() {
				v.Add("escalation.tier", "unknown tier %q", e.Escalation.Tier)
			}
		}
	case EventResolved:
		if need("resolution", e.Resolution != nil) {
			r := e.Resolution
			if r.Outcome == "" {
				v.Add("resolution.outcome", "required")
			}
			if r.Compensation < 0 {
				v.Add("resolution.compensation", "must not be negative")
			}
			if r.Refund < 0 {
				v.Add("resolution.refund", "must not be negative")
			}
		}
	case EventVisited:
		if need("visit", e.Visit != nil) && (e.Visit.Score < 0 || e.Visit.Score > 100) {
			v.Add("visit.score", "out of range 0..100")
		}
	case EventClosed:
		if need("closing", e.Closing != nil) {
			c := e.Closing
			if c.Responsibility.Unit == "" {
				v.Add("closing.responsibility.unit", "required")
			}
			if c.Handling != "" && !c.Handling.Valid() {
				v.Add("closing.handling", "unknown handling class %q", c.Handling)
			}
		}
	case EventMerged:
		if need("merge", e.Merge != nil) && e.Merge.Problem == "" {
			v.Add("merge.problem", "required")
		}
	case EventReopened, EventInfoAdded, EventNote:
		if e.Text == "" && e.Type != EventReopened {
			v.Add("text", "required for a %s event", e.Type)
		}
	}
	if len(v.Fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: v.Fields}
}

func indexPath(base string, i int, field string) string {
	return base + "[" + strconv.Itoa(i) + "]." + field
}
