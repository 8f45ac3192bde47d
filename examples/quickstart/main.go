// Command quickstart runs kesu's main job on the embedded default: a telecom
// carrier's and a power utility's complaints go through their lifecycle under
// the preset policies (examples/policy), and it prints what happened — the
// tags and routes with their explanations, one step the lifecycle refuses,
// a customer-facing timeline, a batch (mass-complaint) warning, an
// escalation-tendency warning and an overdue alarm with their evidence, the
// warning ledger taking one warning to verified, and a KPI scorecard.
//
//	go run ./examples/quickstart               # in memory
//	go run ./examples/quickstart -db kesu.db   # in a SQLite file; run it again to resume
//
// Time is a fake clock and ids a sequence, so the output is the same on
// every run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	_ "time/tzdata" // the calendar's Asia/Shanghai on machines without zoneinfo

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/examples/policy"
	"github.com/kesu-go/kesu/routing"
	"github.com/kesu-go/kesu/scoring"
	"github.com/kesu-go/kesu/sqlite"
	"github.com/kesu-go/kesu/warning"
)

func main() {
	db := flag.String("db", "", "keep tickets, events and the warning ledger in this SQLite file (resumes when it exists)")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *db); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// clock is the quickstart's fake clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

var cst = time.FixedZone("CST", 8*3600)

// store is what the quickstart needs of a store: tickets and a journal.
type store interface {
	complaint.Store
	complaint.Journal
}

// parts is one company's engine and the projections wired into it.
type parts struct {
	eng   *kesu.Engine
	mon   *warning.Monitor
	book  *scoring.Book
	share *routing.Share
	crm   *complaint.Directory
}

// wire builds an engine on st with the policy document doc: routing
// (tags, routes, assignment, deadlines, limits) as stage and guard, the
// warning monitor and the KPI book as observers.
func wire(ctx context.Context, name string, doc []byte, st store, clk *clock, ids func() string) (*parts, error) {
	pol, err := routing.Parse(name, doc)
	if err != nil {
		return nil, err
	}
	wcfg, err := warning.Parse(name, doc)
	if err != nil {
		return nil, err
	}
	spol, err := scoring.Parse(name, doc)
	if err != nil {
		return nil, err
	}
	p := &parts{share: new(routing.Share), crm: new(complaint.Directory)}
	hist, load := routing.NewHistory(), routing.NewWorkload()
	stage := routing.NewStage(pol, routing.Options{History: hist, Workload: load})
	p.mon, err = warning.NewMonitor(ctx, warning.Options{Config: wcfg, Journal: st, Customers: p.crm, Calendar: pol.Calendar()})
	if err != nil {
		return nil, err
	}
	p.book, err = scoring.NewBook(spol, scoring.BookConfig{})
	if err != nil {
		return nil, err
	}
	p.eng = kesu.New(kesu.Config{
		Store: st, Customers: p.crm, Now: clk.now, NewID: ids,
		Categories: pol.Categories(), Stages: []kesu.Stage{stage}, Guards: []kesu.Guard{stage.Guard()},
		Observers: []kesu.Observer{hist, load, p.share, p.mon, p.book},
		Tickers:   []kesu.Ticker{hist, p.mon},
	})
	return p, nil
}

func run(ctx context.Context, out io.Writer, dbPath string) error {
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, cst)} // a Monday
	var st store = complaint.NewMemStore()
	if dbPath != "" {
		s, err := sqlite.Open(ctx, dbPath)
		if err != nil {
			return err
		}
		defer s.Close()
		st = s
		if _, err := s.GetExternal(ctx, "10086-0001"); err == nil {
			return resume(ctx, out, s, clk)
		}
	}
	carrier, err := wire(ctx, "carrier.yaml", policy.Carrier, st, clk, complaint.Sequence("C"))
	if err != nil {
		return err
	}
	if err := runCarrier(ctx, out, carrier, clk); err != nil {
		return err
	}
	utility, err := wire(ctx, "utility.yaml", policy.Utility, st, clk, complaint.Sequence("U"))
	if err != nil {
		return err
	}
	return runUtility(ctx, out, utility, clk)
}

var (
	agent    = complaint.Actor{Kind: complaint.ActorAgent, ID: "A7", Tier: complaint.TierCity}
	customer = complaint.Actor{Kind: complaint.ActorCustomer}
)

