package ingest_test

import (
	"bytes"
	"io"
	"sync"
	"testing"

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
	perRow := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
		b.ReportMetric(0, "ns/op")
	}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			drainRows(b, ingest.NewJSONL(bytes.NewReader(data)))
		}
		perRow(b)
	})
	b.Run("baseline-encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			drainRows(b, ingest.NewJSONLSlow(bytes.NewReader(data)))
		}
		perRow(b)
	})
}
