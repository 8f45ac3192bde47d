package calendar_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint/calendar"
)

func china(t testing.TB) *calendar.Calendar {
	t.Helper()
	c, err := calendar.China()
	require.NoError(t, err)
	return c
}

func at(t testing.TB, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(calendar.DefaultZone)
	require.NoError(t, err)
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	require.NoError(t, err)
	return v
}

func TestIsWorkday(t *testing.T) {
	c := china(t)
	tests := []struct {
		day  string
		want bool
		why  string
	}{
		{"2025-01-01", false, "元旦"},
		{"2025-01-02", true, "Thursday"},
		{"2025-01-26", true, "Sunday worked for 春节"},
		{"2025-01-28", false, "春节 first day"},
		{"2025-02-04", false, "春节 last day"},
		{"2025-02-05", true, "Wednesday after 春节"},
		{"2025-02-08", true, "Saturday worked for 春节"},
		{"2025-02-09", false, "Sunday"},
		{"2025-04-04", false, "清明"},
		{"2025-04-07", true, "Monday"},
		{"2025-04-27", true, "Sunday worked for 劳动节"},
		{"2025-05-05", false, "劳动节 last day"},
		{"2025-06-02", false, "端午"},
		{"2025-09-28", true, "Sunday worked for 国庆"},
		{"2025-10-08", false, "国庆 last day"},
		{"2025-10-11", true, "Saturday worked for 国庆"},
		{"2025-10-12", false, "Sunday"},
		{"2026-01-02", false, "元旦 2026"},
		{"2026-01-04", true, "Sunday worked for 元旦 2026"},
		{"2026-02-14", true, "Saturday worked for 春节 2026"},
		{"2026-02-23", false, "春节 2026 last day (Monday)"},
		{"2026-02-28", true, "Saturday worked for 春节 2026"},
		{"2026-05-09", true, "Saturday worked for 劳动节 2026"},
		{"2026-06-19", false, "端午 2026"},
		{"2026-09-20", true, "Sunday worked for 国庆 2026"},
		{"2026-09-25", false, "中秋 2026"},
		{"2026-10-07", false, "国庆 2026 last day"},
		{"2026-10-08", true, "Thursday after 国庆 2026"},
		{"2026-10-10", true, "Saturday worked for 国庆 2026"},
	}
	for _, tt := range tests {
		t.Run(tt.day+" "+tt.why, func(t *testing.T) {
			got, err := c.IsWorkday(at(t, tt.day+" 12:00"))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestShippedYears(t *testing.T) {
	c := china(t)
	assert.Equal(t, []int{2025, 2026}, c.Years())
	// 2025: 261 weekdays, 18 of them holidays (元旦 1, 春节 6, 清明 1, 劳动节 3,
	// 端午 1, 国庆 6), plus 5 make-up weekend days: 248 working days.
	n, err := c.WorkingDaysBetween(at(t, "2024-12-31 00:00").Add(24*time.Hour-time.Minute), at(t, "2025-12-31 12:00"))
	require.NoError(t, err)
	assert.Equal(t, 248, n, "working days in 2025")
	// 2026: 261 weekdays, 19 of them holidays (元旦 2, 春节 6, 清明 1, 劳动节 3,
	// 端午 1, 中秋 1, 国庆 5) plus 6 make-up days: 248 working days.
	n, err = c.WorkingDaysBetween(at(t, "2025-12-31 12:00"), at(t, "2026-12-31 12:00"))
	require.NoError(t, err)
	assert.Equal(t, 261-19+6, n, "working days in 2026")
}

func TestNoData(t *testing.T) {
	c := china(t)
	_, err := c.IsWorkday(at(t, "2027-03-01 09:00"))
	require.ErrorIs(t, err, calendar.ErrNoData)
	assert.Contains(t, err.Error(), "2027")
	var nd *calendar.NoDataError
	require.True(t, errors.As(err, &nd))
	assert.Equal(t, 2027, nd.Year)

	_, err = c.AddWorkingDays(at(t, "2026-12-30 09:00"), 5)
	require.ErrorIs(t, err, calendar.ErrNoData, "counting into 2027 must fail, not guess")
	_, err = c.WorkingDuration(at(t, "2024-12-30 09:00"), at(t, "2025-01-03 09:00"))
	require.ErrorIs(t, err, calendar.ErrNoData)
}

func TestAddWorkingDays(t *testing.T) {
	c := china(t)
	tests := []struct {
		name  string
		start string
		n     int
		want  string
	}{
		{"plain week", "2025-03-03 10:00", 5, "2025-03-10 10:00"},
		{"friday skips weekend", "2025-03-07 16:30", 1, "2025-03-10 16:30"},
		{"zero on a workday", "2025-03-04 09:00", 0, "2025-03-04 09:00"},
		{"start on saturday begins monday 00:00", "2025-03-08 15:00", 1, "2025-03-11 00:00"},
		{"across spring festival and make-up saturday", "2025-01-27 10:00", 1, "2025-02-05 10:00"},
		{"make-up saturday counts", "2025-02-06 10:00", 2, "2025-02-08 10:00"},
		{"make-up sunday counts", "2025-01-24 10:00", 1, "2025-01-26 10:00"},
		{"national day 2025", "2025-09-30 09:00", 1, "2025-10-09 09:00"},
		{"national day 2025 then make-up saturday", "2025-09-30 09:00", 3, "2025-10-11 09:00"},
		{"start on a holiday", "2025-10-03 20:00", 1, "2025-10-10 00:00"},
		{"year boundary onto make-up sunday 2026", "2025-12-31 10:00", 1, "2026-01-04 10:00"},
		{"year boundary", "2025-12-31 10:00", 2, "2026-01-05 10:00"},
		{"5wd over labour day 2026 ends on make-up saturday", "2026-04-29 09:00", 5, "2026-05-09 09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.AddWorkingDays(at(t, tt.start), tt.n)
			require.NoError(t, err)
			assert.Equal(t, at(t, tt.want), got, "got %s", got)
		})
	}
}

func TestWorkingDuration(t *testing.T) {
	c := china(t)
	tests := []struct {
		name     string
		from, to string
		want     time.Duration
	}{
		{"same day", "2025-03-03 09:00", "2025-03-03 17:00", 8 * time.Hour},
		{"over a weekend", "2025-03-07 12:00", "2025-03-10 12:00", 24 * time.Hour},
		{"make-up saturday counts", "2025-02-07 00:00", "2025-02-09 00:00", 48 * time.Hour},
		{"whole holiday", "2025-10-01 00:00", "2025-10-09 00:00", 0},
		{"reversed", "2025-03-03 17:00", "2025-03-03 09:00", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.WorkingDuration(at(t, tt.from), at(t, tt.to))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestZoneMatters(t *testing.T) {
	c := china(t)
	// 2025-01-27 20:00 UTC is 2025-01-28 04:00 in Shanghai: a holiday there.
	u := time.Date(2025, 1, 27, 20, 0, 0, 0, time.UTC)
	ok, err := c.IsWorkday(u)
	require.NoError(t, err)
	assert.False(t, ok)
	utc, err := calendar.ChinaIn(time.UTC)
	require.NoError(t, err)
	ok, err = utc.IsWorkday(u)
	require.NoError(t, err)
	assert.True(t, ok)
}

func TestBadYears(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"weekday make-up", "year: 2025\nworkdays: [2025-03-04]\n", "2025-03-04 is a Tuesday, not a weekend day"},
		{"wrong year", "year: 2025\nholidays: [{name: x, from: 2024-12-31, to: 2025-01-01}]\n", "dates must be in 2025"},
		{"reversed run", "year: 2025\nholidays: [{name: x, from: 2025-05-05, to: 2025-05-01}]\n", "before from"},
		{"bad date", "year: 2025\nworkdays: [2025-13-01]\n", "bad date"},
		{"unknown key", "year: 2025\nholiday: []\n", "not found"},
		{"make-up is holiday", "year: 2025\nholidays: [{name: x, from: 2025-03-01, to: 2025-03-02}]\nworkdays: [2025-03-01]\n", "also a holiday"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := calendar.ParseYear("bad.yaml", []byte(tt.data))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "bad.yaml")
		})
	}
}

func TestWithLoadedYear(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cn-2027.yaml")
	require.NoError(t, os.WriteFile(p, []byte("year: 2027\nholidays: [{name: 元旦, from: 2027-01-01, to: 2027-01-01}]\n"), 0o600))
	y, err := calendar.LoadYear(p)
	require.NoError(t, err)
	c := china(t)
	c2, err := c.With(y)
	require.NoError(t, err)
	assert.Equal(t, []int{2025, 2026, 2027}, c2.Years())
	assert.Equal(t, []int{2025, 2026}, c.Years(), "With leaves the original unchanged")
	ok, err := c2.IsWorkday(at(t, "2027-01-01 10:00"))
	require.NoError(t, err)
	assert.False(t, ok)
	_, err = c2.With(y)
	require.ErrorContains(t, err, "given twice")
	_, err = calendar.New(nil)
	require.Error(t, err)
}

func FuzzParseYear(f *testing.F) {
	for _, s := range []string{"year: 2025\n", "year: 2025\nholidays: [{name: a, from: 2025-01-01, to: 2025-01-03}]\nworkdays: [2025-01-04]\n", "{", ""} {
		f.Add([]byte(s))
	}
	loc := time.UTC
	f.Fuzz(func(t *testing.T, data []byte) {
		y, err := calendar.ParseYear("fuzz", data)
		if err != nil {
			return
		}
		c, err := calendar.New(loc, y)
		if err != nil {
			return
		}
		start := time.Date(y.Year, 1, 1, 9, 0, 0, 0, loc)
		if _, err := c.IsWorkday(start); err != nil {
			t.Fatalf("year %d loaded but IsWorkday fails: %v", y.Year, err)
		}
	})
}

func BenchmarkAddWorkingDays(b *testing.B) {
	c := china(b)
	start := at(b, "2025-09-26 10:00")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.AddWorkingDays(start, 5); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleCalendar_AddWorkingDays() {
	cal, err := calendar.China()
	if err != nil {
		panic(err)
	}
	shanghai := cal.Location()
	// A complaint taken on the last working day before the 2025 National Day
	// holiday (Oct 1–8), due in 3 working days: Oct 9, 10 and the make-up
	// Saturday Oct 11.
	start := time.Date(2025, 9, 30, 9, 0, 0, 0, shanghai)
	due, err := cal.AddWorkingDays(start, 3)
	if err != nil {
		panic(err)
	}
	fmt.Println(due.Format("2006-01-02 Mon 15:04"))
	_, err = cal.IsWorkday(time.Date(2030, 1, 2, 9, 0, 0, 0, shanghai))
	fmt.Println(err)
	// Output:
	// 2025-10-11 Sat 09:00
	// calendar: no holiday data for year 2030
}

// The day-by-day reference the table walks must agree with.
func refAddWorkingDays(c *calendar.Calendar, start time.Time, n int) (time.Time, error) {
	loc := c.Location()
	t := start.In(loc)
	ok, err := c.IsWorkday(t)
	if err != nil {
		return time.Time{}, err
	}
	for !ok {
		y, m, d := t.Date()
		t = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		if ok, err = c.IsWorkday(t); err != nil {
			return time.Time{}, err
		}
	}
	h, mi, s := t.Clock()
	ns := t.Nanosecond()
	for n > 0 {
		y, m, d := t.Date()
		t = time.Date(y, m, d+1, h, mi, s, ns, loc)
		ok, err := c.IsWorkday(t)
		if err != nil {
			return time.Time{}, err
		}
		if ok {
			n--
		}
	}
	return t, nil
}

func refWorkingDuration(c *calendar.Calendar, from, to time.Time) (time.Duration, error) {
	if !to.After(from) {
		return 0, nil
	}
	loc := c.Location()
	var total time.Duration
	t := from.In(loc)
	for t.Before(to) {
		y, m, d := t.Date()
		end := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		if end.After(to) {
			end = to
		}
		ok, err := c.IsWorkday(t)
		if err != nil {
			return 0, err
		}
		if ok {
			total += end.Sub(t)
		}
		t = end
	}
	return total, nil
}

// TestTableWalkMatchesDayByDay compares AddWorkingDays and WorkingDuration
// with the day-by-day reference on random starts over the shipped years and
// past their end (where both must fail with the same year), in two zones.
func TestTableWalkMatchesDayByDay(t *testing.T) {
	china := china(t)
	ny, err := time.LoadLocation("America/New_York") // has DST gaps and overlaps
	require.NoError(t, err)
	years, err := calendar.Shipped()
	require.NoError(t, err)
	us, err := calendar.New(ny, years...)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2024, 12, 20, 0, 0, 0, 0, time.UTC)
	for _, c := range []*calendar.Calendar{china, us} {
		for range 20000 {
			start := base.Add(time.Duration(rng.Int64N(int64(760 * 24 * time.Hour))))
			if rng.IntN(4) == 0 {
				start = start.Truncate(time.Hour) // midnights and whole hours
			}
			n := rng.IntN(40)
			got, err := c.AddWorkingDays(start, n)
			want, werr := refAddWorkingDays(c, start, n)
			require.Equal(t, werr, err, "AddWorkingDays(%s, %d)", start, n)
			require.True(t, want.Equal(got) && want.Location() == got.Location(), "AddWorkingDays(%s, %d) = %s, want %s", start, n, got, want)
			to := start.Add(time.Duration(rng.Int64N(int64(60 * 24 * time.Hour))))
			if rng.IntN(4) == 0 {
				to = to.Truncate(24 * time.Hour)
			}
			gd, err := c.WorkingDuration(start, to)
			wd, werr := refWorkingDuration(c, start, to)
			require.Equal(t, werr, err, "WorkingDuration(%s, %s)", start, to)
			require.Equal(t, wd, gd, "WorkingDuration(%s, %s)", start, to)
		}
	}
}

func BenchmarkWorkingDuration(b *testing.B) {
	c := china(b)
	from, to := at(b, "2025-09-26 10:00"), at(b, "2025-10-20 16:00")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.WorkingDuration(from, to); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDayByDay is the plain baseline: the day-by-day walk
// AddWorkingDays and WorkingDuration replaced.
func BenchmarkDayByDay(b *testing.B) {
	c := china(b)
	start := at(b, "2025-09-26 10:00")
	from, to := at(b, "2025-09-26 10:00"), at(b, "2025-10-20 16:00")
	b.Run("AddWorkingDays", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := refAddWorkingDays(c, start, 5); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("WorkingDuration", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := refWorkingDuration(c, from, to); err != nil {
				b.Fatal(err)
			}
		}
	})
}
