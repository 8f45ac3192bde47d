package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"time"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/internal/ingest"
	"github.com/kesu-go/kesu/internal/policyfile"
	"github.com/kesu-go/kesu/scoring"
)

// replayOutput is a replay's result. Its JSON form is an object with the
// summary, the warnings (an array) and the KPIs; the warnings are written
// as they are read back (see writeJSON), never all in memory at once.
type replayOutput struct {
	Summary  ingest.Summary
	Warnings *ingest.WarningList
	KPIs     kpisOut
}

// warningOut is the JSON form of a warning listed (ingest.Listed).
type warningOut struct {
	ID       string   `json:"id"`
	Kind     string   `json:"kind"`
	Grade    string   `json:"grade"`
	Key      string   `json:"key"`
	RaisedAt string   `json:"raised_at"`
	Count    int      `json:"count"`
	Baseline float64  `json:"baseline"`
	Tickets  []string `json:"tickets"`
	Rule     string   `json:"rule"`
	State    string   `json:"state"`
}

type kpisOut struct {
	Dimension string            `json:"dimension"`
	Unit      string            `json:"unit"`
	Period    string            `json:"period"`
	Values    map[string]kpiOut `json:"values"`
	order     []string
}

type kpiOut struct {
	Name        string   `json:"name"`
	Value       *float64 `json:"value"` // null: no data
	Numerator   int64    `json:"numerator"`
	Denominator int64    `json:"denominator,omitempty"`
	Target      string   `json:"target,omitempty"`
	Status      string   `json:"status,omitempty"`
}

