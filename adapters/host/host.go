// Package host launches kesu adapter plugins and talks to them.
//
// A [Host] starts plugin binaries (see [Host.Launch]) with go-plugin's gRPC
// protocol and AutoMTLS, negotiates the plugin protocol version and checks
// the plugin's health. The returned [Plugin] implements
// [adapters.Billing], [adapters.CRM] and [adapters.Outages]: every call gets
// a deadline, retryable errors are retried with backoff, a crashed, hung or
// killed plugin is restarted with backoff, a circuit breaker stops calling a
// plugin that keeps failing, and CRM profiles are cached with a TTL and
// fetched in batches. Message sizes are capped on both sides, and the
// plugin's logs go to the caller's *slog.Logger. [Host.Close] ends every
// plugin process the host started.
//
// Plugins are slow next to the engine's hot path (a call is a round trip
// between processes): call them in batches, at bucket close, or through the
// profile cache, never once per ticket.
package host

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health/grpc_health_v1"

	"github.com/kesu-go/kesu/adapters"
)

// Config configures one plugin. Only Path is required; every zero duration
// or count means the default written beside it.
type Config struct {
	// Path is the plugin binary.
	Path string
	// Args are passed to the binary.
	Args []string
	// Env is added to the host's environment for the plugin, winning over it.
	Env []string
	// Name names the plugin in logs; empty means the binary's base name.
	Name string

	// Now is the clock for the breaker, restart backoff and cache; nil means time.Now.
	Now func() time.Time

	// StartTimeout bounds one start, handshake included (10s).
	StartTimeout time.Duration
	// CallTimeout is the deadline of one call attempt (5s); a shorter
	// deadline on the caller's context wins.
	CallTimeout time.Duration
	// MaxAttempts is how many times a call is tried when it fails with a
	// retryable error (3).
	MaxAttempts int
	// RetryBackoff is the wait before the second attempt, doubled for each
	// further one (100ms).
	RetryBackoff time.Duration
	// RestartBackoff is the least wait before restarting a plugin that
	// crashed (100ms); it doubles with each crash in a row up to
	// MaxRestartBackoff (30s).
	RestartBackoff    time.Duration
	MaxRestartBackoff time.Duration
	// BreakerThreshold is how many failures in a row open the breaker (5);
	// BreakerCooldown is how long it stays open (30s).
	BreakerThreshold int
	BreakerCooldown  time.Duration
	// HealthTimeout bounds a health check (1s).
	HealthTimeout time.Duration
	// ProfileTTL is how long a CRM profile is cached (5m); negative disables
	// the cache. ProfileCacheSize caps the cached profiles (100000).
	ProfileTTL       time.Duration
	ProfileCacheSize int
	// BatchSize is the most ids sent in one CRM Profiles call (500).
	BatchSize int
	// MaxMessageSize caps gRPC messages both ways, in bytes
	// (adapters.DefaultMaxMessageSize).
	MaxMessageSize int
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	defInt := func(d *int, v int) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Name == "" {
		c.Name = filepath.Base(c.Path)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	def(&c.StartTimeout, 10*time.Second)
	def(&c.CallTimeout, 5*time.Second)
	def(&c.RetryBackoff, 100*time.Millisecond)
	def(&c.RestartBackoff, 100*time.Millisecond)
	def(&c.MaxRestartBackoff, 30*time.Second)
	def(&c.BreakerCooldown, 30*time.Second)
	def(&c.HealthTimeout, time.Second)
	def(&c.ProfileTTL, 5*time.Minute)
	defInt(&c.MaxAttempts, 3)
	defInt(&c.BreakerThreshold, 5)
	defInt(&c.ProfileCacheSize, 100_000)
	defInt(&c.BatchSize, 500)
	defInt(&c.MaxMessageSize, adapters.DefaultMaxMessageSize)
}

// Host starts plugins and ends them all on Close. The zero value is not
// usable; use [New]. A Host is safe for concurrent use.
type Host struct {
	logger *slog.Logger

	mu      sync.Mutex
	plugins []*Plugin
	closed  bool
}

// New returns a Host that logs, and bridges its plugins' logs, to logger.
// A nil logger discards logs; the global logger is never used.
func New(logger *slog.Logger) *Host {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Host{logger: logger}
}

// Launch starts the plugin binary, negotiates the protocol version and
// reads the plugin's [adapters.Info]. The returned Plugin restarts the
// process by itself when it dies. The error has code [adapters.Unavailable]
// when the plugin cannot be started or does not complete the handshake in
// time, [adapters.InvalidArgument] for a bad Config, and
// [adapters.FailedPrecondition] after Close.
func (h *Host) Launch(ctx context.Context, cfg Config) (*Plugin, error) {
	if cfg.Path == "" {
		return nil, adapters.Errorf(adapters.InvalidArgument, "host: plugin path is required")
	}
	cfg.defaults()
	p := &Plugin{
		cfg:     cfg,
		logger:  h.logger.With("plugin", cfg.Name),
		breaker: breaker{threshold: cfg.BreakerThreshold, cooldown: cfg.BreakerCooldown},
		cache:   newProfileCache(cfg.ProfileTTL, cfg.ProfileCacheSize),
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, adapters.Errorf(adapters.FailedPrecondition, "host: closed")
	}
	h.plugins = append(h.plugins, p)
	h.mu.Unlock()

	p.mu.Lock()
	err := p.startLocked(ctx)
	p.mu.Unlock()
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// Close ends every plugin process the host started and refuses further
// launches. It waits for the processes to exit and returns nil; it is safe
// to call more than once.
func (h *Host) Close() error {
	h.mu.Lock()
	ps := h.plugins
	h.plugins = nil
	h.closed = true
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Close()
		}()
	}
	wg.Wait()
	return nil
}

