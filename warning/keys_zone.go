package warning

import (
	"math"
	"time"
)

// zoneCache remembers the zone in effect over an interval of one
// Location, so the zone offset of the next instant in that interval is
// known without a look-up.
type zoneCache struct {
	loc      *time.Location // nil: empty
	from, to int64          // unix seconds: the zone is in effect on [from, to)
	off      int
}

// offset returns t's zone offset in seconds, as t.Zone().
func (z *zoneCache) offset(t time.Time) int {
	u := t.Unix()
	if l := t.Location(); l == z.loc && z.from <= u && u < z.to {
		return z.off
	}
	_, off := t.Zone()
	start, end := t.ZoneBounds() // zero when the zone has no start or no end
	z.loc, z.off, z.from, z.to = t.Location(), off, math.MinInt64, math.MaxInt64
	if !start.IsZero() {
		z.from = start.Unix()
	}
	if !end.IsZero() {
		z.to = end.Unix()
	}
	return off
}
