package calendar

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// ErrNoData is returned (wrapped, naming the year) when a calendar is asked
// about a year it has no holiday data for. A calendar never guesses.
var ErrNoData = errors.New("calendar: no holiday data for year")

// DefaultZone is the time zone of the Chinese calendar.
const DefaultZone = "Asia/Shanghai"

// Date is a calendar day written YYYY-MM-DD in data files.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses "2025-01-28".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("calendar: bad date %q (want YYYY-MM-DD)", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDate(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = v
	return nil
}

func (d Date) civil() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Holiday is a run of public-holiday days, From to To inclusive (放假调休).
type Holiday struct {
	Name string `yaml:"name"`
	From Date   `yaml:"from"`
	To   Date   `yaml:"to"`
}

// Year is one year's holiday data: the days off and the weekend days worked
// instead (调休), as the State Council notice for that year gives them.
type Year struct {
	Year     int       `yaml:"year"`
	Source   string    `yaml:"source"`
	Holidays []Holiday `yaml:"holidays"`
	Workdays []Date    `yaml:"workdays"`
}

// ParseYear parses a year's data file (YAML with year, source, holidays and
// workdays; see data/cn-2025.yaml). name is used in errors. It checks that
// every date is in the stated year, that holiday runs are ordered, and that
// every make-up working day falls on a weekend and is not also a holiday.
func ParseYear(name string, data []byte) (*Year, error) {
	var y Year
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&y); err != nil {
		return nil, fmt.Errorf("calendar: %s: %w", name, err)
	}
	if err := y.check(); err != nil {
		return nil, fmt.Errorf("calendar: %s: %w", name, err)
	}
	return &y, nil
}

// LoadYear reads a year's data file (see ParseYear).
func LoadYear(path string) (*Year, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	return ParseYear(path, data)
}