// Stats counts what happened to a plugin since launch.
type Stats struct {
	// Starts counts process starts, the first included; Restarts counts the others.
	Starts, Restarts int
	// Crashes counts processes found dead, hung or unhealthy.
	Crashes int
	// Calls counts contract calls; Attempts counts tries, retries included.
	Calls, Attempts int
	// Failures counts calls that returned an error.
	Failures int
	// BreakerOpens counts how often the breaker opened.
	BreakerOpens int
	// CacheHits and CacheMisses count profile lookups.
	CacheHits, CacheMisses int
	// PID is the current plugin process id, or 0 if none runs.
	PID int
}

// Plugin is a running plugin as the host sees it. It implements
// [adapters.Billing], [adapters.CRM] and [adapters.Outages]; a contract the
// plugin does not serve answers [adapters.ErrNotImplemented]. Calls are safe
// for concurrent use. The zero value is not usable; use [Host.Launch].
type Plugin struct {
	cfg    Config
	logger *slog.Logger
	cache  *profileCache

	mu      sync.Mutex
	client  *plugin.Client
	cur     *conn
	gen     int
	crashes int // in a row, reset by a successful call
	next    time.Time
	closed  bool
	breaker breaker
	stats   Stats
}

// conn is one started plugin process and its clients.
type conn struct {
	gen     int
	client  *plugin.Client
	grpc    *plugin.GRPCClient
	pid     int
	info    adapters.Info
	billing adapters.Billing
	crm     adapters.CRM
	outages adapters.Outages
}

var (
	_ adapters.Billing = (*Plugin)(nil)
	_ adapters.CRM     = (*Plugin)(nil)
	_ adapters.Outages = (*Plugin)(nil)
)

// Info returns what the plugin said about itself at its last start.
func (p *Plugin) Info() adapters.Info {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == nil {
		return adapters.Info{}
	}
	return p.cur.info
}

// Stats returns the plugin's counters.
func (p *Plugin) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	if p.cur != nil {
		s.PID = p.cur.pid
	}
	return s
}

func (p *Plugin) startLocked(ctx context.Context) error {
	cfg := &p.cfg
	cmd := exec.Command(cfg.Path, cfg.Args...)
	cmd.Env = append(os.Environ(), cfg.Env...)
	size := cfg.MaxMessageSize
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  adapters.Handshake,
		VersionedPlugins: adapters.PluginSets(adapters.Plugins{}),
		Cmd:              cmd,
		SkipHostEnv:      true,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		StartTimeout:     cfg.StartTimeout,
		Logger:           newBridge(p.logger),
		SyncStdout:       &lineWriter{log: func(s string) { p.logger.Info(s, "stream", "stdout") }},
		SyncStderr:       &lineWriter{log: func(s string) { p.logger.Warn(s, "stream", "stderr") }},
		GRPCDialOptions: []grpc.DialOption{
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(size), grpc.MaxCallSendMsgSize(size)),
		},
	})
	p.stats.Starts++
	if p.stats.Starts > 1 {
		p.stats.Restarts++
	}
	c, err := p.handshake(ctx, client)
	if err != nil {
		forceKill(client)
		p.crashes++
		p.next = cfg.Now().Add(p.restartBackoff())
		p.logger.Error("plugin start failed", "error", err, "retry_in", p.restartBackoff())
		return err
	}
	p.gen++
	c.gen = p.gen
	p.client, p.cur = client, c
	p.logger.Info("plugin started", "pid", c.pid, "protocol", client.NegotiatedVersion(),
		"name", c.info.Name, "version", c.info.Version, "services", c.info.Services)
	return nil
}