func replay(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, tty bool) int {
	fs := flag.NewFlagSet("kesu replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	policyPath := fs.String("policy", "", "the policy file (required)")
	mapPath := fs.String("map", "", "a CSV mapping file: INPUT is CSV read through it (default: INPUT is JSON Lines)")
	format := fs.String("format", "text", "output: text or json")
	strict := fs.Bool("strict", false, "stop at the first malformed, refused or unknown row")
	period := fs.String("period", "", `scorecard period: "2025", "2025-Q1", "2025-03", "2025-W10" (default: the year of the first row)`)
	scope := fs.String("scope", "", `scorecard scope: "" for everything or dimension=unit ("city=gd.gz")`)
	horizon := fs.Duration("horizon", 30*24*time.Hour, "forget open tickets idle this long (their deadline warnings end then)")
	tick := fs.Duration("tick", time.Hour, "how often (in replayed time) time-driven work runs")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile to this file at the end")
	traceOut := fs.String("trace", "", "write an execution trace to this file (go tool trace)")
	maxSkips := fs.Int("show-skips", 20, "skipped rows printed on standard error (all are counted)")
	background := fs.Bool("background", true, "warnings and scoring observe the events on a goroutine of their own (same results)")
	gcPercent := fs.Int("gc-percent", defaultGCPercent, "garbage collector target percentage (as GOGC; default unless GOGC is set)")
	memLimit := fs.Int64("mem-limit-mib", defaultMemLimitMiB, "soft memory limit in MiB, 0 for none (as GOMEMLIMIT; default unless GOMEMLIMIT is set)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *policyPath == "" || fs.NArg() != 1 || (*format != "text" && *format != "json") {
		fmt.Fprint(stderr, "usage: kesu replay --policy FILE [--map FILE] [--format text|json] [--strict] INPUT\n")
		return 2
	}
	restoreGC, limit := gcPolicy(fs, *gcPercent, *memLimit)
	defer restoreGC()
	watch := &gcWatch{limit: limit, live: liveHeap, stderr: stderr}
	pf, err := policyfile.Load(*policyPath)
	if err != nil {
		fmt.Fprintf(stderr, "kesu replay: %v\n", err)
		return 1
	}
	stack, err := ingest.NewStack(ctx, ingest.StackConfig{Policy: pf, Background: *background, ArchiveDir: os.TempDir()})
	if err != nil {
		fmt.Fprintf(stderr, "kesu replay: %v\n", err)
		return 1
	}
	defer stack.Close()
	var in io.Reader = stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "kesu replay: %v\n", err)
			return 1
		}
		defer f.Close()
		in = f
	}
	in = bufio.NewReaderSize(in, 1<<20)
	var src ingest.Reader
	if *mapPath != "" {
		m, err := ingest.LoadMapping(*mapPath)
		if err != nil {
			fmt.Fprintf(stderr, "kesu replay: %v\n", err)
			return 1
		}
		if src, err = ingest.NewCSV(in, m); err != nil {
			fmt.Fprintf(stderr, "kesu replay: %v\n", err)
			return 1
		}
	} else {
		src = ingest.NewJSONL(in)
	}
	// Reading and decoding run on a goroutine of their own, overlapping the
	// replay (which is one goroutine): the second core decodes.
	pre := ingest.NewPrefetch(src)
	defer pre.Close()
	src = pre

	for _, p := range []struct {
		path  string
		start func(io.Writer) error
		stop  func()
	}{{*cpuProfile, pprof.StartCPUProfile, pprof.StopCPUProfile}, {*traceOut, trace.Start, trace.Stop}} {
		if p.path == "" {
			continue
		}
		f, err := os.Create(p.path)
		if err == nil {
			if err = p.start(f); err != nil {
				f.Close()
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "kesu replay: %v\n", err)
			return 1
		}
		defer f.Close()
		defer p.stop()
	}
	clock := new(ingest.Clock)
	win := ingest.NewWindow(*horizon)
	ids := new(ingest.IDs)
	eng := kesu.New(stack.Configure(kesu.Config{Store: win, Now: clock.Now, NewID: ids.NewID, Logger: slog.New(slog.DiscardHandler)}))
	shown := 0
	r := &ingest.Replay{Engine: eng, Clock: clock, Window: win, Strict: *strict, Tick: *tick, NextID: ids.Next,
		AfterTick: func(ctx context.Context, _ time.Time) { stack.AfterTick(ctx, eng); watch.check() },
		Skip: func(err error) {
			if shown < *maxSkips {
				fmt.Fprintf(stderr, "kesu replay: %s: skipped: %v\n", fs.Arg(0), err)
			} else if shown == *maxSkips {
				fmt.Fprintf(stderr, "kesu replay: further skipped rows are counted, not shown (--show-skips)\n")
			}
			shown++
		}}
	if tty {
		start := time.Now()
		r.Progress = func(s ingest.Summary) {
			fmt.Fprintf(stderr, "\r%d rows (%d tickets, %d skipped) up to %s, %.0f rows/s   ", s.Rows, s.Tickets, s.Skipped(),
				s.Last.Format("2006-01-02"), float64(s.Rows)/max(time.Since(start).Seconds(), 1e-3))
		}
	}
	sum, err := r.Run(ctx, src)
	if *memProfile != "" {
		if f, ferr := os.Create(*memProfile); ferr == nil {
			runtime.GC()
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	if tty {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		fmt.Fprintf(stderr, "kesu replay: %s: %v\n", fs.Arg(0), err)
		return 1
	}
	// Write what is pending (ledger, notices) at the time of the last row.
	if !sum.Last.IsZero() {
		if err := eng.Tick(ctx, sum.Last); err != nil {
			fmt.Fprintf(stderr, "kesu replay: %v\n", err)
		}
		stack.AfterTick(ctx, eng)
	}
	out := replayOutput{Summary: sum}
	if out.Warnings, err = stack.Warnings(); err != nil {
		fmt.Fprintf(stderr, "kesu replay: %v\n", err)
		return 1
	}
	if out.KPIs, err = scorecardOut(ctx, stack.Book, *scope, *period, sum); err != nil {
		fmt.Fprintf(stderr, "kesu replay: %v\n", err)
		return 1
	}
	w := bufio.NewWriterSize(stdout, 1<<16)
	if *format == "json" {
		err = writeJSON(w, &out)
	} else {
		err = writeText(w, fs.Arg(0), &out)
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		fmt.Fprintf(stderr, "kesu replay: %v\n", err)
		return 1
	}
	return 0
}

// The replay's garbage collector policy: the heap may grow to nine times
// what is live (the live heap of a province-year replay is 100–300 MB,
// of ten million tickets in a year ≈ 480 MB) but no further than the soft
// limit, 896 MiB (940 MB): the peak resident size stays under 1 GB while
// what is live stays under the limit. A replay allocates per row, so the
// default GOGC of 100 makes it spend ≈ 20 % of its CPU collecting; at ten
// million tickets a 768 MiB limit cost 17 % more CPU than this one (see
// cmd/kesu/BENCHMARKS.md).
const (
	defaultGCPercent   = 800
	defaultMemLimitMiB = 896
)

// gcPolicy sets the garbage collector's target percentage and soft memory
// limit: each flag's value when it was given, else the default unless the
// environment (GOGC, GOMEMLIMIT) sets it. It returns a function restoring
// the previous settings, and the limit in bytes when both come from the
// defaults (0 otherwise): then the replay watches it (gcWatch).
func gcPolicy(fs *flag.FlagSet, percent int, limitMiB int64) (restore func(), defaultLimit int64) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	prevPercent, prevLimit := -2, int64(-1)
	if set["gc-percent"] || os.Getenv("GOGC") == "" {
		prevPercent = debug.SetGCPercent(percent)
	}
	if set["mem-limit-mib"] || os.Getenv("GOMEMLIMIT") == "" {
		limit := int64(math.MaxInt64)
		if limitMiB > 0 {
			limit = limitMiB << 20
		}
		prevLimit = debug.SetMemoryLimit(limit)
		if !set["gc-percent"] && !set["mem-limit-mib"] && os.Getenv("GOGC") == "" && limitMiB > 0 {
			defaultLimit = limit
		}
	}
	return func() {
		if prevPercent != -2 {
			debug.SetGCPercent(prevPercent)
		}
		if prevLimit >= 0 {
			debug.SetMemoryLimit(prevLimit)
		}
	}, defaultLimit
}