func runCarrier(ctx context.Context, out io.Writer, p *parts, clk *clock) error {
	eng := p.eng
	p.crm.Put(complaint.Customer{ID: "C9001", Name: "王先生", Flags: []complaint.Flag{complaint.FlagProfessional},
		PriorEscalations: 2, Owner: "owner-li"})

	section(out, "carrier: an unaware VAS subscription (不知情定制), handled to the end")
	t, err := eng.Intake(ctx, complaint.Intake{ExternalID: "10086-0001", Kind: complaint.KindComplaint,
		Channel: complaint.ChannelHotline, Category: complaint.CatVASUnaware, Region: "gd.gz.th",
		Customer: "C1001", Subscriber: "13812345678", Partner: "SP0731", BillingCode: "BC-889",
		Text: "没订过彩铃却每月扣费10元"})
	if err != nil {
		return err
	}
	showTicket(out, t)
	if t, err = applyAll(ctx, eng, clk, t.ID,
		complaint.Event{Type: complaint.EventNote, Actor: agent, Text: "SP0731 本月已有多起同类投诉"},
		complaint.Event{Type: complaint.EventUrged, Actor: customer},
		complaint.Event{Type: complaint.EventReplied, Actor: agent, Text: "已为您退订并退还三个月费用30元"},
		complaint.Event{Type: complaint.EventResolved, Actor: agent, Resolution: &complaint.Resolution{Outcome: "退订并退费", Refund: 3000}},
		complaint.Event{Type: complaint.EventVisited, Actor: agent, Visit: &complaint.Visit{Satisfied: true, Score: 9}},
		complaint.Event{Type: complaint.EventClosed, Actor: agent, Closing: &complaint.Closing{Handling: complaint.HandlingImmediate,
			Responsibility: complaint.Responsibility{Unit: "gz", Department: "增值业务部", Cause: "合作方违规订购", LocallyControllable: true, Side: "back-office"}}},
	); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s is %s\n", t.ID, t.Status)
	evs, err := eng.Store().Events(ctx, t.ID)
	if err != nil {
		return err
	}
	tl := complaint.PublicTimeline(t, evs)
	fmt.Fprintf(out, "customer-facing timeline of %s (%s), status %s — the internal note is not in it:\n", tl.Ticket, tl.Subscriber, tl.Status)
	for _, e := range tl.Entries {
		fmt.Fprintf(out, "  %s  %s\n", e.At.Format("01-02 15:04"), strings.TrimSpace(e.Title+" "+e.Text))
	}

	section(out, "carrier: a refused step and a refund above the handler's limit")
	t, err = eng.Intake(ctx, complaint.Intake{ExternalID: "10086-0002", Kind: complaint.KindComplaint,
		Channel: complaint.ChannelApp, Category: complaint.CatBillingDispute, Region: "gd.sz.ns",
		Customer: "C2002", Subscriber: "13987654321", Text: "流量包已订购仍被按标准资费收费"})
	if err != nil {
		return err
	}
	showTicket(out, t)
	_, err = eng.Apply(ctx, t.ID, complaint.Event{Type: complaint.EventClosed, Actor: agent,
		Closing: &complaint.Closing{Responsibility: complaint.Responsibility{Unit: "sz"}}})
	fmt.Fprintf(out, "refused: %v\n", err)
	big := complaint.Event{Type: complaint.EventResolved, Actor: agent, Resolution: &complaint.Resolution{Outcome: "赔偿", Compensation: 500000}}
	_, err = eng.Apply(ctx, t.ID, big)
	fmt.Fprintf(out, "refused: %v\n", err)

	section(out, "carrier: a professional complainant (企业监督客户) calls again and again")
	var last *complaint.Ticket
	for i, text := range []string{"宽带又断网了", "第二次反映宽带断网,还没人处理", "再不解决我就向工信部投诉,还要找媒体曝光"} {
		clk.advance(2 * time.Hour)
		last, err = eng.Intake(ctx, complaint.Intake{ExternalID: fmt.Sprintf("10086-01%02d", i), Kind: complaint.KindComplaint,
			Channel: complaint.ChannelHotline, Category: complaint.CatBroadbandDelay, Region: "gd.gz.yx",
			Customer: "C9001", Subscriber: "13700001111", Text: text})
		if err != nil {
			return err
		}
	}
	showTicket(out, last)

	section(out, "carrier: twenty customers complain of one partner within the hour (批量投诉)")
	for i := range 20 {
		clk.advance(3 * time.Minute)
		if _, err := eng.Intake(ctx, complaint.Intake{ExternalID: fmt.Sprintf("10086-1%03d", i), Kind: complaint.KindComplaint,
			Channel: complaint.ChannelHotline, Category: complaint.CatVASUnaware, Region: "gd.gz.th",
			Customer: fmt.Sprintf("B%03d", i), Subscriber: fmt.Sprintf("1350000%04d", i), Partner: "SP0999", BillingCode: "9001",
			Text: "莫名扣费,没有订购过这个业务"}); err != nil {
			return err
		}
	}
	clk.advance(10 * time.Minute)
	if err := eng.Tick(ctx, clk.now()); err != nil { // applies the batch tags the monitor left
		return err
	}
	member, err := eng.Store().GetExternal(ctx, "10086-1019")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s tags: %s\n", member.ID, tagList(member))
	showWarnings(out, p.mon, warning.KindBatch)

	section(out, "carrier: the ledger takes the batch warning to verified (闭环)")
	led := p.mon.Ledger()
	batches := led.Entries(warning.KindBatch)
	if len(batches) == 0 {
		return errors.New("no batch warning was raised")
	}
	batch := batches[0].Warning
	steps := []func() (*warning.Entry, error){
		func() (*warning.Entry, error) { return led.Acknowledge(ctx, batch.ID, "gd-service-control", clk.now()) },
		func() (*warning.Entry, error) {
			return led.Handle(ctx, batch.ID, warning.Feedback{At: clk.now(), By: "vas-dept", Text: "已暂停SP0999计费代码9001,批量退费",
				Actions: []string{"suspend billing code 9001", "refund 20 customers"}}, clk.now())
		},
		func() (*warning.Entry, error) {
			return led.Verify(ctx, batch.ID, "gd-quality", "抽查回访20户,均已退费", clk.now())
		},
	}
	for i, step := range steps {
		if i > 0 {
			clk.advance(20 * time.Minute)
		}
		e, err := step()
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s %s → %s (raised %s; ack due %s, late: %t; feedback due %s, late: %t)\n",
			clk.now().Format("01-02 15:04"), e.Warning.ID, e.State, e.Warning.RaisedAt.In(cst).Format("01-02 15:04"),
			e.AckDue.In(cst).Format("01-02 15:04"), e.AckLate, e.FeedbackDue.In(cst).Format("01-02 15:04"), e.FeedbackLate)
	}

	section(out, "carrier: a day passes: a repeat caller's escalation risk, and tickets past their deadlines (超时告警)")
	clk.advance(30 * time.Hour)
	if err := eng.Tick(ctx, clk.now()); err != nil {
		return err
	}
	showWarnings(out, p.mon, warning.KindEscalation, warning.KindRepeat, warning.KindDeadline)

	section(out, "carrier: this month's scorecard (province)")
	per := scoring.PeriodOf(scoring.Month, clk.now(), cst)
	sc, err := p.book.Scorecard(ctx, "all", "", per, clk.now())
	if err != nil {
		return err
	}
	for _, l := range sc.Lines {
		if !l.Value.OK {
			continue
		}
		status := ""
		if l.Assessment != nil {
			status = string(l.Assessment.Status)
		}
		fmt.Fprintf(out, "  %-28s %10s  %s\n", l.Name, l.Value, status)
	}
	c, total := p.share.Counts()
	fmt.Fprintf(out, "centralised handling: %d of %d routing decisions\n", c, total)
	return nil
}

