package warning

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

const trendDays = 28

type tkey struct{ region, category string }

// tseries is one coarse key of the trend detector: 28 daily counts and the
// CUSUM statistic.
type tseries struct {
	key   tkey
	day   int64 // current day index (local days since the epoch)
	n     int   // days of history
	cusum float64
	last  int64 // day of the last firing
	days  [trendDays]uint16
	tot   int    // the sum of days
	tot2  int    // the sum of their squares
	off   int    // zone offset in seconds, from the tickets
	fp    string // fingerprint of the key's warning, set when it first fires
	ended bool   // the warning was ended since it last fired (ending it again is a no-op)
}

// trend is the hotspot-trend detector (R17, R25): on coarse keys (region L2
// × category, and province × category) it compares the last 7 days with the
// previous 7 by a conditional binomial rate-ratio test, and runs a daily
// CUSUM. Days close when the clock (Tick) or a ticket passes midnight.
type trend struct {
	cfg   *Config
	index keyIndex // by hash2(region, category) (a collision keeps the first key's series)
	s     []tseries
	zone  zoneCache // the tickets' zone offset
}

func newTrend(cfg *Config) *trend { return &trend{cfg: cfg} }

func (tr *trend) observe(t *complaint.Ticket, tk *ticketKeys, m *Monitor) {
	if t.Category == "" || t.Region == "" {
		return
	}
	off := tr.zone.offset(t.ReceivedAt) // t.ReceivedAt.Zone()
	day := floorDiv(t.ReceivedAt.Unix()+int64(off), 86400)
	slot := day % trendDays
	for x := range 2 {
		h, reg := tk.coarse, tk.reg2 // h is hash2(reg, tk.cat1)
		if x == 1 {
			h, reg = tk.top, tk.reg1
		}
		i, ok := tr.index.get(h)
		if !ok {
			tr.s = append(tr.s, tseries{key: tkey{reg, tk.cat1}, day: day, off: off, last: -1 << 40})
			i = int32(len(tr.s) - 1)
			tr.index.put(h, i)
		}
		s := &tr.s[i]
		if day > s.day {
			tr.roll(s, day, t.ReceivedAt, m)
		}
		if day == s.day {
			if p := &s.days[slot]; *p < math.MaxUint16 {
				s.tot += 1
				s.tot2 += 2*int(*p) + 1 // (v+1)² - v²
				*p++
			}
		}
	}
}

func (tr *trend) tick(now time.Time, m *Monitor) {
	for i := range tr.s {
		s := &tr.s[i]
		day := floorDiv(now.Unix()+int64(s.off), 86400)
		if day > s.day {
			tr.roll(s, day, now, m)
		}
	}
}

// roll closes the days before day, testing each.
func (tr *trend) roll(s *tseries, day int64, now time.Time, m *Monitor) {
	for s.day < day {
		tr.close(s, s.day, now, m)
		s.day++
		v := int(s.days[s.day%trendDays])
		s.tot -= v
		s.tot2 -= v * v
		s.days[s.day%trendDays] = 0
		if day-s.day > trendDays { // a long gap: skip ahead
			for j := range s.days {
				s.days[j] = 0
			}
			s.day, s.n, s.cusum, s.tot, s.tot2 = day, 0, 0, 0, 0
			return
		}
	}
}

func (s *tseries) count(day int64) int { return int(s.days[day%trendDays]) }

// before returns the sum of the counts of days d-1 … d-k and of their
// squares, k = min(n-1, 27), for close(d) (d is s.day). Integer sums: the
// float64 sums of these counts (< 2^16, at most 27 of them) and their
// squares are exact, so equal to these. They are the ring's running totals
// less day d's slot: the ring's other slots are days d-1 … d-27, and the
// days before the first counted one (j ≥ n) were never counted (a new or
// reset series starts with an empty ring and has closed n-1 days before d).
func (s *tseries) before(d int64) (sum, sq, k int) {
	v := int(s.days[d%trendDays])
	return s.tot - v, s.tot2 - v*v, min(s.n-1, trendDays-1)
}