func (p *Plugin) handshake(ctx context.Context, client *plugin.Client) (*conn, error) {
	unavailable := func(format string, args ...any) error {
		return &adapters.Error{Code: adapters.Unavailable, Op: "host.start", Message: fmt.Sprintf(format, args...)}
	}
	type result struct {
		rpc plugin.ClientProtocol
		err error
	}
	done := make(chan result, 1)
	go func() {
		rpc, err := client.Client()
		done <- result{rpc, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		forceKill(client)
		<-done
		return nil, unavailable("start %s: %v", p.cfg.Path, ctx.Err())
	}
	if r.err != nil {
		return nil, unavailable("start %s: %v", p.cfg.Path, r.err)
	}
	if v := client.NegotiatedVersion(); v != adapters.ProtocolVersion {
		return nil, unavailable("plugin speaks protocol %d, host %d", v, adapters.ProtocolVersion)
	}
	gc, ok := r.rpc.(*plugin.GRPCClient)
	if !ok {
		return nil, unavailable("plugin does not speak gRPC")
	}
	c := &conn{client: client, grpc: gc}
	if rc := client.ReattachConfig(); rc != nil {
		c.pid = rc.Pid
	}
	dispense := func(name string) any {
		v, err := gc.Dispense(name)
		if err != nil {
			return nil
		}
		return v
	}
	c.billing, _ = dispense(adapters.ServiceBilling).(adapters.Billing)
	c.crm, _ = dispense(adapters.ServiceCRM).(adapters.CRM)
	c.outages, _ = dispense(adapters.ServiceOutages).(adapters.Outages)
	d, _ := dispense(adapters.InfoName).(adapters.Describer)
	if c.billing == nil || c.crm == nil || c.outages == nil || d == nil {
		return nil, unavailable("plugin set is incomplete")
	}
	ictx, cancel := context.WithTimeout(ctx, p.cfg.CallTimeout)
	defer cancel()
	info, err := d.Info(ictx)
	if err != nil {
		return nil, unavailable("read plugin info: %v", err)
	}
	c.info = info
	return c, nil
}

// forceKill ends the process at once (it may be hung or stopped, so a
// graceful shutdown could block), then lets go-plugin clean up.
func forceKill(client *plugin.Client) {
	if rc := client.ReattachConfig(); rc != nil && rc.Pid > 0 {
		if proc, err := os.FindProcess(rc.Pid); err == nil {
			_ = proc.Kill()
		}
	}
	client.Kill()
}

func (p *Plugin) restartBackoff() time.Duration {
	d := p.cfg.RestartBackoff
	for i := 1; i < p.crashes && d < p.cfg.MaxRestartBackoff; i++ {
		d *= 2
	}
	return min(d, p.cfg.MaxRestartBackoff)
}

// acquire returns the running process, starting one if none runs and the
// restart backoff has passed. Otherwise it returns an Unavailable error and
// how long to wait.
func (p *Plugin) acquire(ctx context.Context) (*conn, time.Duration, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, 0, &adapters.Error{Code: adapters.FailedPrecondition, Op: "host", Message: "plugin closed"}
	}
	if p.cur != nil && !p.client.Exited() {
		return p.cur, 0, nil
	}
	if p.cur != nil {
		p.dropLocked(p.cur.gen, "plugin process exited")
	}
	now := p.cfg.Now()
	if now.Before(p.next) {
		wait := p.next.Sub(now)
		return nil, wait, &adapters.Error{Code: adapters.Unavailable, Op: "host", Message: fmt.Sprintf("plugin restarting in %s", wait.Round(time.Millisecond))}
	}
	if err := p.startLocked(ctx); err != nil {
		return nil, p.restartBackoff(), err
	}
	return p.cur, 0, nil
}

// dropLocked forgets and kills the process of generation gen, if it is
// still the current one, and schedules the restart.
func (p *Plugin) dropLocked(gen int, why string) {
	if p.cur == nil || p.cur.gen != gen {
		return
	}
	c := p.cur
	p.cur, p.client = nil, nil
	p.stats.Crashes++
	p.crashes++
	p.next = p.cfg.Now().Add(p.restartBackoff())
	p.logger.Error(why, "pid", c.pid, "restart_in", p.restartBackoff())
	go forceKill(c.client)
}

// healthy reports whether the process answers go-plugin's health check in time.
func (p *Plugin) healthy(ctx context.Context, c *conn) bool {
	if c.client.Exited() {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.HealthTimeout)
	defer cancel()
	_, err := grpc_health_v1.NewHealthClient(c.grpc.Conn).Check(ctx, &grpc_health_v1.HealthCheckRequest{Service: plugin.GRPCServiceName})
	return err == nil
}

