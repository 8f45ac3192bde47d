package ingest_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/internal/ingest"
)

// samePrefetched requires a Prefetch over the reader mk makes to give the
// rows and errors the reader gives by itself.
func samePrefetched(t *testing.T, mk func() ingest.Reader) {
	t.Helper()
	want, werrs := readEvery(t, mk())
	p := ingest.NewPrefetch(mk())
	defer p.Close()
	got, gerrs := readEvery(t, p)
	require.Equal(t, len(want), len(got))
	for i := range want {
		if !reflect.DeepEqual(want[i], got[i]) {
			t.Fatalf("row %d:\nwant %#v\ngot  %#v", i, want[i], got[i])
		}
		require.Equal(t, werrs[i], gerrs[i], "row %d", i)
	}
	// The end is sticky.
	var row ingest.Row
	require.ErrorIs(t, p.Read(&row), io.EOF)
	require.ErrorIs(t, p.Read(&row), io.EOF)
}

func TestPrefetchSameRows(t *testing.T) {
	hist, err := os.ReadFile("testdata/history.jsonl")
	require.NoError(t, err)
	carrier := generated(t, "carrier", 4)
	// Malformed rows spread over several batches, and a line too long.
	var bad bytes.Buffer
	for i := range 3 * ingest.PrefetchBatch {
		switch i % 97 {
		case 3:
			bad.WriteString("not json\n")
		case 50:
			bad.WriteString("\n")
		default:
			fmt.Fprintf(&bad, `{"id":"T%d","at":"2025-03-03T09:00:00+08:00","kind":"complaint","channel":"hotline","category":"x.y","region":"gd","customer":"C1"}`+"\n", i)
		}
	}
	bad.WriteString(`{"text":"` + strings.Repeat("x", ingest.MaxLine) + `"}` + "\n")
	bad.WriteString(`{"id":"last","at":"2025-03-03T09:00:00+08:00"}`)
	m, err := ingest.LoadMapping("testdata/map.yaml")
	require.NoError(t, err)
	csvData, err := os.ReadFile("testdata/history.csv")
	require.NoError(t, err)
	for name, mk := range map[string]func() ingest.Reader{
		"history":   func() ingest.Reader { return ingest.NewJSONL(bytes.NewReader(hist)) },
		"carrier":   func() ingest.Reader { return ingest.NewJSONL(bytes.NewReader(carrier)) },
		"malformed": func() ingest.Reader { return ingest.NewJSONL(bytes.NewReader(bad.Bytes())) },
		"empty":     func() ingest.Reader { return ingest.NewJSONL(strings.NewReader("")) },
		// A reader that hands over a few bytes at a time: batches are cut
		// whenever the JSONL's buffer runs dry.
		"trickle": func() ingest.Reader { return ingest.NewJSONL(&trickle{data: carrier[:200000]}) },
		"csv": func() ingest.Reader {
			r, err := ingest.NewCSV(bytes.NewReader(csvData), m)
			require.NoError(t, err)
			return r
		},
	} {
		t.Run(name, func(t *testing.T) { samePrefetched(t, mk) })
	}
}

// trickle gives its data 100 bytes a Read.
type trickle struct{ data []byte }

func (r *trickle) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 100)], r.data)
	r.data = r.data[n:]
	return n, nil
}

// failing gives its data, then an error.
type failing struct {
	data []byte
	err  error
}

func (r *failing) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestPrefetchInputError(t *testing.T) {
	boom := errors.New("boom")
	data := generated(t, "carrier", 1)
	data = data[:bytes.LastIndexByte(data, '\n')+1]
	n := bytes.Count(data, []byte("\n"))
	p := ingest.NewPrefetch(ingest.NewJSONL(&failing{data: data, err: boom}))
	defer p.Close()
	var row ingest.Row
	for i := range n {
		require.NoError(t, p.Read(&row), "row %d", i)
		require.Equal(t, i+1, row.Line)
	}
	require.ErrorIs(t, p.Read(&row), boom)
	require.ErrorIs(t, p.Read(&row), boom, "the input's error is returned again")
}

// endless never ends: every Read waits until released (or the release
// channel is closed), then gives a row.
type endless struct {
	release chan struct{}
	n       int
}

func (b *endless) Read(row *ingest.Row) error {
	<-b.release
	b.n++
	*row = ingest.Row{Line: b.n}
	return nil
}