func runUtility(ctx context.Context, out io.Writer, p *parts, clk *clock) error {
	eng := p.eng
	section(out, "utility: frequent outages (频繁停电), waiting on the customer")
	t, err := eng.Intake(ctx, complaint.Intake{ExternalID: "95598-0001", Kind: complaint.KindComplaint,
		Channel: complaint.ChannelHotline, Category: complaint.CatOutageFrequent, Region: "gd.sz.ft.s01",
		Customer: "E3003", Subscriber: "075588881234", Text: "本周第三次停电,冰箱食物坏了"})
	if err != nil {
		return err
	}
	showTicket(out, t)
	if t, err = applyAll(ctx, eng, clk, t.ID,
		complaint.Event{Type: complaint.EventWaiting, Actor: agent, Text: "请提供户号"},
		complaint.Event{Type: complaint.EventInfoAdded, Actor: customer, Text: "户号 0301-556677"},
		complaint.Event{Type: complaint.EventReplied, Actor: agent, Text: "线路改造已排期,本月完成"},
	); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s is %s; paused %s while waiting on the customer, so its deadlines moved by as much\n", t.ID, t.Status, t.Paused)
	return nil
}

// resume shows that a SQLite file keeps everything: the projections are
// rebuilt from the stored event log and nothing is taken twice.
func resume(ctx context.Context, out io.Writer, st *sqlite.Store, clk *clock) error {
	p, err := wire(ctx, "carrier.yaml", policy.Carrier, st, clk, complaint.Sequence("C"))
	if err != nil {
		return err
	}
	last, err := kesu.Rebuild(ctx, st, p.mon, p.book, p.share)
	if err != nil {
		return err
	}
	t, err := p.eng.Intake(ctx, complaint.Intake{ExternalID: "10086-0001", Kind: complaint.KindComplaint,
		Channel: complaint.ChannelHotline, Category: complaint.CatVASUnaware, Region: "gd.gz.th", Customer: "C1001"})
	if err != nil {
		return err
	}
	all, err := st.Find(ctx, complaint.Query{})
	if err != nil {
		return err
	}
	section(out, "resumed from the SQLite file")
	fmt.Fprintf(out, "%d tickets, %d events replayed into the projections\n", len(all), last)
	fmt.Fprintf(out, "taking 10086-0001 again returns %s (%s): nothing is taken twice\n", t.ID, t.Status)
	c, total := p.share.Counts()
	fmt.Fprintf(out, "centralised handling rebuilt: %d of %d\n", c, total)
	for _, e := range p.mon.Ledger().Entries(warning.KindBatch) {
		fmt.Fprintf(out, "ledger: %s %s\n", e.Warning.ID, e.State)
	}
	return nil
}