// Check health-checks the plugin and restarts it if it is dead, hung or
// unhealthy (honouring the restart backoff). It returns nil when a healthy
// process runs afterwards, else an [adapters.Unavailable] error.
func (p *Plugin) Check(ctx context.Context) error {
	c, _, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	if p.healthy(ctx, c) {
		return nil
	}
	p.mu.Lock()
	p.dropLocked(c.gen, "plugin failed its health check")
	p.mu.Unlock()
	c, _, err = p.acquire(ctx)
	if err != nil {
		return err
	}
	if !p.healthy(ctx, c) {
		return &adapters.Error{Code: adapters.Unavailable, Op: "host.Check", Message: "plugin is unhealthy after restart"}
	}
	return nil
}

// Run health-checks the plugin every interval, restarting it when needed,
// until ctx is done; it then returns ctx.Err(). Running it is optional:
// calls restart a dead plugin by themselves.
func (p *Plugin) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if err := p.Check(ctx); err != nil && ctx.Err() == nil {
				p.logger.Warn("plugin health check", "error", err)
			}
		}
	}
}

// Close ends the plugin process and makes further calls fail with
// [adapters.FailedPrecondition]. It is safe to call more than once.
func (p *Plugin) Close() {
	p.mu.Lock()
	p.closed = true
	c := p.cur
	p.cur, p.client = nil, nil
	p.mu.Unlock()
	if c == nil {
		return
	}
	done := make(chan struct{})
	go func() {
		c.client.Kill()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		forceKill(c.client)
		<-done
	}
	p.logger.Info("plugin stopped", "pid", c.pid)
}

// do runs one contract call with deadlines, retries, restarts and the breaker.
func (p *Plugin) do(ctx context.Context, op string, call func(context.Context, *conn) error) error {
	p.mu.Lock()
	p.stats.Calls++
	p.mu.Unlock()
	for attempt := 1; ; attempt++ {
		p.mu.Lock()
		ok, until := p.breaker.allow(p.cfg.Now())
		if ok {
			p.stats.Attempts++
		}
		p.mu.Unlock()
		if !ok {
			p.fail()
			return &adapters.Error{Code: adapters.Unavailable, Op: op,
				Message: fmt.Sprintf("circuit breaker open until %s after repeated failures", until.Format(time.RFC3339))}
		}
		c, wait, err := p.acquire(ctx)
		if err == nil {
			actx, cancel := context.WithTimeout(ctx, p.cfg.CallTimeout)
			err = call(actx, c)
			cancel()
			if err == nil || !countsAsFailure(err) {
				p.mu.Lock()
				p.breaker.success()
				p.crashes = 0
				if err != nil {
					p.stats.Failures++
				}
				p.mu.Unlock()
				return err
			}
			if ctx.Err() == nil && (adapters.IsRetryable(err) || adapters.CodeOf(err) == adapters.Unknown) && !p.healthy(ctx, c) {
				p.mu.Lock()
				p.dropLocked(c.gen, "plugin died, hung or stopped answering")
				wait = p.restartBackoff()
				p.mu.Unlock()
				err = &adapters.Error{Code: adapters.Unavailable, Op: op, Message: "plugin died, hung or stopped answering: " + err.Error(), Err: err}
			}
		}
		if ctx.Err() != nil {
			p.fail()
			return &adapters.Error{Code: adapters.CodeOf(ctx.Err()), Op: op, Message: ctx.Err().Error(), Err: err}
		}
		p.mu.Lock()
		if p.breaker.failure(p.cfg.Now()) {
			p.stats.BreakerOpens++
			p.logger.Error("circuit breaker opened", "op", op, "error", err, "cooldown", p.cfg.BreakerCooldown)
		}
		p.mu.Unlock()
		if !adapters.IsRetryable(err) || attempt >= p.cfg.MaxAttempts {
			p.fail()
			p.logger.Warn("plugin call failed", "op", op, "attempts", attempt, "error", err)
			return err
		}
		wait = max(wait, p.cfg.RetryBackoff<<(attempt-1))
		p.logger.Debug("retrying plugin call", "op", op, "attempt", attempt, "wait", wait, "error", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			p.fail()
			return &adapters.Error{Code: adapters.CodeOf(ctx.Err()), Op: op, Message: ctx.Err().Error(), Err: err}
		case <-t.C:
		}
	}
}

func (p *Plugin) fail() {
	p.mu.Lock()
	p.stats.Failures++
	p.mu.Unlock()
}

// countsAsFailure reports whether err says the plugin is in trouble (as
// opposed to a healthy answer such as NotFound or InvalidArgument).
func countsAsFailure(err error) bool {
	switch adapters.CodeOf(err) {
	case adapters.Unavailable, adapters.DeadlineExceeded, adapters.ResourceExhausted, adapters.Internal, adapters.Unknown:
		return true
	}
	return false
}
