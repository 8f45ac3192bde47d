package scoring

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// PeriodKind is the length of a scoring period. The zero value means "any
// period" where a filter is expected (Target.Period) and is invalid elsewhere.
type PeriodKind uint8

// The period kinds. Weeks start on Monday; quarters on January, April, July
// and October; all in the book's time zone.
const (
	Day PeriodKind = iota + 1
	Week
	Month
	Quarter
	Year
)

const nPeriodKinds = int(Year) + 1

// PeriodKinds lists the period kinds from the shortest.
var PeriodKinds = []PeriodKind{Day, Week, Month, Quarter, Year}

// String returns "day", "week", "month", "quarter" or "year" ("" for zero).
func (k PeriodKind) String() string {
	switch k {
	case Day:
		return "day"
	case Week:
		return "week"
	case Month:
		return "month"
	case Quarter:
		return "quarter"
	case Year:
		return "year"
	}
	return ""
}

// ParsePeriodKind parses the String form of a PeriodKind.
func ParsePeriodKind(s string) (PeriodKind, error) {
	for _, k := range PeriodKinds {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("scoring: unknown period %q (want day, week, month, quarter or year)", s)
}

// Period is one calendar period in a time zone: a day, an ISO-style week
// (Monday first), a month, a quarter or a year. Build one with PeriodOf or
// ParsePeriod. The zero Period is invalid. Periods are comparable values.
type Period struct {
	Kind  PeriodKind
	Start time.Time // midnight at the start of the period, in its zone
}

// PeriodOf returns the period of kind k that contains t in loc (Asia/Shanghai
// when loc is nil).
func PeriodOf(k PeriodKind, t time.Time, loc *time.Location) Period {
	if loc == nil {
		loc = defaultZone()
	}
	t = t.In(loc)
	y, m, d := t.Date()
	switch k {
	case Day:
	case Week:
		d -= (int(t.Weekday()) + 6) % 7
	case Month:
		d = 1
	case Quarter:
		m, d = (m-1)/3*3+1, 1
	case Year:
		m, d = 1, 1
	default:
		return Period{}
	}
	return Period{Kind: k, Start: time.Date(y, m, d, 0, 0, 0, 0, loc)}
}

// IsZero reports whether p is the zero Period.
func (p Period) IsZero() bool { return p.Kind == 0 }

// End returns the start of the next period (the end is exclusive).
func (p Period) End() time.Time { return p.add(1).Start }

// Contains reports whether t falls in p.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End()) }

// Next returns the period after p.
func (p Period) Next() Period { return p.add(1) }

// Prev returns the period before p.
func (p Period) Prev() Period { return p.add(-1) }

// LastYear returns the same period one year earlier (for a week: the week
// 52 weeks earlier).
func (p Period) LastYear() Period {
	switch p.Kind {
	case Day:
		return Period{Day, p.Start.AddDate(-1, 0, 0)}
	case Week:
		return p.add(-52)
	case Month:
		return p.add(-12)
	case Quarter:
		return p.add(-4)
	case Year:
		return p.add(-1)
	}
	return p
}

func (p Period) add(n int) Period {
	y, m, d := p.Start.Date()
	loc := p.Start.Location()
	switch p.Kind {
	case Day:
		d += n
	case Week:
		d += 7 * n
	case Month:
		m += time.Month(n)
	case Quarter:
		m += time.Month(3 * n)
	case Year:
		y += n
	default:
		return p
	}
	return Period{p.Kind, time.Date(y, m, d, 0, 0, 0, 0, loc)}
}

// Elapsed returns the share of p that has passed at now, between 0 and 1.
func (p Period) Elapsed(now time.Time) float64 {
	if !now.After(p.Start) {
		return 0
	}
	end := p.End()
	if !now.Before(end) {
		return 1
	}
	return float64(now.Sub(p.Start)) / float64(end.Sub(p.Start))
}

// String formats p as "2025-03-07" (day), "2025-W10" (week, ISO week number),
// "2025-03" (month), "2025-Q1" (quarter) or "2025" (year).
func (p Period) String() string {
	s := p.Start
	switch p.Kind {
	case Day:
		return s.Format("2006-01-02")
	case Week:
		y, w := s.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	case Month:
		return s.Format("2006-01")
	case Quarter:
		return fmt.Sprintf("%04d-Q%d", s.Year(), (int(s.Month())-1)/3+1)
	case Year:
		return fmt.Sprintf("%04d", s.Year())
	}
	return ""
}

// MarshalText encodes p as its String form (so JSON shows "2025-03").
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// ParsePeriod parses the String form of a period in loc (Asia/Shanghai when
// nil): "2025", "2025-Q1", "2025-03", "2025-W10" or "2025-03-07".
func ParsePeriod(s string, loc *time.Location) (Period, error) {
	if loc == nil {
		loc = defaultZone()
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c == '-' || c == 'Q' || c == 'W') {
			return Period{}, fmt.Errorf("scoring: bad period %q", s)
		}
	}
	bad := fmt.Errorf("scoring: bad period %q (want 2025, 2025-Q1, 2025-03, 2025-W10 or 2025-03-07)", s)
	switch {
	case len(s) == 4:
		y, err := strconv.Atoi(s)
		if err != nil || y < 1 {
			return Period{}, bad
		}
		return Period{Year, time.Date(y, 1, 1, 0, 0, 0, 0, loc)}, nil
	case len(s) == 7 && s[5] == 'Q':
		y, err1 := strconv.Atoi(s[:4])
		q, err2 := strconv.Atoi(s[6:])
		if err1 != nil || err2 != nil || s[4] != '-' || q < 1 || q > 4 || y < 1 {
			return Period{}, bad
		}
		return Period{Quarter, time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, loc)}, nil
	case len(s) == 8 && s[5] == 'W':
		y, err1 := strconv.Atoi(s[:4])
		w, err2 := strconv.Atoi(s[6:])
		if err1 != nil || err2 != nil || s[4] != '-' || w < 1 || w > 53 || y < 1 {
			return Period{}, bad
		}
		// ISO week 1 contains January 4th.
		jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, loc)
		p := PeriodOf(Week, jan4, loc).add(w - 1)
		if yy, ww := p.Start.ISOWeek(); yy != y || ww != w {
			return Period{}, bad
		}
		return p, nil
	case len(s) == 7:
		t, err := time.ParseInLocation("2006-01", s, loc)
		if err != nil {
			return Period{}, bad
		}
		return Period{Month, t}, nil
	case len(s) == 10 && strings.Count(s, "-") == 2:
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			return Period{}, bad
		}
		return Period{Day, t}, nil
	}
	return Period{}, bad
}