func applyAll(ctx context.Context, eng *kesu.Engine, clk *clock, id string, steps ...complaint.Event) (*complaint.Ticket, error) {
	var t *complaint.Ticket
	for _, s := range steps {
		clk.advance(45 * time.Minute)
		var err error
		if t, err = eng.Apply(ctx, id, s); err != nil {
			return nil, fmt.Errorf("%s on %s: %w", s.Type, id, err)
		}
	}
	return t, nil
}

func section(out io.Writer, title string) { fmt.Fprintf(out, "\n== %s\n", title) }

func tagList(t *complaint.Ticket) string {
	parts := make([]string, len(t.Tags))
	for i, g := range t.Tags {
		parts[i] = g.Name + "(" + g.Rule + ")"
	}
	return strings.Join(parts, " ")
}

func showTicket(out io.Writer, t *complaint.Ticket) {
	fmt.Fprintf(out, "%s %s %s → tier=%s unit=%s queue=%s assignee=%s handling=%s\n", t.ID, t.Kind, t.Category, t.Tier, t.Unit, t.Queue, t.Assignee, t.Handling)
	fmt.Fprintf(out, "  route: %s\n", t.Route)
	fmt.Fprintf(out, "  tags: %s\n", tagList(t))
	if !t.Deadlines.IsZero() {
		fmt.Fprintf(out, "  deadlines (%s): first contact %s, resolve %s\n", t.Deadlines.Profile,
			t.Deadlines.FirstContact.In(cst).Format("01-02 15:04"), t.Deadlines.Resolve.In(cst).Format("01-02 15:04"))
	}
}

// showWarnings prints the ledger's warnings of the given kinds (two of
// each) with their evidence.
func showWarnings(out io.Writer, mon *warning.Monitor, kinds ...warning.Kind) {
	for _, k := range kinds {
		entries := mon.Ledger().Entries(k)
		for i, e := range entries {
			if i == 2 {
				fmt.Fprintf(out, "  (and %d more %s warnings)\n", len(entries)-2, k)
				break
			}
			w := e.Warning
			ev := w.Evidence
			fmt.Fprintf(out, "[%s, grade %s, graded by %s] %s\n", w.Kind, w.Grade, w.GradedBy, w.Key)
			fmt.Fprintf(out, "  %s\n", w.Explanation)
			if k == warning.KindBatch {
				fmt.Fprintf(out, "  evidence: %s window, observed %d against a baseline of %.2f (p=%.2g, dispersion %.2f), %d customers, %d members: %s\n",
					ev.Window, ev.Observed, ev.Baseline, ev.PValue, ev.Dispersion, ev.Customers, ev.Members, strings.Join(firstN(ev.Tickets, 4), ","))
			} else {
				fmt.Fprintf(out, "  evidence: rule %s, tickets %s\n", ev.Rule, strings.Join(firstN(ev.Tickets, 4), ","))
			}
		}
	}
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "…")
	}
	return s
}
