package host_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/adapters/adaptertest"
	"github.com/kesu-go/kesu/adapters/host"
	"github.com/kesu-go/kesu/complaint"
)

var faultPlugin string

func TestMain(m *testing.M) {
	if os.Getenv("KESU_HOST_HELPER") != "" {
		helperHost()
		return
	}
	dir, err := os.MkdirTemp("", "kesu-host-test")
	if err != nil {
		panic(err)
	}
	if faultPlugin, err = adaptertest.Build(context.Background(), "./internal/faultplugin", dir); err != nil {
		os.RemoveAll(dir)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// helperHost is the test binary acting as a host process that gets killed:
// it launches the fault plugin, prints the plugin's pid and waits.
func helperHost() {
	h := host.New(nil)
	p, err := h.Launch(context.Background(), host.Config{Path: os.Getenv("KESU_HOST_HELPER")})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println(p.Stats().PID)
	time.Sleep(time.Minute)
	os.Exit(0)
}

// clock is a settable clock for the breaker and the cache.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func launch(t testing.TB, cfg host.Config, faults ...string) (*host.Host, *host.Plugin) {
	t.Helper()
	h := host.New(nil)
	t.Cleanup(func() { h.Close() })
	cfg.Path = faultPlugin
	cfg.Env = append(cfg.Env, "KESU_FAULT="+strings.Join(faults, ","), "KESU_FAULT_DIR="+t.TempDir(), "KESU_FAULT_PROFILES=2000")
	if cfg.RestartBackoff == 0 {
		cfg.RestartBackoff = 10 * time.Millisecond
	}
	if cfg.RetryBackoff == 0 {
		cfg.RetryBackoff = 10 * time.Millisecond
	}
	p, err := h.Launch(context.Background(), cfg)
	require.NoError(t, err)
	return h, p
}

var window = adapters.OutageQuery{Region: "GD", From: time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 21, 0, 0, 0, 0, time.UTC)}

// alive reports whether pid is a live process (a zombie is not).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func TestLaunchAndCall(t *testing.T) {
	_, p := launch(t, host.Config{})
	ctx := context.Background()
	info := p.Info()
	assert.Equal(t, "faultplugin", info.Name)
	assert.ElementsMatch(t, []string{"billing", "crm", "outages"}, info.Services)

	ps, err := p.Profiles(ctx, []string{"C-000001", "unknown", "C-000002"})
	require.NoError(t, err)
	require.Len(t, ps, 2)
	assert.Equal(t, "C-000001", ps[0].ID)
	assert.True(t, ps[0].HasFlag(adapters.FlagVIP))

	os, err := p.Outages(ctx, window)
	require.NoError(t, err)
	require.Len(t, os, 1)

	_, err = p.Bills(ctx, adapters.BillQuery{Account: "nobody", Period: "2026-01"})
	require.ErrorIs(t, err, adapters.ErrNotFound)
	assert.False(t, adapters.IsRetryable(err))

	_, err = p.Bills(ctx, adapters.BillQuery{Account: "x", Period: "January"})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	require.NoError(t, p.Check(ctx))
}

func TestCrashMidCall(t *testing.T) {
	_, p := launch(t, host.Config{}, "crash-once")
	first := p.Stats().PID
	ps, err := p.Profiles(context.Background(), []string{"C-000007"})
	require.NoError(t, err, "the call is retried on the restarted plugin")
	require.Len(t, ps, 1)
	s := p.Stats()
	assert.Equal(t, 1, s.Crashes)
	assert.Equal(t, 1, s.Restarts)
	assert.NotEqual(t, first, s.PID)
	assert.False(t, alive(first))
}

func TestCrashAfterAdjustmentIsNotDoubled(t *testing.T) {
	journal := filepath.Join(t.TempDir(), "journal.jsonl")
	_, p := launch(t, host.Config{Env: []string{"KESU_FAULT_JOURNAL=" + journal}}, "crash-adjust-once")
	a := adapters.Adjustment{IdempotencyKey: "T-1-refund", Account: "ACC-1", Kind: adapters.Refund, Amount: 500, TicketID: "T-1"}
	res, err := p.Adjust(context.Background(), a)
	require.NoError(t, err)
	assert.True(t, res.Replayed, "the retry after the crash answers with the journaled result")
	recs, err := adaptertest.ReadJournal(journal)
	require.NoError(t, err)
	require.Len(t, recs, 1, "applied exactly once")
	assert.Equal(t, recs[0].Result.ID, res.ID)
	assert.Equal(t, 1, p.Stats().Restarts)
}

func TestHangPastDeadline(t *testing.T) {
	_, p := launch(t, host.Config{CallTimeout: 300 * time.Millisecond}, "hang-once")
	start := time.Now()
	os, err := p.Outages(context.Background(), window)
	require.NoError(t, err)
	require.Len(t, os, 1)
	assert.Less(t, time.Since(start), 3*time.Second)
	s := p.Stats()
	assert.Equal(t, 2, s.Attempts)
	assert.Equal(t, 0, s.Crashes, "a healthy process with one stuck call is kept")
}

