package ingest_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/internal/ingest"
	"github.com/kesu-go/kesu/internal/policyfile"
	"github.com/kesu-go/kesu/scenario"
)

var (
	streamOnce sync.Once
	streamData []byte
	streamRows int
)

// carrierStream returns a generated carrier stream like /tmp/s40.jsonl
// (`kesu gen --profile carrier --per-day 2740`), 4 days of it (≈ 95,000
// rows), and its row count.
func carrierStream(b testing.TB) ([]byte, int) {
	streamOnce.Do(func() {
		s, err := scenario.Generate(scenario.GenConfig{Profile: "carrier", Seed: 1, PerDay: 2740, Days: 4, Warmup: 1, Incidents: 2})
		if err != nil {
			panic(err)
		}
		var buf bytes.Buffer
		if err := s.WriteJSONL(&buf); err != nil {
			panic(err)
		}
		streamData = buf.Bytes()
		streamRows = bytes.Count(streamData, []byte("\n"))
	})
	return streamData, streamRows
}

// perRow reports the wall and CPU time (all threads, GC included) per row
// of the n rows read each time round b's loop.
func perRow(b *testing.B, n int, cpu0 time.Duration) {
	rows := float64(b.N * n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/rows, "ns/row")
	b.ReportMetric(float64((ingest.ProcCPU()-cpu0).Nanoseconds())/rows, "cpu-ns/row")
	b.ReportMetric(0, "ns/op")
}

func drainRows(b *testing.B, r ingest.Reader) {
	var row ingest.Row
	for {
		err := r.Read(&row)
		if err == io.EOF {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode reads a generated carrier stream row by row on one
// goroutine: the fast decoder against the encoding/json path it falls back
// to (the reader before the fast decoder).
func BenchmarkDecode(b *testing.B) {
	data, n := carrierStream(b)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		cpu0 := ingest.ProcCPU()
		for b.Loop() {
			drainRows(b, ingest.NewJSONL(bytes.NewReader(data)))
		}
		perRow(b, n, cpu0)
	})
	b.Run("baseline-encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		cpu0 := ingest.ProcCPU()
		for b.Loop() {
			drainRows(b, ingest.NewJSONLSlow(bytes.NewReader(data)))
		}
		perRow(b, n, cpu0)
	})
}

var spinSink uint64

// spin stands for the replay's work on a row: k rounds of xorshift.
func spin(k int) {
	x := spinSink | 1
	for range k {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	spinSink = x
}

// BenchmarkPrefetch reads the generated carrier stream with a consumer that
// does some work on every row (spin: none, or ≈ 1 µs): the rows read
// directly (decoding and work in turn on one goroutine), through a
// Prefetch (decoding on another goroutine), and the work alone (the
// floor a fully overlapped reader reaches when the work is the longer).
func BenchmarkPrefetch(b *testing.B) {
	data, n := carrierStream(b)
	for _, work := range []int{0, 400} {
		b.Run(fmt.Sprintf("direct/spin=%d", work), func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := ingest.ProcCPU()
			for b.Loop() {
				r := ingest.NewJSONL(bytes.NewReader(data))
				var row ingest.Row
				for r.Read(&row) != io.EOF {
					spin(work)
				}
			}
			perRow(b, n, cpu0)
		})
		b.Run(fmt.Sprintf("prefetch/spin=%d", work), func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := ingest.ProcCPU()
			for b.Loop() {
				p := ingest.NewPrefetch(ingest.NewJSONL(bytes.NewReader(data)))
				var row ingest.Row
				for p.Read(&row) != io.EOF {
					spin(work)
				}
				p.Close()
			}
			perRow(b, n, cpu0)
		})
		if work > 0 {
			b.Run(fmt.Sprintf("baseline-work-only/spin=%d", work), func(b *testing.B) {
				cpu0 := ingest.ProcCPU()
				for b.Loop() {
					for range n {
						spin(work)
					}
				}
				perRow(b, n, cpu0)
			})
		}
	}
}

