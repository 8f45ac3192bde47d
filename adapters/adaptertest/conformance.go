package adaptertest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/adapters/host"
)

// Conn is a plugin under test: what it says about itself and clients of its
// three contracts (clients of contracts it does not serve must answer
// [adapters.NotImplemented]).
type Conn struct {
	Info    adapters.Info
	Billing adapters.Billing
	CRM     adapters.CRM
	Outages adapters.Outages
}

// InProcess serves p in this process over go-plugin's test gRPC connection
// and returns a Conn to it, so calls go through the real protobuf and gRPC
// shims. The connection is closed when t's test ends.
func InProcess(t testing.TB, p adapters.Plugins) Conn {
	t.Helper()
	// Closing the client asks the server to stop (go-plugin's controller
	// Shutdown); stopping the server here as well would race with that.
	client, _ := plugin.TestPluginGRPCConn(t, false, adapters.PluginSets(p)[adapters.ProtocolVersion])
	t.Cleanup(func() { _ = client.Close() })
	dispense := func(name string) any {
		v, err := client.Dispense(name)
		if err != nil {
			t.Fatalf("adaptertest: dispense %s: %v", name, err)
		}
		return v
	}
	info, err := dispense(adapters.InfoName).(adapters.Describer).Info(context.Background())
	if err != nil {
		t.Fatalf("adaptertest: plugin info: %v", err)
	}
	return Conn{
		Info:    info,
		Billing: dispense(adapters.ServiceBilling).(adapters.Billing),
		CRM:     dispense(adapters.ServiceCRM).(adapters.CRM),
		Outages: dispense(adapters.ServiceOutages).(adapters.Outages),
	}
}

// Options tells the suite about the plugin's data. Checks that need data
// the options do not name are skipped. The zero value runs the checks that
// need no data.
type Options struct {
	// CustomerIDs are known customers (for CRM checks).
	CustomerIDs []string
	// Account is a known billing account and Period ("2006-01") a period
	// with a bill for it.
	Account string
	Period  string
	// From and To bound the subscriber-count and outage checks; Region and
	// Units narrow them.
	From, To time.Time
	Region   string
	Units    []string
	// Writes allows the checks that change data: set and clear a flag on
	// CustomerIDs[0], apply an adjustment to Account twice with one key,
	// suspend a partner and take a billing code offline. Use test data only.
	Writes bool
	// Timeout bounds each check (10s).
	Timeout time.Duration
}

// Result is the outcome of one check.
type Result struct {
	Service  string        `json:"service"`
	Name     string        `json:"name"`
	Status   Status        `json:"status"`
	Detail   string        `json:"detail,omitempty"`
	Duration time.Duration `json:"duration"`
}

// Status is a check's outcome.
type Status string

// The statuses.
const (
	Pass Status = "pass"
	Fail Status = "FAIL"
	Skip Status = "skip"
)

// Report is the outcome of a conformance run.
type Report struct {
	// Plugin is the binary checked, if any.
	Plugin  string        `json:"plugin,omitempty"`
	Info    adapters.Info `json:"info"`
	Results []Result      `json:"results"`
}

// OK reports whether no check failed.
func (r Report) OK() bool {
	for _, res := range r.Results {
		if res.Status == Fail {
			return false
		}
	}
	return true
}

// Counts returns the numbers of passed, failed and skipped checks.
func (r Report) Counts() (passed, failed, skipped int) {
	for _, res := range r.Results {
		switch res.Status {
		case Pass:
			passed++
		case Fail:
			failed++
		default:
			skipped++
		}
	}
	return
}

// WriteText writes the report for a person: the plugin, one line per
// check, and a summary line "N passed, N failed, N skipped".
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	if r.Plugin != "" {
		fmt.Fprintf(&b, "plugin:   %s\n", r.Plugin)
	}
	fmt.Fprintf(&b, "name:     %s %s\n", r.Info.Name, r.Info.Version)
	fmt.Fprintf(&b, "services: %s\n\n", strings.Join(r.Info.Services, ", "))
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, res := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", res.Status, res.Service, res.Name, res.Detail)
	}
	tw.Flush()
	p, f, s := r.Counts()
	fmt.Fprintf(&b, "\n%d passed, %d failed, %d skipped\n", p, f, s)
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	return err
}

// errSkip marks a check skipped for want of options.
type errSkip string

func (e errSkip) Error() string { return string(e) }

type check struct {
	service, name string
	fn            func(ctx context.Context, c Conn, o Options) error
}

// Check runs the suite against c and returns the report; it never stops at
// a failure.
func Check(ctx context.Context, c Conn, o Options) Report {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	r := Report{Info: c.Info}
	for _, ch := range checks {
		start := time.Now()
		cctx, cancel := context.WithTimeout(ctx, o.Timeout)
		err := runCheck(cctx, ch, c, o)
		cancel()
		res := Result{Service: ch.service, Name: ch.name, Status: Pass, Duration: time.Since(start)}
		var skip errSkip
		switch {
		case errors.As(err, &skip):
			res.Status, res.Detail = Skip, string(skip)
		case err != nil:
			res.Status, res.Detail = Fail, err.Error()
		}
		r.Results = append(r.Results, res)
	}
	return r
}

func runCheck(ctx context.Context, ch check, c Conn, o Options) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	if ch.service != "plugin" && !c.Info.Implements(ch.service) {
		if ch.name != "not implemented" {
			return errSkip("service not served")
		}
	} else if ch.name == "not implemented" {
		return errSkip("service is served")
	}
	return ch.fn(ctx, c, o)
}

// Run runs the suite against c, each check as a subtest of t.
func Run(t *testing.T, c Conn, o Options) {
	t.Helper()
	r := Check(t.Context(), c, o)
	for _, res := range r.Results {
		t.Run(res.Service+"/"+res.Name, func(t *testing.T) {
			switch res.Status {
			case Fail:
				t.Error(res.Detail)
			case Skip:
				t.Skip(res.Detail)
			}
		})
	}
}

// CheckBinary launches the plugin binary at path with AutoMTLS, as kesu
// does, runs the suite against it and returns the report. A plugin that
// does not start gives a report with one failed "launch" check. The plugin
// process is ended before CheckBinary returns.
func CheckBinary(ctx context.Context, path string, o Options) Report {
	h := host.New(nil)
	defer h.Close()
	start := time.Now()
	p, err := h.Launch(ctx, host.Config{Path: path, MaxAttempts: 1, ProfileTTL: -1})
	if err != nil {
		return Report{Plugin: path, Results: []Result{{Service: "plugin", Name: "launch", Status: Fail, Detail: err.Error(), Duration: time.Since(start)}}}
	}
	r := Check(ctx, Conn{Info: p.Info(), Billing: p, CRM: p, Outages: p}, o)
	r.Plugin = path
	r.Results = slices.Insert(r.Results, 0, Result{Service: "plugin", Name: "launch", Status: Pass, Duration: time.Since(start)})
	return r
}

// TestBinary runs the suite against the plugin binary at path, each check
// as a subtest of t.
func TestBinary(t *testing.T, path string, o Options) {
	t.Helper()
	r := CheckBinary(t.Context(), path, o)
	for _, res := range r.Results {
		t.Run(res.Service+"/"+res.Name, func(t *testing.T) {
			switch res.Status {
			case Fail:
				t.Error(res.Detail)
			case Skip:
				t.Skip(res.Detail)
			}
		})
	}
}