// gcWatch raises the default soft memory limit when what is live nears
// it. Under the limit the collector runs as often as it must to stay below
// it, up to half the CPU: a replay whose live heap reached the limit (a
// ticket list of a province-year, where every ticket stays open and
// overdue and its open deadline warnings alone hold ≈ 600 MB) spent 54 %
// of its CPU collecting, ran 2.3× slower, and passed the limit all the
// same. So whenever the live heap, as the last collection found it, is
// 80 % of the limit or more, the limit becomes gcHeadroom times the live
// heap: the heap stays bounded by what is live, the collector's work by
// the room it is given. The first time, it says so on standard error.
type gcWatch struct {
	limit  int64         // the limit in bytes, as set by gcPolicy's defaults; 0: nothing to watch
	live   func() uint64 // the live heap in bytes (liveHeap)
	stderr io.Writer
	raised bool
}

// gcHeadroom is the soft memory limit over the live heap once gcWatch has
// raised it.
const gcHeadroom = 1.5

// check looks at the live heap (after every replayed hour) and raises the
// limit when the heap is 80 % of it or more. It reports whether it did.
func (g *gcWatch) check() bool {
	if g.limit <= 0 {
		return false
	}
	live := g.live()
	if live < uint64(g.limit)/5*4 {
		return false
	}
	old := g.limit
	g.limit = int64(float64(live) * gcHeadroom)
	debug.SetMemoryLimit(g.limit)
	if !g.raised {
		g.raised = true
		fmt.Fprintf(g.stderr, "kesu replay: %d MiB live, near the %d MiB memory limit: the limit follows what is live from here (%.1f×; peak memory will pass %d MiB)\n",
			live>>20, old>>20, gcHeadroom, old>>20)
	}
	return true
}

// liveHeap returns the heap the last collection found live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// writeJSON writes o as the indented JSON object {"summary", "warnings",
// "kpis"}, a warning at a time.
func writeJSON(w *bufio.Writer, o *replayOutput) error {
	part := func(prefix string, v any) error {
		b, err := json.MarshalIndent(v, prefix, "  ")
		if err == nil {
			_, err = w.Write(b)
		}
		return err
	}
	w.WriteString("{\n  \"summary\": ")
	if err := part("  ", o.Summary); err != nil {
		return err
	}
	w.WriteString(",\n  \"warnings\": [")
	sep := "\n    "
	err := o.Warnings.Each(func(l *ingest.Listed) error {
		w.WriteString(sep)
		sep = ",\n    "
		return part("    ", warningOut(*l)) // the same fields, with JSON names
	})
	if err != nil {
		return err
	}
	if o.Warnings.Len() > 0 {
		w.WriteString("\n  ")
	}
	w.WriteString("],\n  \"kpis\": ")
	if err := part("  ", o.KPIs); err != nil {
		return err
	}
	_, err = w.WriteString("\n}\n")
	return err
}

