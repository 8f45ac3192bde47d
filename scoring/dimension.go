package scoring

import (
	"slices"

	"github.com/kesu-go/kesu/complaint"
)

// A dimension groups facts into units: "all" (one unit, ""), the region
// levels "province", "city", "county" and "branch" (the region code cut to
// that depth with complaint.Truncate; a ticket whose region is not that deep
// is not counted there), "category" (the full category code) and "business"
// (its top level), "unit" (the handling unit), "team" (the queue), "agent"
// (the assignee), "department", "responsible-unit" and "side" (the
// responsibility recorded at closing, R24), "partner", "billing-code",
// "product", "channel" and "kind". A fact counts under a dimension only when
// the ticket's value is known at that fact (see the package documentation).
type dimDef struct {
	name string
	get  func(v *view) string
	src  source // the view field the unit is made of
}

// source is the view field a dimension's unit is made of. A Book looks each
// field's value up once per fact (interned, see Book.count) and finds the
// rows of every kept dimension made of it, so region levels and business
// cost no string work per fact.
type source uint8

const (
	srcNone source = iota // "all"
	srcRegion
	srcCategory
	srcUnit
	srcQueue
	srcAssignee
	srcDepartment
	srcRespUnit
	srcSide
	srcPartner
	srcBilling
	srcProduct
	srcChannel
	srcKind
	nSources
)

// sourceOf returns v's value of field s.
func sourceOf(s source, v *view) string {
	switch s {
	case srcRegion:
		return v.region
	case srcCategory:
		return v.category
	case srcUnit:
		return v.unit
	case srcQueue:
		return v.queue
	case srcAssignee:
		return v.assignee
	case srcDepartment:
		return v.department
	case srcRespUnit:
		return v.respUnit
	case srcSide:
		return v.side
	case srcPartner:
		return v.partner
	case srcBilling:
		return v.billing
	case srcProduct:
		return v.product
	case srcChannel:
		return string(v.channel)
	case srcKind:
		return string(v.kind)
	}
	return ""
}

func region(level int) func(v *view) string {
	return func(v *view) string {
		if complaint.Level(v.region) < level {
			return ""
		}
		return complaint.Truncate(v.region, level)
	}
}

var dimDefs = []dimDef{
	{"all", func(*view) string { return "" }, srcNone},
	{"province", region(1), srcRegion},
	{"city", region(2), srcRegion},
	{"county", region(3), srcRegion},
	{"branch", region(4), srcRegion},
	{"business", func(v *view) string { return complaint.Truncate(v.category, 1) }, srcCategory},
	{"category", func(v *view) string { return v.category }, srcCategory},
	{"unit", func(v *view) string { return v.unit }, srcUnit},
	{"team", func(v *view) string { return v.queue }, srcQueue},
	{"agent", func(v *view) string { return v.assignee }, srcAssignee},
	{"department", func(v *view) string { return v.department }, srcDepartment},
	{"responsible-unit", func(v *view) string { return v.respUnit }, srcRespUnit},
	{"side", func(v *view) string { return v.side }, srcSide},
	{"partner", func(v *view) string { return v.partner }, srcPartner},
	{"billing-code", func(v *view) string { return v.billing }, srcBilling},
	{"product", func(v *view) string { return v.product }, srcProduct},
	{"channel", func(v *view) string { return string(v.channel) }, srcChannel},
	{"kind", func(v *view) string { return string(v.kind) }, srcKind},
}

// DimensionNames lists every dimension a Book can keep, in a fixed order.
func DimensionNames() []string {
	out := make([]string, len(dimDefs))
	for i, d := range dimDefs {
		out[i] = d.name
	}
	return out
}

// DefaultDimensions are the dimensions a Book keeps unless told otherwise.
var DefaultDimensions = []string{"all", "province", "city", "county", "branch", "business", "category",
	"team", "agent", "side", "department", "partner"}

func knownDimension(name string) bool {
	return slices.ContainsFunc(dimDefs, func(d dimDef) bool { return d.name == name })
}

func dimByName(name string) (dimDef, bool) {
	for _, d := range dimDefs {
		if d.name == name {
			return d, true
		}
	}
	return dimDef{}, false
}