// periodIDs are compact ids of the periods containing one instant, one per
// kind, used as slot keys on the hot path.
type periodIDs [nPeriodKinds]int32

// idsOf computes the period ids of t in loc without allocating.
func idsOf(t time.Time, loc *time.Location) periodIDs {
	var ids periodIDs
	t = t.In(loc)
	y, m, d := t.Date()
	day := daysFromCivil(y, int(m), d)
	ids[Day] = day
	ids[Week] = day - int32((int(t.Weekday())+6)%7)
	ids[Month] = int32(y*12 + int(m) - 1)
	ids[Quarter] = int32(y*4 + (int(m)-1)/3)
	ids[Year] = int32(y)
	return ids
}

// periodID is the compact id of p (see idsOf).
func periodID(p Period) int32 {
	y, m, d := p.Start.Date()
	switch p.Kind {
	case Day, Week:
		return daysFromCivil(y, int(m), d)
	case Month:
		return int32(y*12 + int(m) - 1)
	case Quarter:
		return int32(y*4 + (int(m)-1)/3)
	case Year:
		return int32(y)
	}
	return 0
}

// periodFromID is the inverse of periodID.
func periodFromID(k PeriodKind, id int32, loc *time.Location) Period {
	switch k {
	case Day, Week:
		y, m, d := civilFromDays(id)
		return Period{k, time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)}
	case Month:
		return Period{k, time.Date(int(id/12), time.Month(id%12+1), 1, 0, 0, 0, 0, loc)}
	case Quarter:
		return Period{k, time.Date(int(id/4), time.Month(id%4*3+1), 1, 0, 0, 0, 0, loc)}
	case Year:
		return Period{k, time.Date(int(id), 1, 1, 0, 0, 0, 0, loc)}
	}
	return Period{}
}

// daysFromCivil returns the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

func civilFromDays(z32 int32) (int, int, int) {
	z := int(z32) + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// defaultZone is Asia/Shanghai, or a fixed UTC+8 zone named "CST" when the
// system has no zone database (binaries should import time/tzdata).
var defaultZone = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
})
