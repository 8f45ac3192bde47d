package ingest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/ingest"
)

// history returns n generator-shaped rows: a ticket, then an urge and a
// close attempt on it (refused: the ticket is not resolved).
func history(n int) []byte {
	var b bytes.Buffer
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	for i := range n {
		at := t0.Add(time.Duration(i) * time.Second).Format(time.RFC3339)
		fmt.Fprintf(&b, `{"at":%q,"intake":{"external_id":"G%d","kind":"complaint","channel":"hotline","category":"billing.dispute","region":"gd.gz.th","customer":"C%d","text":"话费多扣"}}`+"\n", at, i, i%5000)
		fmt.Fprintf(&b, `{"at":%q,"ticket":"G%d","event":{"type":"urged","at":"0001-01-01T00:00:00Z","text":"催单"}}`+"\n", at, i)
	}
	return b.Bytes()
}

// BenchmarkJSONLRead reads rows with the JSONL reader; the baseline
// decodes the same lines into a map with encoding/json, the least a
// JSON Lines reader must do.
func BenchmarkJSONLRead(b *testing.B) {
	data := history(1000)
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	b.Run("reader", func(b *testing.B) {
		b.ReportAllocs()
		var row ingest.Row
		for b.Loop() {
			r := ingest.NewJSONL(bytes.NewReader(data))
			for r.Read(&row) != io.EOF {
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/row")
	})
	b.Run("baseline-unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, l := range lines {
				var m map[string]any
				if err := json.Unmarshal(l, &m); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/row")
	})
}

// BenchmarkReplay replays rows through an engine with no stages on the
// Window store; the baseline takes the same tickets in and urges them
// directly on an engine over a MemStore (which keeps everything).
func BenchmarkReplay(b *testing.B) {
	const n = 2000
	data := history(n)
	b.Run("replay-window", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			clock := new(ingest.Clock)
			w := ingest.NewWindow(30 * 24 * time.Hour)
			ids := new(ingest.IDs)
			eng := kesu.New(kesu.Config{Store: w, Now: clock.Now, NewID: ids.NewID})
			r := &ingest.Replay{Engine: eng, Clock: clock, Window: w, NextID: ids.Next}
			if _, err := r.Run(b.Context(), ingest.NewJSONL(bytes.NewReader(data))); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/ticket")
	})
	b.Run("baseline-engine-memstore", func(b *testing.B) {
		b.ReportAllocs()
		t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
		for b.Loop() {
			now := t0
			eng := kesu.New(kesu.Config{Now: func() time.Time { return now }})
			for i := range n {
				now = t0.Add(time.Duration(i) * time.Second)
				t, err := eng.Intake(b.Context(), complaint.Intake{ExternalID: fmt.Sprint("G", i), Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
					Category: "billing.dispute", Region: "gd.gz.th", Customer: fmt.Sprint("C", i%5000), Text: "话费多扣"})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := eng.Apply(b.Context(), t.ID, complaint.Event{Type: complaint.EventUrged, Text: "催单"}); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/ticket")
	})
}
