package ingest_test

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/kesu-go/kesu/internal/ingest"
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
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/rows, "cpu-ns/row")
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
		cpu0 := cpuTime()
		for b.Loop() {
			drainRows(b, ingest.NewJSONL(bytes.NewReader(data)))
		}
		perRow(b, n, cpu0)
	})
	b.Run("baseline-encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		cpu0 := cpuTime()
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
			cpu0 := cpuTime()
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
			cpu0 := cpuTime()
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
				cpu0 := cpuTime()
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
