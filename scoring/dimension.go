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
	{"all", func(*view) string { return "" }},
	{"province", region(1)},
	{"city", region(2)},
	{"county", region(3)},
	{"branch", region(4)},
	{"business", func(v *view) string { return complaint.Truncate(v.category, 1) }},
	{"category", func(v *view) string { return v.category }},
	{"unit", func(v *view) string { return v.unit }},
	{"team", func(v *view) string { return v.queue }},
	{"agent", func(v *view) string { return v.assignee }},
	{"department", func(v *view) string { return v.department }},
	{"responsible-unit", func(v *view) string { return v.respUnit }},
	{"side", func(v *view) string { return v.side }},
	{"partner", func(v *view) string { return v.partner }},
	{"billing-code", func(v *view) string { return v.billing }},
	{"product", func(v *view) string { return v.product }},
	{"channel", func(v *view) string { return string(v.channel) }},
	{"kind", func(v *view) string { return string(v.kind) }},
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
