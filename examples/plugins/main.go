// Command plugins wires kesu's two example plugins into an engine: the CRM
// plugin (examples/crm-plugin) gives customer profiles and outages, the
// billing plugin (examples/billing-plugin, here with the data in boss.json)
// carries out partner sanctions, gives subscriber counts and the bills the
// monthly proactive check of professional complainants reads (R29).
//
// It builds both plugins with `go build` into a temporary directory (or
// takes the binaries given with -billing and -crm), launches them with
// adapters/host on a fixed clock, and prints what happens:
//
//   - a ticket taken while the CRM plugin is killed gets a pending profile;
//     on the next Tick the host restarts the plugin and the engine enriches
//     the ticket;
//
//   - a batch warning against a partner becomes a suspension carried out in
//     the billing system;
//
//   - a scorecard's customer base comes from the billing system;
//
//   - outages from the CRM plugin's monitor raise an outage warning;
//
//   - the proactive check reads January's bills of the professional
//     complainants and opens a ticket per finding.
//
//     go run ./examples/plugins
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/adapters/adaptertest"
	"github.com/kesu-go/kesu/adapters/host"
	"github.com/kesu-go/kesu/adapters/link"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/scoring"
	"github.com/kesu-go/kesu/warning"
)

// The plugins' data: boss.json for the billing plugin, crm.json (the CRM
// plugin's own data plus an outage going on now) for the CRM plugin.
var (
	//go:embed boss.json
	bossData []byte
	//go:embed crm.json
	crmData []byte
)

func main() {
	var o options
	flag.StringVar(&o.billing, "billing", "", "billing plugin binary (default: build examples/billing-plugin)")
	flag.StringVar(&o.crm, "crm", "", "CRM plugin binary (default: build examples/crm-plugin)")
	verbose := flag.Bool("v", false, "log the host's and the plugins' logs to standard error")
	flag.Parse()
	if *verbose {
		o.logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if err := run(context.Background(), os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "plugins:", err)
		os.Exit(1)
	}
}

type options struct {
	billing, crm string
	logger       *slog.Logger
}

// clock is the example's fake clock: the host's restart backoff and the
// engine read it, so "a second later" is exact.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

var cst = time.FixedZone("CST", 8*3600)

