package adapters

import (
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// DefaultMaxMessageSize is the largest gRPC message, in bytes, a plugin
// accepts or sends and the host accepts or sends, unless configured otherwise.
const DefaultMaxMessageSize = 16 << 20

// Plugins is what a plugin serves: its name and version and the contracts
// it implements. Nil contracts are not implemented and answer
// [NotImplemented]. The zero value serves nothing.
type Plugins struct {
	// Name and Version identify the plugin in the host's logs and reports.
	Name    string
	Version string
	// Billing, CRM and Outages are the implementations; any may be nil.
	Billing Billing
	CRM     CRM
	Outages Outages
	// MaxMessageSize caps gRPC messages in both directions, in bytes; zero
	// means DefaultMaxMessageSize.
	MaxMessageSize int
	// WatchdogInterval is how often Serve checks that the host is alive;
	// zero means one second.
	WatchdogInterval time.Duration
}

// Info returns the plugin's [Info]: its name, version and the names of the
// contracts that are not nil.
func (p Plugins) Info() Info {
	info := Info{Name: p.Name, Version: p.Version, Services: []string{}}
	if p.Billing != nil {
		info.Services = append(info.Services, ServiceBilling)
	}
	if p.CRM != nil {
		info.Services = append(info.Services, ServiceCRM)
	}
	if p.Outages != nil {
		info.Services = append(info.Services, ServiceOutages)
	}
	return info
}

// stderr is the process's standard error as it was at start-up: the pipe the
// host reads logs from. go-plugin replaces os.Stderr after the handshake.
var stderr = os.Stderr

// Serve serves p to the kesu host that started this process and returns
// only when the host has ended the plugin; it then exits the process. It
// writes nothing to standard output but go-plugin's handshake line (plugin
// code must not write to standard output before Serve), logs to standard
// error in the JSON form the host bridges into its logger, and runs a
// watchdog that exits the process when the host dies, so a plugin never
// outlives its host. Run by hand, without the host, it explains that and
// exits with status 1.
func Serve(p Plugins) {
	size := p.MaxMessageSize
	if size <= 0 {
		size = DefaultMaxMessageSize
	}
	logger := hclog.New(&hclog.LoggerOptions{
		Name:       p.Name,
		Level:      hclog.Info,
		Output:     stderr,
		JSONFormat: true,
	})
	if os.Getenv(Handshake.MagicCookieKey) == Handshake.MagicCookieValue {
		interval := p.WatchdogInterval
		if interval <= 0 {
			interval = time.Second
		}
		go watchdog(os.Getppid(), interval, logger)
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: PluginSets(p),
		Logger:           logger,
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			opts = append(opts, grpc.MaxRecvMsgSize(size), grpc.MaxSendMsgSize(size))
			return grpc.NewServer(opts...)
		},
	})
	os.Exit(0)
}

// watchdog exits the process when its parent, the host, is gone: the kernel
// then gives the process a new parent.
func watchdog(parent int, interval time.Duration, logger hclog.Logger) {
	for {
		time.Sleep(interval)
		if os.Getppid() != parent {
			logger.Error("host process is gone; plugin exiting", "host_pid", parent)
			os.Exit(2)
		}
	}
}

// NewLogger returns a logger for plugin code that writes to the standard
// error the host reads, in the JSON form the host bridges into its own
// *slog.Logger with the level and attributes kept. It is safe to create
// before [Serve] and safe for concurrent use.
func NewLogger(level slog.Leveler) *slog.Logger {
	return slog.New(newHCLogJSONHandler(stderr, level))
}

func newHCLogJSONHandler(w io.Writer, level slog.Leveler) slog.Handler {
	return slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				a.Key = "@timestamp"
				if t, ok := a.Value.Any().(time.Time); ok {
					a.Value = slog.StringValue(t.Format("2006-01-02T15:04:05.000000Z07:00"))
				}
			case slog.MessageKey:
				a.Key = "@message"
			case slog.LevelKey:
				a.Key = "@level"
				l, _ := a.Value.Any().(slog.Level)
				switch {
				case l < slog.LevelDebug:
					a.Value = slog.StringValue("trace")
				case l < slog.LevelInfo:
					a.Value = slog.StringValue("debug")
				case l < slog.LevelWarn:
					a.Value = slog.StringValue("info")
				case l < slog.LevelError:
					a.Value = slog.StringValue("warn")
				default:
					a.Value = slog.StringValue("error")
				}
			}
			return a
		},
	})
}