func (y *Year) check() error {
	var errs []string
	if y.Year < 1900 || y.Year > 9999 {
		errs = append(errs, fmt.Sprintf("year %d out of range", y.Year))
	}
	off := map[Date]bool{}
	for i, h := range y.Holidays {
		if h.From.Year != y.Year || h.To.Year != y.Year {
			errs = append(errs, fmt.Sprintf("holidays[%d] (%s): dates must be in %d", i, h.Name, y.Year))
			continue
		}
		if h.To.civil().Before(h.From.civil()) {
			errs = append(errs, fmt.Sprintf("holidays[%d] (%s): to %s is before from %s", i, h.Name, h.To, h.From))
			continue
		}
		for d := h.From.civil(); !d.After(h.To.civil()); d = d.AddDate(0, 0, 1) {
			off[Date{d.Year(), d.Month(), d.Day()}] = true
		}
	}
	for i, w := range y.Workdays {
		switch wd := w.civil().Weekday(); {
		case w.Year != y.Year:
			errs = append(errs, fmt.Sprintf("workdays[%d]: %s is not in %d", i, w, y.Year))
		case wd != time.Saturday && wd != time.Sunday:
			errs = append(errs, fmt.Sprintf("workdays[%d]: %s is a %s, not a weekend day", i, w, wd))
		case off[w]:
			errs = append(errs, fmt.Sprintf("workdays[%d]: %s is also a holiday", i, w))
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// Calendar answers working-day questions in one time zone from per-year
// holiday data. Build it with New or China. A Calendar is immutable and safe
// for concurrent use; its methods do not allocate.
type Calendar struct {
	loc   *time.Location
	first int      // first year with data
	days  [][]bool // per year from first: day of year (0-based) → working day; nil when no data
	// flat is every day from 1 January of first on, in order: dayWork,
	// dayOff, or dayNone for a day of a year without data (built by with).
	flat  []uint8
	start []int // per year from first: index in flat of its 1 January
}

const (
	dayOff uint8 = iota
	dayWork
	dayNone
)

// New returns a calendar in loc with the given years' data. loc must not be
// nil. Two data sets for the same year are an error.
func New(loc *time.Location, years ...*Year) (*Calendar, error) {
	if loc == nil {
		return nil, errors.New("calendar: nil location")
	}
	c := &Calendar{loc: loc}
	return c.with(years)
}

// With returns a copy of c that also knows years (e.g. loaded with
// LoadYear); c is unchanged. A year c already knows is an error.
func (c *Calendar) With(years ...*Year) (*Calendar, error) {
	n := &Calendar{loc: c.loc, first: c.first, days: slices.Clone(c.days)}
	if len(years) == 0 {
		n.flatten()
	}
	return n.with(years)
}

func (c *Calendar) with(years []*Year) (*Calendar, error) {
	for _, y := range years {
		if err := y.check(); err != nil {
			return nil, fmt.Errorf("calendar: year %d: %w", y.Year, err)
		}
		if c.days == nil {
			c.first = y.Year
		}
		for y.Year < c.first {
			c.days = slices.Insert(c.days, 0, nil)
			c.first--
		}
		for y.Year >= c.first+len(c.days) {
			c.days = append(c.days, nil)
		}
		i := y.Year - c.first
		if c.days[i] != nil {
			return nil, fmt.Errorf("calendar: year %d given twice", y.Year)
		}
		c.days[i] = y.table()
	}
	c.flatten()
	return c, nil
}

// flatten builds flat and start from days.
func (c *Calendar) flatten() {
	c.flat, c.start = c.flat[:0], make([]int, len(c.days))
	for i, d := range c.days {
		c.start[i] = len(c.flat)
		if d == nil {
			y := c.first + i
			n := 365
			if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
				n = 366
			}
			for range n {
				c.flat = append(c.flat, dayNone)
			}
			continue
		}
		for _, w := range d {
			if w {
				c.flat = append(c.flat, dayWork)
			} else {
				c.flat = append(c.flat, dayOff)
			}
		}
	}
}

// index returns the position in flat of the local day (y, yday 1-based),
// or -1 when it is before the first year or after the last.
func (c *Calendar) index(y, yday int) int {
	i := y - c.first
	if i < 0 || i >= len(c.start) {
		return -1
	}
	return c.start[i] + yday - 1
}

// yearOf returns the year and 1-based day of year of position i in flat
// (i may be past the end: the years after the last are counted on).
func (c *Calendar) yearOf(i int) (y, yday int) {
	if len(c.start) == 0 {
		return c.first, i + 1
	}
	j, _ := slices.BinarySearch(c.start, i+1)
	j-- // the last year starting at or before i
	if j < 0 {
		j = 0
	}
	y, yday = c.first+j, i-c.start[j]+1
	for {
		n := 365
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			n = 366
		}
		if yday <= n {
			return y, yday
		}
		y, yday = y+1, yday-n
	}
}

func (y *Year) table() []bool {
	start := time.Date(y.Year, 1, 1, 0, 0, 0, 0, time.UTC)
	n := int(start.AddDate(1, 0, 0).Sub(start).Hours() / 24)
	t := make([]bool, n)
	for i := range t {
		wd := start.AddDate(0, 0, i).Weekday()
		t[i] = wd != time.Saturday && wd != time.Sunday
	}
	for _, h := range y.Holidays {
		for d := h.From.civil(); !d.After(h.To.civil()); d = d.AddDate(0, 0, 1) {
			t[d.YearDay()-1] = false
		}
	}
	for _, w := range y.Workdays {
		t[w.civil().YearDay()-1] = true
	}
	return t
}

//go:embed data/*.yaml
var data embed.FS

// China returns the Chinese working-day calendar in Asia/Shanghai with the
// holiday data shipped with kesu (2025 and 2026, from the State Council
// notices). It fails when the time zone database is unavailable: binaries
// should import time/tzdata.
func China() (*Calendar, error) {
	loc, err := time.LoadLocation(DefaultZone)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w (import time/tzdata in your binary)", err)
	}
	return ChinaIn(loc)
}

// ChinaIn is China in another time zone.
func ChinaIn(loc *time.Location) (*Calendar, error) {
	years, err := Shipped()
	if err != nil {
		return nil, err
	}
	return New(loc, years...)
}

// Shipped returns the Chinese holiday data shipped with kesu, oldest first.
func Shipped() ([]*Year, error) {
	ents, err := data.ReadDir("data")
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	var out []*Year
	for _, e := range ents {
		b, err := data.ReadFile("data/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("calendar: %w", err)
		}
		y, err := ParseYear(e.Name(), b)
		if err != nil {
			return nil, err
		}
		out = append(out, y)
	}
	return out, nil
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Years returns the years the calendar has data for, in order.
func (c *Calendar) Years() []int {
	var out []int
	for i, d := range c.days {
		if d != nil {
			out = append(out, c.first+i)
		}
	}
	return out
}

// workday reports whether the local day (y, yday 1-based) is a working day.
func (c *Calendar) workday(y, yday int) (bool, error) {
	i := y - c.first
	if i < 0 || i >= len(c.days) || c.days[i] == nil {
		return false, &NoDataError{Year: y}
	}
	return c.days[i][yday-1], nil
}

// NoDataError says which year has no data; errors.Is(err, ErrNoData) holds.
type NoDataError struct{ Year int }

// Error implements error.
func (e *NoDataError) Error() string {
	return fmt.Sprintf("calendar: no holiday data for year %d", e.Year)
}

// Is makes errors.Is(err, ErrNoData) true.
func (e *NoDataError) Is(target error) bool { return target == ErrNoData }

// IsWorkday reports whether t falls on a working day in the calendar's zone:
// a weekday that is not a holiday, or a make-up weekend day. It returns a
// *NoDataError for a year without data.
func (c *Calendar) IsWorkday(t time.Time) (bool, error) {
	t = t.In(c.loc)
	return c.workday(t.Year(), t.YearDay())
}

// midnight returns 00:00 of the local day of t.
func (c *Calendar) midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, c.loc)
}

