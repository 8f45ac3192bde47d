package ingest_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"testing"

	"github.com/kesu-go/kesu/internal/ingest"
)

// drain reads r to its end: it must end, never panic, and give every row
// either a value or a *RowError with a positive line.
func drain(t *testing.T, r ingest.Reader) {
	var row ingest.Row
	for range 100000 {
		err := r.Read(&row)
		if errors.Is(err, io.EOF) {
			return
		}
		var re *ingest.RowError
		if errors.As(err, &re) {
			if re.Line < 1 {
				t.Fatalf("row error without a line: %v", re)
			}
			continue
		}
		if err != nil {
			return // input error: the reader cannot go on
		}
		if row.Line < 1 || (row.Intake == nil) == (row.Event == nil) {
			t.Fatalf("bad row: %+v", row)
		}
	}
	t.Fatal("reader does not end")
}

func FuzzJSONL(f *testing.F) {
	data, _ := os.ReadFile("testdata/history.jsonl")
	f.Add(data)
	f.Add([]byte("{}\n\n{\"type\":\"received\"}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		drain(t, ingest.NewJSONL(bytes.NewReader(data)))
		// The fast decoder and a Prefetch give what encoding/json gives.
		want, werrs := readEvery(t, ingest.NewJSONLSlow(bytes.NewReader(data)))
		fast, ferrs := readEvery(t, ingest.NewJSONL(bytes.NewReader(data)))
		p := ingest.NewPrefetch(ingest.NewJSONL(bytes.NewReader(data)))
		pre, perrs := readEvery(t, p)
		p.Close()
		if !reflect.DeepEqual(fast, want) || !reflect.DeepEqual(pre, want) {
			t.Fatalf("rows differ:\njson     %#v\nfast     %#v\nprefetch %#v", want, fast, pre)
		}
		if fmt.Sprint(werrs) != fmt.Sprint(ferrs) || fmt.Sprint(werrs) != fmt.Sprint(perrs) {
			t.Fatalf("errors differ:\njson     %v\nfast     %v\nprefetch %v", werrs, ferrs, perrs)
		}
	})
}

func FuzzCSV(f *testing.F) {
	data, _ := os.ReadFile("testdata/history.csv")
	f.Add(data)
	f.Add([]byte("工单编号,受理时间\n\"a\"b,\n"))
	m, err := ingest.LoadMapping("testdata/map.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ingest.NewCSV(bytes.NewReader(data), m)
		if err != nil {
			return
		}
		drain(t, r)
	})
}