func TestFrozenProcessIsRestarted(t *testing.T) {
	_, p := launch(t, host.Config{CallTimeout: 300 * time.Millisecond, HealthTimeout: 200 * time.Millisecond}, "stop-once")
	first := p.Stats().PID
	os, err := p.Outages(context.Background(), window)
	require.NoError(t, err)
	require.Len(t, os, 1)
	s := p.Stats()
	assert.Equal(t, 1, s.Crashes)
	assert.Equal(t, 1, s.Restarts)
	require.Eventually(t, func() bool { return !alive(first) }, 5*time.Second, 20*time.Millisecond)
}

func TestGarbageAnswer(t *testing.T) {
	_, p := launch(t, host.Config{}, "garbage")
	_, err := p.Profiles(context.Background(), []string{"C-000001"})
	require.ErrorIs(t, err, adapters.ErrInternal)
	assert.Contains(t, err.Error(), "garbage")
	assert.False(t, adapters.IsRetryable(err))
	assert.Equal(t, 1, p.Stats().Attempts, "garbage is not retried")
}

func TestGarbageHandshake(t *testing.T) {
	h := host.New(nil)
	defer h.Close()
	_, err := h.Launch(context.Background(), host.Config{Path: faultPlugin, Env: []string{"KESU_FAULT=garbage-handshake"}})
	require.ErrorIs(t, err, adapters.ErrUnavailable)
}

func TestSlowStart(t *testing.T) {
	_, p := launch(t, host.Config{}, "slow-start")
	require.NotZero(t, p.Stats().PID)

	h := host.New(nil)
	defer h.Close()
	start := time.Now()
	_, err := h.Launch(context.Background(), host.Config{Path: faultPlugin, StartTimeout: 300 * time.Millisecond,
		Env: []string{"KESU_FAULT=slow-start", "KESU_FAULT_DELAY=3s"}})
	require.ErrorIs(t, err, adapters.ErrUnavailable)
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestKilledPluginIsRestarted(t *testing.T) {
	_, p := launch(t, host.Config{})
	first := p.Stats().PID
	require.NoError(t, syscall.Kill(first, syscall.SIGKILL))
	require.Eventually(t, func() bool { return !alive(first) }, 5*time.Second, 10*time.Millisecond)
	ps, err := p.Profiles(context.Background(), []string{"C-000003"})
	require.NoError(t, err)
	require.Len(t, ps, 1)
	assert.Equal(t, 1, p.Stats().Restarts)
	assert.NotEqual(t, first, p.Stats().PID)
}

func TestRetryUnavailable(t *testing.T) {
	_, p := launch(t, host.Config{}, "unavailable-once")
	_, err := p.Outages(context.Background(), window)
	require.NoError(t, err)
	s := p.Stats()
	assert.Equal(t, 2, s.Attempts)
	assert.Equal(t, 0, s.Crashes)
}

func TestBreaker(t *testing.T) {
	clk := newClock()
	_, p := launch(t, host.Config{Now: clk.Now, BreakerThreshold: 2, BreakerCooldown: time.Minute, ProfileTTL: -1}, "garbage")
	ctx := context.Background()
	for range 2 {
		_, err := p.Profiles(ctx, []string{"C-000001"})
		require.ErrorIs(t, err, adapters.ErrInternal)
	}
	_, err := p.Profiles(ctx, []string{"C-000001"})
	require.ErrorIs(t, err, adapters.ErrUnavailable)
	assert.Contains(t, err.Error(), "circuit breaker open")
	assert.Equal(t, 2, p.Stats().Attempts, "an open breaker does not call the plugin")
	assert.Equal(t, 1, p.Stats().BreakerOpens)

	// Healthy answers still pass once the cooldown is over (half-open trial).
	clk.Add(2 * time.Minute)
	_, err = p.Outages(ctx, window)
	require.NoError(t, err)
	_, err = p.Outages(ctx, window)
	require.NoError(t, err)
}

func TestProfileCache(t *testing.T) {
	clk := newClock()
	_, p := launch(t, host.Config{Now: clk.Now, ProfileTTL: time.Minute})
	ctx := context.Background()
	ids := []string{"C-000001", "C-000002", "unknown"}
	_, err := p.Profiles(ctx, ids)
	require.NoError(t, err)
	assert.Equal(t, 3, p.Stats().CacheMisses)

	ps, err := p.Profiles(ctx, ids)
	require.NoError(t, err)
	require.Len(t, ps, 2)
	assert.Equal(t, 3, p.Stats().CacheHits, "unknown ids are cached too")
	assert.Equal(t, 1, p.Stats().Attempts)

	require.NoError(t, p.SetFlag(ctx, adapters.FlagChange{CustomerID: "C-000001", Flag: adapters.FlagProfessionalComplainant, Reason: "12300 appeal"}))
	ps, err = p.Profiles(ctx, ids[:1])
	require.NoError(t, err)
	assert.True(t, ps[0].HasFlag(adapters.FlagProfessionalComplainant), "SetFlag drops the cached profile")

	clk.Add(2 * time.Minute)
	_, err = p.Profiles(ctx, ids)
	require.NoError(t, err)
	assert.Equal(t, 3+1+3, p.Stats().CacheMisses, "expired entries are fetched again")
}

func TestBatching(t *testing.T) {
	_, p := launch(t, host.Config{BatchSize: 100, ProfileTTL: -1})
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("C-%06d", i)
	}
	ps, err := p.Profiles(context.Background(), ids)
	require.NoError(t, err)
	require.Len(t, ps, 1000)
	assert.Equal(t, ids[999], ps[999].ID)
	assert.Equal(t, 10, p.Stats().Attempts)
}