func run(ctx context.Context, out io.Writer, o options) error {
	logger := o.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	tmp, err := os.MkdirTemp("", "kesu-plugins-example")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if o.billing == "" {
		if o.billing, err = adaptertest.Build(ctx, "github.com/kesu-go/kesu/examples/billing-plugin", tmp); err != nil {
			return err
		}
	}
	if o.crm == "" {
		if o.crm, err = adaptertest.Build(ctx, "github.com/kesu-go/kesu/examples/crm-plugin", tmp); err != nil {
			return err
		}
	}
	data, crmFile := filepath.Join(tmp, "boss.json"), filepath.Join(tmp, "crm.json")
	if err := os.WriteFile(data, bossData, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(crmFile, crmData, 0o600); err != nil {
		return err
	}

	clk := &clock{t: time.Date(2026, 2, 1, 9, 0, 0, 0, cst)}
	h := host.New(logger)
	defer h.Close()
	billing, err := h.Launch(ctx, host.Config{Path: o.billing, Name: "billing", Now: clk.now, Env: []string{"KESU_BILLING_DATA=" + data}})
	if err != nil {
		return err
	}
	crm, err := h.Launch(ctx, host.Config{Path: o.crm, Name: "crm", Now: clk.now, RetryBackoff: 10 * time.Millisecond,
		Env: []string{"KESU_CRM_DATA=" + crmFile}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "== plugins: %s %s %v, %s %s %v\n", billing.Info().Name, billing.Info().Version, billing.Info().Services,
		crm.Info().Name, crm.Info().Version, crm.Info().Services)

	// The engine's parts, each on a plugin through package link.
	store := complaint.NewMemStore()
	sanctions, err := scoring.NewSanctions(scoring.SanctionsConfig{Journal: store, Sanctioner: link.Sanctioner(billing), Logger: logger})
	if err != nil {
		return err
	}
	book, err := scoring.NewBook(nil, scoring.BookConfig{Subscribers: link.Subscribers(billing, link.SubscribersConfig{}), Logger: logger})
	if err != nil {
		return err
	}
	mon, err := warning.NewMonitor(ctx, warning.Options{Journal: store, Logger: logger,
		Outages: link.Outages(crm, "", link.OutagesConfig{Now: clk.now, Back: 31 * 24 * time.Hour})})
	if err != nil {
		return err
	}
	var eng *kesu.Engine
	check, err := link.NewProactiveCheck(link.ProactiveConfig{
		Billing: billing, Journal: store, Logger: logger,
		Complainants: link.FromStore(store, crm),
		Report: func(ctx context.Context, fs []link.Finding) error {
			return link.Tickets(eng)(ctx, fs)
		},
	})
	if err != nil {
		return err
	}
	eng = kesu.New(kesu.Config{Store: store, Customers: crm, Now: clk.now, Logger: logger,
		Observers: []kesu.Observer{book, sanctions, mon},
		Tickers:   []kesu.Ticker{sanctions, mon, check}})

	fmt.Fprintln(out, "\n== CRM as complaint.Customers")
	t1, err := eng.Intake(ctx, complaint.Intake{ExternalID: "10086-0001", Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
		Category: complaint.CatBillingDispute, Region: "GD-SZ-NS", Customer: "C-1001", Subscriber: "ACC-1001", Text: "套餐费用疑问"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s customer %s: profile pending %v\n", t1.ID, t1.Customer, t1.ProfilePending)

	pid := crm.Stats().PID
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
	waitExit(pid)
	fmt.Fprintln(out, "CRM plugin killed")
	t2, err := eng.Intake(ctx, complaint.Intake{ExternalID: "10086-0002", Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
		Category: complaint.CatVASUnaware, Region: "GD-SZ-FT", Customer: "C-1002", Subscriber: "ACC-1002",
		Partner: "SP-7001", BillingCode: "BC-90001", Text: "没订过视频彩铃却扣费15元"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s customer %s: profile pending %v, tag %s %v, engine pending %v\n", t2.ID, t2.Customer, t2.ProfilePending,
		complaint.TagProfilePending, t2.HasTag(complaint.TagProfilePending), eng.Pending())

	fmt.Fprintln(out, "\n== Billing as scoring.Sanctioner")
	ds, err := sanctions.ObserveBatch(ctx, "SP-7001", clk.now(), "W-demo-1")
	if err != nil {
		return err
	}
	for _, d := range ds {
		fmt.Fprintf(out, "decided %s: %s %s until %s\n", d.ID, d.Action, d.Partner, d.Until.Format("2006-01-02"))
	}

	// One second later the host may restart the CRM plugin; Tick enriches
	// the pending ticket, carries out the sanction, polls outages and runs
	// the proactive check of January.
	now := clk.advance(time.Second)
	fmt.Fprintf(out, "\n== Tick at %s\n", now.Format("2006-01-02 15:04:05"))
	if err := eng.Tick(ctx, now); err != nil {
		return fmt.Errorf("tick: %w", err)
	}
	t2, err = store.Get(ctx, t2.ID)
	if err != nil {
		return err
	}
	evs, err := store.Events(ctx, t2.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "CRM plugin restarts %d; %s profile pending %v, last event %s; engine pending %v\n",
		crm.Stats().Restarts, t2.ID, t2.ProfilePending, evs[len(evs)-1].Type, eng.Pending())
	c, err := crm.Customer(ctx, "C-1002")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "C-1002 profile: region %s, owner %s, flags %v\n", c.Region, c.Owner, c.Flags)
	for _, x := range sanctions.Executions("SP-7001") {
		fmt.Fprintf(out, "sanction %s carried out in billing: %v (attempts %d)\n", x.Decision, x.Done, x.Attempts)
	}

	fmt.Fprintln(out, "\n== Billing as scoring.SubscriberCounter")
	jan, err := scoring.ParsePeriod("2026-01", cst)
	if err != nil {
		return err
	}
	for _, unit := range []string{"GD-SZ", "GD-GZ"} {
		n, from, err := book.Customers(ctx, "city", unit, jan)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "city %s in %s: %d customers (from %s)\n", unit, jan, n, from)
	}

	fmt.Fprintln(out, "\n== Outages as warning.OutageSource")
	for _, w := range mon.Active() {
		if w.Kind == warning.KindOutage {
			fmt.Fprintf(out, "%s grade %s: %s\n", w.Evidence.Rule, w.Grade, w.Explanation)
		}
	}

	fmt.Fprintln(out, "\n== proactive check (R29)")
	res, err := check.Result(ctx, "2026-01")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "period %s: %d professional complainant(s), %d account(s), %d finding(s)\n", res.Period, res.Customers, res.Accounts, len(res.Findings))
	for _, f := range res.Findings {
		t, err := store.GetExternal(ctx, f.ExternalID())
		if err != nil {
			return fmt.Errorf("ticket of %s: %w", f.ExternalID(), err)
		}
		fmt.Fprintf(out, "%s %s/%s %s: %s\n", t.ID, t.Channel, t.Category, f.Rule, f.Reason)
	}
	before := store.Len()
	if err := eng.Tick(ctx, clk.advance(time.Hour)); err != nil {
		return fmt.Errorf("tick: %w", err)
	}
	fmt.Fprintf(out, "a later Tick in February checks nothing again: %v\n", store.Len() == before)

	if err := h.Close(); err != nil {
		return err
	}
	fmt.Fprintln(out, "\n== plugins closed")
	return nil
}

// waitExit waits up to five seconds for the process to be gone, so the
// next call finds the plugin dead.
func waitExit(pid int) {
	for range 500 {
		p, err := os.FindProcess(pid)
		if err != nil || p.Signal(syscall.Signal(0)) != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