func scorecardOut(ctx context.Context, book *scoring.Book, scope, period string, sum ingest.Summary) (kpisOut, error) {
	loc := book.Policy().Zone()
	dim, unit := "all", ""
	if scope != "" {
		var ok bool
		if dim, unit, ok = strings.Cut(scope, "="); !ok {
			return kpisOut{}, fmt.Errorf("--scope %q: want dimension=unit", scope)
		}
	}
	first := sum.First
	if first.IsZero() {
		first = time.Date(2025, 1, 1, 0, 0, 0, 0, loc)
	}
	p := scoring.PeriodOf(scoring.Year, first, loc)
	if period != "" {
		var err error
		if p, err = scoring.ParsePeriod(period, loc); err != nil {
			return kpisOut{}, fmt.Errorf("--period: %w", err)
		}
	}
	asOf := sum.Last
	if asOf.IsZero() || asOf.After(p.End()) {
		asOf = p.End()
	}
	sc, err := book.Scorecard(ctx, dim, unit, p, asOf)
	if err != nil {
		return kpisOut{}, err
	}
	text, _ := p.MarshalText()
	k := kpisOut{Dimension: dim, Unit: unit, Period: string(text), Values: map[string]kpiOut{}}
	for _, l := range sc.Lines {
		o := kpiOut{Name: l.Name, Numerator: l.Numerator, Denominator: l.Denominator}
		if l.Value.OK {
			v := l.Value.V
			o.Value = &v
		}
		if l.Assessment != nil {
			o.Target, o.Status = l.Assessment.Target, l.Assessment.Status.String()
		}
		k.Values[l.KPI] = o
		k.order = append(k.order, l.KPI)
	}
	return k, nil
}

func writeText(w io.Writer, input string, o *replayOutput) error {
	s := &o.Summary
	fmt.Fprintf(w, "replayed %s: %d rows from %s to %s\n", input, s.Rows, fmtDay(s.First), fmtDay(s.Last))
	fmt.Fprintf(w, "  %d tickets taken in, %d actions applied, %d decisions re-made by the policy\n", s.Tickets, s.Actions, s.Superseded)
	fmt.Fprintf(w, "  skipped %d: %d malformed, %d refused, %d on unknown tickets, %d duplicates\n", s.Skipped(), s.Malformed, s.Refused, s.Unknown, s.Duplicates)
	fmt.Fprintf(w, "  forgotten %d closed and %d idle tickets\n", s.Closed, s.Expired)
	fmt.Fprintf(w, "\nwarnings (%d):\n", o.Warnings.Len())
	err := o.Warnings.Each(func(x *ingest.Listed) error {
		_, err := fmt.Fprintf(w, "  %s  %-10s %-4s %s  count %d baseline %.2f  rule %s  %s\n", x.RaisedAt, x.Kind, x.Grade, x.Key, x.Count, x.Baseline, x.Rule, x.State)
		return err
	})
	if err != nil {
		return err
	}
	k := &o.KPIs
	scope := k.Dimension
	if k.Unit != "" {
		scope += "=" + k.Unit
	}
	fmt.Fprintf(w, "\nscorecard (%s, %s):\n", scope, k.Period)
	for _, id := range k.order {
		v := k.Values[id]
		val := "no data"
		if v.Value != nil {
			val = fmt.Sprintf("%.2f", *v.Value)
		}
		line := fmt.Sprintf("  %-28s %12s", id, val)
		if v.Target != "" {
			line += fmt.Sprintf("  target %s: %s", v.Target, v.Status)
		}
		fmt.Fprintln(w, line)
	}
	return nil
}

func fmtDay(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}
