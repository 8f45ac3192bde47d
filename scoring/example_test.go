package scoring_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/scoring"
)

// A Book observes the engine's events; a scorecard can be read at any moment.
func ExampleBook() {
	ctx := context.Background()
	pol, err := scoring.Parse("policy.yaml", []byte(`version: 1
customers:
  bases:
    - {dimension: all, count: 10000}
`))
	if err != nil {
		panic(err)
	}
	book, err := scoring.NewBook(pol, scoring.BookConfig{Dimensions: []string{"all", "city"}})
	if err != nil {
		panic(err)
	}
	now := time.Date(2025, 3, 10, 9, 0, 0, 0, pol.Zone())
	eng := kesu.New(kesu.Config{Now: func() time.Time { return now }, Observers: []kesu.Observer{book}})
	for _, cat := range []string{"vas.unaware", "billing.dispute", "vas.unaware"} {
		if _, err := eng.Intake(ctx, complaint.Intake{Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
			Category: cat, Region: "gd.gz.th", Customer: "C1"}); err != nil {
			panic(err)
		}
	}
	month := scoring.PeriodOf(scoring.Month, now, pol.Zone())
	sc, err := book.Scorecard(ctx, "city", "gd.gz", month, now, scoring.KPIComplaints, scoring.KPIVASUnawarePer10k)
	if err != nil {
		panic(err)
	}
	for _, l := range sc.Lines {
		fmt.Printf("%s %s: %s (%s)\n", sc.Period, l.KPI, l.Value, l.Explain)
	}
	sc, _ = book.Scorecard(ctx, "all", "", month, now, scoring.KPIComplaintsPer10k)
	l := sc.Lines[0]
	fmt.Printf("%s per 10k so far, %s projected to the end of the month\n", l.Value, l.Projected)
	// Output:
	// 2025-03 complaints: 3.00 (received[kind=complaint,escalated])
	// 2025-03 vas_unaware_per_10k: no data (received[kind=complaint,escalated category=vas.unaware] / customers × 10000)
	// 3.00 per 10k so far, 9.92 projected to the end of the month
}

// Targets say whether a KPI meets its goal.
func ExampleTarget() {
	p, err := scoring.Parse("policy.yaml", []byte(`version: 1
targets:
  - {kpi: satisfaction, target: ">= 90", dimension: agent}
`))
	if err != nil {
		panic(err)
	}
	for _, t := range p.Targets() {
		fmt.Printf("%-20s %-7s %s\n", t.KPI, t.Goal, t.Source)
	}
	// Output:
	// complaints_per_10k   <= 38   built-in (R23)
	// unaware_marketing_per_10k <= 2    built-in (R23)
	// vas_unaware_yoy      <= -25  built-in (R23)
	// complaints_yoy       <= -10  built-in (R23)
	// satisfaction         >= 79   built-in (R23)
	// centralised_share    >= 95   built-in (R12)
	// satisfaction         >= 90   policy.yaml:3
}

type printBilling struct{}

func (printBilling) SuspendPartner(_ context.Context, partner string, until time.Time, _ string) error {
	fmt.Println("billing: suspend", partner, "until", until.Format("2006-01-02"))
	return nil
}

func (printBilling) OfflineBillingCode(_ context.Context, code string, _ time.Time, _ string) error {
	fmt.Println("billing: offline", code)
	return nil
}

// Sanctions decide on batch warnings and carry decisions out on Tick.
func ExampleSanctions() {
	ctx := context.Background()
	store := complaint.NewMemStore()
	sx, err := scoring.NewSanctions(scoring.SanctionsConfig{Journal: store, Sanctioner: printBilling{}})
	if err != nil {
		panic(err)
	}
	loc := scoring.Default().Zone()
	ds, err := sx.ObserveBatch(ctx, "SP42", time.Date(2025, 3, 10, 10, 0, 0, 0, loc), "W17")
	if err != nil {
		panic(err)
	}
	fmt.Println(ds[0].ID, ds[0].Reason)
	if err := sx.Tick(ctx, time.Date(2025, 3, 10, 10, 1, 0, 0, loc)); err != nil {
		panic(err)
	}
	// Output:
	// SP42#2 batch of vas.unaware complaints (W17, 0 complaints in 2025-03 so far): suspend 3 months
	// billing: suspend SP42 until 2025-06-10
}

// Reports render as text (and JSON).
func ExampleReport_WriteText() {
	book, _ := scoring.NewBook(nil, scoring.BookConfig{})
	p, _ := scoring.ParsePeriod("2025-W11", nil)
	book.ObserveWarning(scoring.Warning{ID: "W1", Kind: scoring.WarningRaised, At: p.Start.Add(time.Hour), Region: "gd.gz"})
	r, err := book.Report(context.Background(), scoring.WeeklyAnalysis, p, p.End(), scoring.ReportOptions{})
	if err != nil {
		panic(err)
	}
	_ = r.WriteText(os.Stdout)
	// Output:
	// Weekly analysis 2025-W11, all units (as of 2025-03-17T00:00:00+08:00)
	//
	// KPIs
	//   complaints                         0.00 count
	//   complaints_per_10k              no data per 10k
	//   unaware_marketing_per_10k       no data per 10k
	//   vas_unaware_per_10k             no data per 10k
	//   vas_unaware_yoy                 no data %                        <= -25   no data
	//   escalated_per_10k               no data per 10k
	//   satisfaction                    no data %                        >= 79    no data
	//   first_contact_resolution        no data %
	//   repeat_rate                     no data %
	//   resolve_timeliness              no data %
	//   overdue                            0.00 count
	//   warning_closure_rate               0.00 %
	//   feedback_timeliness             no data %
	//
	// By problem
	//   (none)
	//
	// By region
	//   (none)
	//
	// By business type
	//   (none)
	//
	// By responsibility
	//   (none)
	//
	// Handling effect
	//   回访满意 satisfied on return visit                0  no data
	//   回访不满意 dissatisfied on return visit            0  no data
	//   一次解决 closed at first contact                  0  no data
	//   重开 closed after a reopen                      0  no data
	//   转派 closed after a transfer                    0  no data
	//   超时 resolved late                              0  no data
	//
	// Hotspots
	//   (none)
	//
	// Top locally controllable problems
	//   (none)
	//
	// Warnings
	//   raised 1, closed 0, closure rate 0.00%
	//   feedback 0, on time 0, timeliness no data
}
