package link_test

import (
	"context"
	"testing"

	"github.com/kesu-go/kesu/adapters/link"
	"github.com/kesu-go/kesu/scoring"
)

// BenchmarkSubscribersCached is a scorecard read's customer-base lookup once
// cached; BenchmarkSubscribersBaseline is a plain map lookup of the same key.
func BenchmarkSubscribersCached(b *testing.B) {
	s := link.Subscribers(newFake(b), link.SubscribersConfig{})
	p, _ := scoring.ParsePeriod("2026-01", cst)
	ctx := context.Background()
	if _, err := s.Subscribers(ctx, "city", "gd.sz", p); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Subscribers(ctx, "city", "gd.sz", p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSubscribersBaseline(b *testing.B) {
	type key struct {
		dim, unit string
		p         scoring.Period
	}
	p, _ := scoring.ParsePeriod("2026-01", cst)
	m := map[key]int64{{"city", "gd.sz", p}: 1531000}
	b.ReportAllocs()
	var n int64
	for b.Loop() {
		n += m[key{"city", "gd.sz", p}]
	}
	_ = n
}

// BenchmarkInspection applies the proactive-check rules to one account's
// month (4 charge lines, 5 subscriptions, 3 previous bills).
func BenchmarkInspection(b *testing.B) {
	d := boss()
	var in link.Inspection
	in.Customer, in.Account, in.Period = "C-1", "ACC-1", "2026-01"
	in.From, in.To, in.Now = at("2026-01-01 00:00"), at("2026-02-01 00:00"), at("2026-02-01 08:00")
	in.Bills, in.Previous, in.Rise = d.Bills[3:4], []int64{5800, 6000, 6200}, 50
	for _, s := range d.Subscriptions {
		if s.Account == "ACC-1" {
			in.Subscriptions = append(in.Subscriptions, s)
		}
	}
	if len(in.Findings()) != 5 {
		b.Fatal("want 5 findings")
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = in.Findings()
	}
}