// nextDay returns 00:00 of the local day after t's.
func (c *Calendar) nextDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, c.loc)
}

// AddWorkingDays returns the time n working days after start. The day of
// start does not count: the result is the same clock time on the n-th working
// day after it. When start is not on a working day the clock starts at 00:00
// of the next working day, so the result is the end (24:00) of the n-th
// working day counted from there. n <= 0 returns start (moved to the next
// working day's start when start is not on a working day). The result is in
// the calendar's zone. It returns a *NoDataError when it reaches a year
// without data.
func (c *Calendar) AddWorkingDays(start time.Time, n int) (time.Time, error) {
	t := start.In(c.loc)
	y, yday := t.Year(), t.YearDay()
	i := c.index(y, yday)
	if i < 0 {
		return time.Time{}, &NoDataError{Year: y}
	}
	h, mi, s := t.Clock()
	ns := t.Nanosecond()
	// Walk the flat table by day: every day is the next civil day, the
	// same as stepping time.Date(y, m, d+1, …) one day at a time.
	for {
		if i >= len(c.flat) || c.flat[i] == dayNone {
			ny, _ := c.yearOf(i)
			return time.Time{}, &NoDataError{Year: ny}
		}
		if c.flat[i] == dayWork {
			break
		}
		i++
		h, mi, s, ns = 0, 0, 0, 0 // the clock starts at 00:00 of the next working day
	}
	for n > 0 {
		i++
		if i >= len(c.flat) || c.flat[i] == dayNone {
			ny, _ := c.yearOf(i)
			return time.Time{}, &NoDataError{Year: ny}
		}
		if c.flat[i] == dayWork {
			n--
		}
	}
	ry, rd := c.yearOf(i)
	if ry == y && rd == yday && h == t.Hour() && mi == t.Minute() && s == t.Second() && ns == t.Nanosecond() {
		return t, nil
	}
	return time.Date(ry, time.January, rd, h, mi, s, ns, c.loc), nil
}

// WorkingDuration returns how much of [from, to) falls on working days
// (whole days count 24 hours). It is zero when to is not after from. It
// returns a *NoDataError when the span touches a year without data.
func (c *Calendar) WorkingDuration(from, to time.Time) (time.Duration, error) {
	if !to.After(from) {
		return 0, nil
	}
	f := from.In(c.loc)
	fy, fd := f.Year(), f.YearDay()
	i := c.index(fy, fd)
	if i < 0 {
		return 0, &NoDataError{Year: fy}
	}
	// Sum runs of consecutive working days: a run from day a to day b
	// counts [max(from, 00:00 of a), min(to, 00:00 after b)), so time.Date
	// is called once per run boundary, not once per day.
	tt := to.In(c.loc)
	last := c.index(tt.Year(), tt.YearDay()) // the day of to
	if last < 0 {
		last = len(c.flat)
	}
	var total time.Duration
	t := f // start of the current day (from on the first day)
	for t.Before(to) {
		if i >= len(c.flat) || c.flat[i] == dayNone {
			ny, _ := c.yearOf(i)
			return 0, &NoDataError{Year: ny}
		}
		work := c.flat[i] == dayWork
		// extend the run over the following days with the same status,
		// up to the day of to
		j := i + 1
		for j <= last && j < len(c.flat) && c.flat[j] == c.flat[i] {
			j++
		}
		end := c.dayStart(j)
		if end.After(to) {
			end = to
		}
		if work {
			total += end.Sub(t)
		}
		t, i = end, j
	}
	return total, nil
}

// dayStart returns 00:00 of the local day at position i of flat.
func (c *Calendar) dayStart(i int) time.Time {
	y, yd := c.yearOf(i)
	return time.Date(y, time.January, yd, 0, 0, 0, 0, c.loc)
}

// WorkingDaysBetween counts the working days strictly after the local day
// of from up to and including the local day of to (0 when to is not later).
func (c *Calendar) WorkingDaysBetween(from, to time.Time) (int, error) {
	a, b := c.midnight(from.In(c.loc)), c.midnight(to.In(c.loc))
	n := 0
	for t := c.nextDay(a); !t.After(b); t = c.nextDay(t) {
		ok, err := c.IsWorkday(t)
		if err != nil {
			return 0, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}
