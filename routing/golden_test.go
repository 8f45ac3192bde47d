package routing_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/routing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file: run go test -update")
	assert.Equal(t, string(want), got)
}

type rig struct {
	eng   *kesu.Engine
	stage *routing.Stage
	dir   *complaint.Directory
	share *routing.Share
	now   time.Time
}

// newRig builds an engine on a policy file with a settable clock.
func newRig(t testing.TB, path string) *rig {
	t.Helper()
	pol, err := routing.Load(path)
	require.NoError(t, err)
	return newRigPolicy(t, pol)
}

func newRigPolicy(t testing.TB, pol *routing.Policy) *rig {
	t.Helper()
	r := &rig{dir: new(complaint.Directory), share: new(routing.Share)}
	r.now = time.Date(2025, 3, 3, 10, 0, 0, 0, pol.Location()) // a Monday
	hist, load := routing.NewHistory(), routing.NewWorkload()
	r.stage = routing.NewStage(pol, routing.Options{History: hist, Workload: load})
	r.eng = kesu.New(kesu.Config{
		Customers: r.dir, Now: func() time.Time { return r.now }, Categories: pol.Categories(),
		Stages: []kesu.Stage{r.stage}, Guards: []kesu.Guard{r.stage.Guard()},
		Observers: []kesu.Observer{hist, load, r.share}, Tickers: []kesu.Ticker{hist},
	})
	return r
}

func (r *rig) intake(t testing.TB, in complaint.Intake) *complaint.Ticket {
	t.Helper()
	tk, err := r.eng.Intake(context.Background(), in)
	require.NoError(t, err)
	return tk
}

func (r *rig) apply(t testing.TB, id string, ev complaint.Event) (*complaint.Ticket, error) {
	t.Helper()
	return r.eng.Apply(context.Background(), id, ev)
}

func describeTicket(tk *complaint.Ticket) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s/%s %s @%s customer=%q\n", tk.ID, tk.Kind, tk.Channel, tk.Category, tk.Region, tk.Customer)
	fmt.Fprintf(&b, "  queue=%s unit=%s tier=%s assignee=%q priority=%d handling=%s green=%v centralised=%v\n",
		tk.Queue, tk.Unit, tk.Tier, tk.Assignee, tk.Priority, tk.Handling, tk.GreenChannel, tk.Centralised)
	fmt.Fprintf(&b, "  route=%s\n", tk.Route)
	var tags []string
	for _, tg := range tk.Tags {
		tags = append(tags, tg.Name+"<"+tg.Rule)
	}
	fmt.Fprintf(&b, "  tags=[%s]\n", strings.Join(tags, " "))
	d := tk.Deadlines
	f := func(x time.Time) string {
		if x.IsZero() {
			return "-"
		}
		return x.Format("01-02 15:04")
	}
	fmt.Fprintf(&b, "  sla=%s first=%s reply=%s resolve=%s regulator=%s\n", d.Profile, f(d.FirstContact), f(d.Reply), f(d.Resolve), f(d.Regulator))
	return b.String()
}

type goldenCase struct {
	advance time.Duration
	in      complaint.Intake
}

func runGolden(t *testing.T, policy, goldenName string, customers []complaint.Customer, cases []goldenCase) {
	r := newRig(t, policy)
	for _, c := range customers {
		r.dir.Put(c)
	}
	var b strings.Builder
	for i, c := range cases {
		r.now = r.now.Add(c.advance)
		if c.in.Customer == "" {
			c.in.Subscriber = fmt.Sprintf("139%08d", i) // anonymous caller
		}
		tk := r.intake(t, c.in)
		b.WriteString(describeTicket(tk))
		// The explanation is never empty and always starts at the root.
		require.True(t, strings.HasPrefix(tk.Route, "root"), tk.Route)
	}
	c, n := r.share.Counts()
	fmt.Fprintf(&b, "centralised %d of %d\n", c, n)
	golden(t, goldenName, b.String())
}