// BenchmarkCSVRead reads tickets from CSV through testdata/map.yaml (value
// translations, a default, a zone); the baseline is encoding/csv alone.
func BenchmarkCSVRead(b *testing.B) {
	const n = 20000
	var buf bytes.Buffer
	buf.WriteString("工单编号,受理时间,类型,业务分类,区域,客户,SP代码,内容\n")
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	for i := range n {
		fmt.Fprintf(&buf, "W%d,%s,投诉,%s,gd.c%02d.d01,C%07d,SP%02d,\"莫名扣费, 没有订购\"\n", i, t0.Add(time.Duration(i)*time.Minute).Format("2006-01-02 15:04:05"),
			[]string{"不知情定制", "话费争议"}[i%2], i%21, i*7919%2000000, i%30)
	}
	data := buf.Bytes()
	m, err := ingest.LoadMapping("testdata/map.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("reader", func(b *testing.B) {
		b.ReportAllocs()
		cpu0 := ingest.ProcCPU()
		for b.Loop() {
			r, err := ingest.NewCSV(bytes.NewReader(data), m)
			if err != nil {
				b.Fatal(err)
			}
			drainRows(b, r)
		}
		perRow(b, n, cpu0)
	})
	b.Run("baseline-encoding-csv", func(b *testing.B) {
		b.ReportAllocs()
		cpu0 := ingest.ProcCPU()
		for b.Loop() {
			r := csv.NewReader(bytes.NewReader(data))
			r.ReuseRecord = true
			for {
				if _, err := r.Read(); err == io.EOF {
					break
				}
			}
		}
		perRow(b, n, cpu0)
	})
}

// replayStack replays data through the carrier policy's stack as `kesu
// replay` does, reading it with src, and returns the summary and the
// warnings it lists. The reader is "json" (the JSONL reader with
// encoding/json only, as before the fast decoder), "fast" (the JSONL
// reader) or "prefetch" (the JSONL reader through a Prefetch).
func replayStack(tb testing.TB, data []byte, reader string) (ingest.Summary, []ingest.Listed) {
	var src ingest.Reader = ingest.NewJSONL(bytes.NewReader(data))
	switch reader {
	case "json":
		src = ingest.NewJSONLSlow(bytes.NewReader(data))
	case "prefetch":
		p := ingest.NewPrefetch(src)
		defer p.Close()
		src = p
	}
	sum, stack := replayThrough(tb, ingest.StackConfig{}, nil, src)
	defer stack.Close()
	return sum, listWarnings(tb, stack)
}

// replayThrough replays src through a stack made from cfg with the carrier
// policy, as `kesu replay` does (prepare, when set, sees the stack first),
// and returns the summary and the stack, ticked at the last row.
func replayThrough(tb testing.TB, cfg ingest.StackConfig, prepare func(*ingest.Stack), src ingest.Reader) (ingest.Summary, *ingest.Stack) {
	ctx := context.Background()
	pf, err := policyfile.Load("../../examples/policy/carrier.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Policy = pf
	stack, err := ingest.NewStack(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if prepare != nil {
		prepare(stack)
	}
	r := stackReplay(stack, 30*24*time.Hour)
	eng := r.Engine
	sum, err := r.Run(ctx, src)
	if err != nil {
		tb.Fatal(err)
	}
	if !sum.Last.IsZero() {
		if err := eng.Tick(ctx, sum.Last); err != nil {
			tb.Fatal(err)
		}
		stack.AfterTick(ctx, eng)
	}
	return sum, stack
}

// stackReplay returns a replay, as `kesu replay` wires it, through an
// engine configured by stack over a window of that horizon.
func stackReplay(stack *ingest.Stack, horizon time.Duration) *ingest.Replay {
	clock := new(ingest.Clock)
	win := ingest.NewWindow(horizon)
	ids := new(ingest.IDs)
	eng := kesu.New(stack.Configure(kesu.Config{Store: win, Now: clock.Now, NewID: ids.NewID, Logger: slog.New(slog.DiscardHandler)}))
	return &ingest.Replay{Engine: eng, Clock: clock, Window: win, NextID: ids.Next,
		AfterTick: func(ctx context.Context, _ time.Time) { stack.AfterTick(ctx, eng) }}
}

// listWarnings returns every warning stack.Warnings lists.
func listWarnings(tb testing.TB, stack *ingest.Stack) []ingest.Listed {
	wl, err := stack.Warnings()
	if err != nil {
		tb.Fatal(err)
	}
	var out []ingest.Listed
	if err := wl.Each(func(l *ingest.Listed) error { out = append(out, *l); return nil }); err != nil {
		tb.Fatal(err)
	}
	if len(out) != wl.Len() {
		tb.Fatalf("Len %d, listed %d", wl.Len(), len(out))
	}
	return out
}

// BenchmarkReplayPrefetch replays the generated carrier stream through the
// carrier policy's whole stack (as `kesu replay` does), reading rows with
// the fast decoder directly or through a Prefetch; the baseline reads them
// with encoding/json, directly (the reader before this work).
func BenchmarkReplayPrefetch(b *testing.B) {
	data, n := carrierStream(b)
	for _, reader := range []string{"fast", "prefetch", "json"} {
		name := map[string]string{"fast": "direct", "prefetch": "prefetch", "json": "baseline-encoding-json"}[reader]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := ingest.ProcCPU()
			for b.Loop() {
				replayStack(b, data, reader)
			}
			perRow(b, n, cpu0)
		})
	}
}