func (tr *trend) close(s *tseries, d int64, now time.Time, m *Monitor) {
	if s.n < trendDays {
		s.n++
	}
	c := tr.cfg.Trend
	x := float64(s.count(d))
	// CUSUM against the mean and spread of the (up to) 21 days before the last week.
	if s.n >= 14 {
		sum, sq, k := s.before(d)
		mu := float64(sum) / float64(k)
		// The built-in max has math.Max's rules for NaN, ±Inf and ±0
		// (the spec's table) and is inlined.
		sd := math.Sqrt(max(max(float64(sq)/float64(k)-mu*mu, mu), 1))
		s.cusum = max(0, s.cusum+(x-mu)/sd-c.K)
		if s.cusum > c.H && x >= float64(c.MinTickets)/7 {
			tr.fire(s, d, "trend/cusum", int(x), mu, 0, 0, now, m)
			s.cusum = 0
		}
	}
	if s.n >= 14 {
		var a, b int
		i, i7 := int(d%trendDays), int((d-7)%trendDays) // slots of d - j and d - 7 - j
		for range 7 {
			a += int(s.days[i])
			b += int(s.days[i7])
			if i--; i < 0 {
				i = trendDays - 1
			}
			if i7--; i7 < 0 {
				i7 = trendDays - 1
			}
		}
		ratio := float64(a) / max(float64(b), 1)
		if a >= c.MinTickets && ratio >= c.Ratio {
			if p := BinomialTail(a, a+b, 0.5); p < c.Alpha {
				tr.fire(s, d, "trend/week", a, float64(b), ratio, p, now, m)
			}
		}
	}
	if s.last >= 0 && d-s.last > 7 && !s.ended {
		// Only fire sets the trend's active warning, so once ended it stays
		// ended until the next fire: later calls would find it ended.
		m.end(s.fp, now)
		s.ended = true
	}
}

func (tr *trend) fire(s *tseries, d int64, rule string, obs int, base, ratio, p float64, now time.Time, m *Monitor) {
	s.last, s.ended = d, false
	key := NewKey("region", s.key.region, "category", s.key.category)
	from := time.Unix((d-6)*86400-int64(s.off), 0).In(now.Location())
	to := time.Unix((d+1)*86400-int64(s.off), 0).In(now.Location())
	var b strings.Builder
	if rule == "trend/week" {
		b.WriteString(strconv.Itoa(obs) + " tickets in the last 7 days against " + strconv.Itoa(int(base)) +
			" the 7 before (ratio " + strconv.FormatFloat(ratio, 'f', 2, 64) + ", p=" + strconv.FormatFloat(p, 'g', 3, 64) + ")")
	} else {
		from = time.Unix(d*86400-int64(s.off), 0).In(now.Location())
		b.WriteString(strconv.Itoa(obs) + " tickets on " + from.Format("2006-01-02") + " against a daily mean of " +
			strconv.FormatFloat(base, 'f', 1, 64) + ": the CUSUM crossed " + strconv.FormatFloat(tr.cfg.Trend.H, 'f', 1, 64))
		if base > 0 {
			ratio = float64(obs) / base
		}
	}
	b.WriteString(" at " + key.String())
	if s.fp == "" {
		s.fp = Fingerprint(KindTrend, key)
	}
	f := finding{kind: KindTrend, key: key, fp: s.fp, at: now, grade: GradeIV,
		ev: Evidence{Window: map[bool]string{true: "7d", false: "1d"}[rule == "trend/week"], From: from, To: to,
			Observed: obs, Baseline: round3(base), Ratio: round3(ratio), PValue: p, Rule: rule},
		explain: b.String(),
		env:     GradeEnv{Region: s.key.region, Category: s.key.category, Ratio: ratio}}
	if p > 0 && p < tr.cfg.Trend.Alpha/100 {
		f.grade = GradeIII
	}
	m.fire(&f)
}
