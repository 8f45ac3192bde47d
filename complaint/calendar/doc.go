// Package calendar is a working-day calendar for deadlines counted in
// working days (工作日), with per-year Chinese public-holiday data and the
// weekend days worked instead (调休).
//
// # Data
//
// Each year's holidays and make-up working days come from that year's State
// Council notice (国务院办公厅关于…年部分节假日安排的通知) and are shipped as
// data files embedded in the package (data/cn-2025.yaml, data/cn-2026.yaml).
// A calendar asked about a year it has no data for returns a *NoDataError
// (errors.Is(err, ErrNoData)); it never guesses. Load later years with
// LoadYear or ParseYear and add them with Calendar.With:
//
//	cal, err := calendar.China()                  // Asia/Shanghai, 2025 and 2026
//	y, err := calendar.LoadYear("cn-2027.yaml")   // same format as the shipped files
//	cal, err = cal.With(y)
//
// # Time zone
//
// A calendar works in one explicit time zone: the day a time falls on is
// the local day there. China loads Asia/Shanghai, so binaries should import
// time/tzdata; ChinaIn and New take a *time.Location.
//
// # Counting
//
// IsWorkday tells whether a time falls on a working day. AddWorkingDays
// counts n working days after a start (the start day does not count; a start
// on a day off begins at 00:00 of the next working day). WorkingDuration
// measures how much of an interval falls on working days; WorkingDaysBetween
// counts whole working days. A Calendar is immutable and safe for concurrent
// use.
package calendar