func TestMessageSizeLimit(t *testing.T) {
	_, p := launch(t, host.Config{MaxMessageSize: 2048, ProfileTTL: -1, MaxAttempts: 1})
	ids := make([]string, 200)
	for i := range ids {
		ids[i] = fmt.Sprintf("C-%06d", i)
	}
	_, err := p.Profiles(context.Background(), ids)
	require.ErrorIs(t, err, adapters.ErrResourceExhausted)
	_, err = p.Profiles(context.Background(), ids[:2])
	require.NoError(t, err)
}

// recorder is a slog.Handler that keeps records.
type recorder struct {
	mu   sync.Mutex
	recs []string
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	var b strings.Builder
	b.WriteString(rec.Message)
	rec.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
	r.mu.Lock()
	r.recs = append(r.recs, b.String())
	r.mu.Unlock()
	return nil
}
func (r *recorder) WithAttrs(as []slog.Attr) slog.Handler { return &withAttrs{r, as} }
func (r *recorder) WithGroup(string) slog.Handler         { return r }

func (r *recorder) contains(s string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range r.recs {
		if strings.Contains(rec, s) {
			return true
		}
	}
	return false
}

type withAttrs struct {
	*recorder
	as []slog.Attr
}

func (w *withAttrs) Handle(ctx context.Context, rec slog.Record) error {
	rec.AddAttrs(w.as...)
	return w.recorder.Handle(ctx, rec)
}

func TestPluginLogsReachSlog(t *testing.T) {
	rec := &recorder{}
	h := host.New(slog.New(rec))
	defer h.Close()
	_, err := h.Launch(context.Background(), host.Config{Path: faultPlugin, Name: "fp", Env: []string{"KESU_FAULT_PROFILES=3"}})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return rec.contains("fault plugin starting") }, 5*time.Second, 10*time.Millisecond)
	assert.True(t, rec.contains("profiles=3"), "attributes survive the bridge")
	assert.True(t, rec.contains("plugin=fp"))
	assert.True(t, rec.contains("plugin started"))
}

func TestCloseEndsPlugins(t *testing.T) {
	h := host.New(nil)
	var pids []int
	for range 2 {
		p, err := h.Launch(context.Background(), host.Config{Path: faultPlugin})
		require.NoError(t, err)
		pids = append(pids, p.Stats().PID)
	}
	require.NoError(t, h.Close())
	for _, pid := range pids {
		assert.False(t, alive(pid), "pid %d", pid)
	}
	_, err := h.Launch(context.Background(), host.Config{Path: faultPlugin})
	require.ErrorIs(t, err, adapters.ErrFailedPrecondition)
}

func TestKilledHostLeavesNoPlugin(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KESU_HOST_HELPER="+faultPlugin)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	require.NoError(t, err, "helper said %q", line)
	require.True(t, alive(pid))

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	require.Eventually(t, func() bool { return !alive(pid) }, 10*time.Second, 50*time.Millisecond,
		"plugin %d outlived its host", pid)
}

func BenchmarkCallRoundTrip(b *testing.B) {
	_, p := launch(b, host.Config{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Outages(ctx, window); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProfilesBatch(b *testing.B) {
	_, p := launch(b, host.Config{ProfileTTL: -1, BatchSize: 1000})
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("C-%06d", i)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ps, err := p.Profiles(ctx, ids)
		if err != nil || len(ps) != len(ids) {
			b.Fatal(len(ps), err)
		}
	}
	b.ReportMetric(float64(b.N*len(ids))/b.Elapsed().Seconds(), "profiles/s")
}

func TestPluginIsComplaintCustomers(t *testing.T) {
	_, p := launch(t, host.Config{})
	var cs complaint.Customers = p
	c, err := cs.Customer(context.Background(), "C-000005")
	require.NoError(t, err)
	assert.True(t, c.Has(complaint.FlagVIP))
	_, err = cs.Customer(context.Background(), "nobody")
	require.ErrorIs(t, err, complaint.ErrNotFound)
}

func TestRunRestartsDeadPlugin(t *testing.T) {
	_, p := launch(t, host.Config{})
	first := p.Stats().PID
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, 20*time.Millisecond) }()
	require.NoError(t, syscall.Kill(first, syscall.SIGKILL))
	require.Eventually(t, func() bool { s := p.Stats(); return s.Restarts == 1 && s.PID != 0 && s.PID != first },
		5*time.Second, 10*time.Millisecond, "restarted without any call")
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}
