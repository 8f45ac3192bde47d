package host

import (
	"bytes"
	"context"
	"io"
	"log"
	"log/slog"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// slogBridge is an hclog.Logger that writes to a *slog.Logger. go-plugin
// logs through it, and so do the plugin's own log lines, which go-plugin
// reads from the plugin's standard error.
type slogBridge struct {
	l    *slog.Logger
	name string
	args []any
}

var _ hclog.Logger = (*slogBridge)(nil)

func newBridge(l *slog.Logger) *slogBridge { return &slogBridge{l: l} }

func toSlogLevel(l hclog.Level) slog.Level {
	switch l {
	case hclog.Trace:
		return slog.LevelDebug - 4
	case hclog.Debug:
		return slog.LevelDebug
	case hclog.Warn:
		return slog.LevelWarn
	case hclog.Error:
		return slog.LevelError
	}
	return slog.LevelInfo
}

func (b *slogBridge) Log(level hclog.Level, msg string, args ...any) {
	if level == hclog.Off || level == hclog.NoLevel {
		level = hclog.Info
	}
	lv := toSlogLevel(level)
	ctx := context.Background()
	if !b.l.Enabled(ctx, lv) {
		return
	}
	all := make([]any, 0, len(b.args)+len(args)+2)
	if b.name != "" {
		all = append(all, "logger", b.name)
	}
	all = append(all, b.args...)
	all = append(all, args...)
	b.l.Log(ctx, lv, msg, all...)
}

func (b *slogBridge) Trace(msg string, args ...any) { b.Log(hclog.Trace, msg, args...) }
func (b *slogBridge) Debug(msg string, args ...any) { b.Log(hclog.Debug, msg, args...) }
func (b *slogBridge) Info(msg string, args ...any)  { b.Log(hclog.Info, msg, args...) }
func (b *slogBridge) Warn(msg string, args ...any)  { b.Log(hclog.Warn, msg, args...) }
func (b *slogBridge) Error(msg string, args ...any) { b.Log(hclog.Error, msg, args...) }

func (b *slogBridge) enabled(l hclog.Level) bool {
	return b.l.Enabled(context.Background(), toSlogLevel(l))
}

func (b *slogBridge) IsTrace() bool { return b.enabled(hclog.Trace) }
func (b *slogBridge) IsDebug() bool { return b.enabled(hclog.Debug) }
func (b *slogBridge) IsInfo() bool  { return b.enabled(hclog.Info) }
func (b *slogBridge) IsWarn() bool  { return b.enabled(hclog.Warn) }
func (b *slogBridge) IsError() bool { return b.enabled(hclog.Error) }

func (b *slogBridge) ImpliedArgs() []any { return b.args }

func (b *slogBridge) With(args ...any) hclog.Logger {
	n := *b
	n.args = append(append([]any(nil), b.args...), args...)
	return &n
}

func (b *slogBridge) Name() string { return b.name }

func (b *slogBridge) Named(name string) hclog.Logger {
	n := *b
	if n.name != "" {
		n.name += "." + name
	} else {
		n.name = name
	}
	return &n
}

func (b *slogBridge) ResetNamed(name string) hclog.Logger {
	n := *b
	n.name = name
	return &n
}

// SetLevel does nothing: the level is the slog handler's.
func (b *slogBridge) SetLevel(hclog.Level) {}

func (b *slogBridge) GetLevel() hclog.Level {
	for _, l := range []hclog.Level{hclog.Trace, hclog.Debug, hclog.Info, hclog.Warn, hclog.Error} {
		if b.enabled(l) {
			return l
		}
	}
	return hclog.Off
}

func (b *slogBridge) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	return log.New(b.StandardWriter(opts), "", 0)
}

func (b *slogBridge) StandardWriter(*hclog.StandardLoggerOptions) io.Writer {
	return &lineWriter{log: func(line string) { b.Info(line) }}
}

// lineWriter calls log for each complete line written to it.
type lineWriter struct {
	mu  sync.Mutex
	buf []byte
	log func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		if line := string(bytes.TrimRight(w.buf[:i], "\r")); line != "" {
			w.log(line)
		}
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) > 64<<10 {
		w.log(string(w.buf))
		w.buf = w.buf[:0]
	}
	return len(p), nil
}