func TestPrefetchCloseEarly(t *testing.T) {
	before := runtime.NumGoroutine()
	data := generated(t, "carrier", 4)
	for range 3 {
		p := ingest.NewPrefetch(ingest.NewJSONL(bytes.NewReader(data)))
		var row ingest.Row
		for range 10 {
			require.NoError(t, p.Read(&row))
		}
		require.NoError(t, p.Close())
		require.NoError(t, p.Close(), "Close twice")
		require.ErrorIs(t, p.Read(&row), ingest.ErrClosed)
	}
	// Closed before any Read: nothing was started.
	p := ingest.NewPrefetch(ingest.NewJSONL(bytes.NewReader(data)))
	require.NoError(t, p.Close())
	// An endless source: Close stops the reading ahead.
	src := &endless{release: make(chan struct{})}
	p = ingest.NewPrefetch(src)
	go func() {
		for range 5 {
			src.release <- struct{}{}
		}
		close(src.release)
	}()
	var row ingest.Row
	require.NoError(t, p.Read(&row))
	require.Equal(t, 1, row.Line)
	require.NoError(t, p.Close())
	// Every goroutine is gone.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	require.LessOrEqual(t, runtime.NumGoroutine(), before)
}

// TestPrefetchReplaySame replays a generated carrier stream through the
// carrier policy's stack reading with encoding/json, with the fast
// decoder, and through a Prefetch: the summaries and the warnings are the
// same.
func TestPrefetchReplaySame(t *testing.T) {
	data := generated(t, "carrier", 3)
	s0, w0 := replayStack(t, data, "json")
	require.Positive(t, s0.Tickets)
	for _, reader := range []string{"fast", "prefetch"} {
		s, w := replayStack(t, data, reader)
		require.Equal(t, s0, s, reader)
		require.Equal(t, w0, w, reader)
	}
}

// TestPrefetchAhead checks what a replay peeks at: after each Read,
// Ahead(k) is the row the k-th next Read returns when it is in the batch
// at hand, and nil past it or for a malformed row; most rows are seen
// ahead (all but the batch's last few).
func TestPrefetchAhead(t *testing.T) {
	data := generated(t, "carrier", 2)
	lines := bytes.SplitAfter(data, []byte("\n"))
	lines[700] = []byte("not json\n") // a malformed row ahead is not shown
	p := ingest.NewPrefetch(ingest.NewJSONL(bytes.NewReader(bytes.Join(lines, nil))))
	defer p.Close()
	const depth = 3
	var rows []ingest.Row
	var errs []error
	var ahead [][depth]*ingest.Row // copies of what Ahead showed after each Read
	for {
		var row ingest.Row
		err := p.Read(&row)
		if errors.Is(err, io.EOF) {
			break
		}
		rows, errs = append(rows, row), append(errs, err)
		var a [depth]*ingest.Row
		for k := range depth {
			if r := p.Ahead(k + 1); r != nil {
				c := *r
				a[k] = &c
			}
		}
		ahead = append(ahead, a)
	}
	require.Greater(t, len(rows), 3*ingest.PrefetchBatch)
	seen := 0
	for i, a := range ahead {
		for k, r := range a {
			j := i + k + 1
			if r == nil {
				continue
			}
			seen++
			require.Less(t, j, len(rows), "row %d sees %d ahead past the end", i, k+1)
			require.NoError(t, errs[j], "row %d sees the malformed row %d", i, j)
			require.Equal(t, rows[j].Line, r.Line, "row %d, %d ahead", i, k+1)
			require.Equal(t, rows[j].Source, r.Source, "row %d, %d ahead", i, k+1)
			require.Equal(t, rows[j].At, r.At, "row %d, %d ahead", i, k+1)
		}
	}
	require.Greater(t, seen, len(rows)*depth*9/10, "rows seen ahead")
}

// TestPrefetchLivePipe reads a JSONL from a pipe written a line at a time:
// each row comes through as soon as its line is written, not when a batch
// of rows is full.
func TestPrefetchLivePipe(t *testing.T) {
	pr, pw := io.Pipe()
	p := ingest.NewPrefetch(ingest.NewJSONL(pr))
	defer p.Close()
	defer pw.Close() // first: Close waits for the read in progress
	for i := range 5 {
		go fmt.Fprintf(pw, `{"id":"T%d","at":"2025-03-03T09:00:00+08:00","kind":"complaint","channel":"hotline","category":"x.y","region":"gd","customer":"C1"}`+"\n", i)
		got := make(chan error, 1)
		var row ingest.Row
		go func() { got <- p.Read(&row) }()
		select {
		case err := <-got:
			require.NoError(t, err)
			require.Equal(t, i+1, row.Line)
			require.Equal(t, fmt.Sprint("T", i), row.Source)
		case <-time.After(10 * time.Second):
			t.Fatalf("row %d held back", i+1)
		}
	}
	require.NoError(t, pw.Close())
	var row ingest.Row
	require.ErrorIs(t, p.Read(&row), io.EOF)
}