func TestGoldenCarrier(t *testing.T) {
	customers := []complaint.Customer{
		{ID: "C-pro", Flags: []complaint.Flag{complaint.FlagProfessional}, Owner: "owner-zhang"},
		{ID: "C-pro2", Flags: []complaint.Flag{complaint.FlagProfessional}},
		{ID: "C-vip", Flags: []complaint.Flag{complaint.FlagVIP}},
		{ID: "C-gold", Tier: "gold"},
		{ID: "C-esc", PriorEscalations: 2, Flags: []complaint.Flag{complaint.FlagSensitive}},
	}
	cmp, cons := complaint.KindComplaint, complaint.KindConsultation
	hot := complaint.ChannelHotline
	cases := []goldenCase{
		{0, complaint.Intake{Kind: cmp, Channel: hot, Category: "billing.dispute", Region: "gd.gz.th", Customer: "C-plain", Text: "话费多扣"}},
		{time.Minute, complaint.Intake{Kind: complaint.KindEscalated, Channel: complaint.ChannelMIIT, Category: "vas.unaware", Region: "gd.sz.ns", Customer: "C-a", Partner: "SP100"}},
		{time.Minute, complaint.Intake{Kind: complaint.KindEscalated, Channel: complaint.ChannelMIIT, Category: "billing.dispute", Region: "gd.gz"}},
		{time.Minute, complaint.Intake{Kind: cmp, Channel: complaint.ChannelMedia, Category: "service.attitude", Region: "gd.gz.yx"}},
		{time.Minute, complaint.Intake{Kind: cmp, Channel: hot, Category: "billing.data", Region: "gd.gz", Customer: "C-pro"}},
		{time.Minute, complaint.Intake{Kind: cmp, Channel: hot, Category: "billing.data", Region: "gd.gz", Customer: "C-pro2"}},
		{time.Minute, complaint.Intake{Kind: complaint.KindPraise, Channel: complaint.ChannelApp, Category: "service.attitude", Region: "gd.sz"}},
		{time.Minute, complaint.Intake{Kind: cmp, Channel: hot, Category: "security.privacy", Region: "gd.sz"}},
		{time.Minute, complaint.Intake{Kind: cmp, Channel: hot, Category: "vas.unaware", Region: "gd.gz.th", Text: "没有订购却扣费"}},
		{time.Minute, complaint.Intake{Kind: cmp, Channel: hot, Category: "network.quality", Region: "gd.gz"}},
		{time.Minute, complaint.Intake{Kind: cmp, Channel: hot, Category: "broadband.delay", Region: "gd.gz.th.s01"}},
		{time.Minute, complaint.Intake{Kind: cmp, Channel: hot, Category: "broadband.delay", Region: "gd.sz.ns"}},
		{time.Minute, complaint.Intake{Kind: cons, Channel: hot, Category: "billing.dispute", Region: "gd.sz.ft"}},
		{time.Minute, complaint.Intake{Kind: cmp, Channel: complaint.ChannelStore, Category: "service.attitude", Region: "gd.sz.ft"}},
		{time.Minute, complaint.Intake{Kind: cmp, Channel: hot, Category: "other", Region: "gd.fs"}},
		{time.Minute, complaint.Intake{Kind: cmp, Channel: hot, Category: "marketing.forced", Region: "gd.gz", Text: "营业员强行捆绑宽带"}},
		{time.Minute, complaint.Intake{Kind: cons, Channel: hot, Category: "network.coverage", Region: "gd.gz", Customer: "C-gold"}},
		{time.Minute, complaint.Intake{Kind: cmp, Channel: hot, Category: "service.suspension", Region: "gd.gz", Customer: "C-esc"}},
		// the same customer again on the same sub-category: repeat caller, not closed
		{24 * time.Hour, complaint.Intake{Kind: cmp, Channel: hot, Category: "billing.dispute", Region: "gd.gz.th", Customer: "C-plain", Text: "还是没解决"}},
		// after hours (22:30 local)
		{12*time.Hour + 30*time.Minute, complaint.Intake{Kind: cmp, Channel: complaint.ChannelApp, Category: "marketing.plan-changed", Region: "gd.sz"}},
		// taken on the Friday before the 2025 Spring Festival make-up Saturday
		{0, complaint.Intake{Kind: cmp, Channel: hot, Category: "service.acceptance", Region: "gd.gz", ReceivedAt: time.Date(2025, 2, 7, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))}},
	}
	runGolden(t, "../examples/policy/carrier.yaml", "carrier.golden", customers, cases)
}

func TestGoldenUtility(t *testing.T) {
	customers := []complaint.Customer{
		{ID: "H-hospital", Flags: []complaint.Flag{complaint.FlagImportant}, Owner: "keyacct-li"},
		{ID: "H-school", Flags: []complaint.Flag{complaint.FlagImportant}},
	}
	cmp := complaint.KindComplaint
	hot := complaint.ChannelHotline
	cases := []goldenCase{
		{0, complaint.Intake{Kind: complaint.KindFaultReport, Channel: hot, Category: "outage.long", Region: "gd.gz.th.s02"}},
		{time.Minute, complaint.Intake{Kind: complaint.KindFaultReport, Channel: hot, Category: "outage.long", Region: "gd.sz.ns.s01"}},
		{time.Minute, complaint.Intake{Kind: complaint.KindEscalated, Channel: complaint.ChannelEnergy, Category: "connection.overdue", Region: "gd.gz"}},
		{time.Minute, complaint.Intake{Kind: cmp, Channel: hot, Category: "outage.frequent", Region: "gd.sz.ft", Customer: "U1"}},
		{time.Minute, complaint.Intake{Kind: cmp, Channel: hot, Category: "outage.frequent", Region: "gd.sz.ft", Customer: "U1", Text: "一周停了三次电,再不解决就打12398"}},
		{time.Minute, complaint.Intake{Kind: cmp, Channel: hot, Category: "quality.low-voltage", Region: "gd.gz.yx", Customer: "H-hospital"}},
		{time.Minute, complaint.Intake{Kind: cmp, Channel: hot, Category: "billing.dispute", Region: "gd.gz.th", Customer: "H-school"}},
		{time.Minute, complaint.Intake{Kind: cmp, Channel: hot, Category: "billing.dispute", Region: "gd.gz.th"}},
		{time.Minute, complaint.Intake{Kind: complaint.KindConsultation, Channel: complaint.ChannelOfficial, Category: "connection.overdue", Region: "gd.sz"}},
	}
	runGolden(t, "../examples/policy/utility.yaml", "utility.golden", customers, cases)
}
