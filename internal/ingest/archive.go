package ingest

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
)

// Listed is what a replay lists of a warning: its id, kind, grade, key and
// raise time (RFC 3339), the member count, baseline, tickets and rule of
// its latest evidence, and its state ("archived" once it is over and only
// the Stack remembers it).
type Listed struct {
	ID       string
	Kind     string
	Grade    string
	Key      string
	RaisedAt string
	Count    int
	Baseline float64
	Tickets  []string
	Rule     string
	State    string
}

// stateArchived is the State of a warning the ledger no longer holds.
const stateArchived = "archived"

// archive keeps the warnings that are over (resolved) until the run's
// end, encoded and in sorted runs: in memory, or in a temporary file when
// it has a directory, so that a replay's memory does not grow with the
// warnings it raised. Each record carries the warning's first-notified
// ordinal; a run is sorted by (raise time, ordinal) and the runs are merged
// in that order when listed.
type archive struct {
	dir  string   // "" keeps the runs in memory
	f    *os.File // the runs, once one was written
	size int64    // bytes written to f

	runBytes int // a run's size in encoded bytes (0: arcRunBytes)

	runs []arcRun
	buf  []byte   // the current run's records
	refs []arcRef // the current run's records, in buf order
	err  error    // the first write error: kept, reported by list
}

// arcRun is a sorted run: in f at [off, off+n), or in data.
type arcRun struct {
	off, n int64
	data   []byte
}

// arcRef is a record in archive.buf: where it starts and ends (its sort
// key, the raise time and ordinal, leads its body: keyOf).
type arcRef struct {
	off, end int32
}

// arcRunBytes is how many encoded bytes a run holds before it is sorted
// and written out: about 40,000 warnings.
const arcRunBytes = 4 << 20

// add archives l, first notified as the ord-th warning of the run.
func (a *archive) add(l *Listed, ord int) {
	off := len(a.buf)
	a.buf = appendRecord(a.buf, l, ord)
	a.refs = append(a.refs, arcRef{int32(off), int32(len(a.buf))})
	if len(a.buf) >= cmp.Or(a.runBytes, arcRunBytes) {
		a.flush()
	}
}

// flush sorts the current run and keeps it (in the file, or in memory).
func (a *archive) flush() {
	if len(a.refs) == 0 {
		return
	}
	buf := a.buf
	slices.SortFunc(a.refs, func(x, y arcRef) int {
		return compareKeys(buf[x.off:x.end], buf[y.off:y.end])
	})
	out := make([]byte, 0, len(buf))
	for _, r := range a.refs {
		out = append(out, buf[r.off:r.end]...)
	}
	a.buf, a.refs = a.buf[:0], a.refs[:0]
	if a.dir == "" {
		a.runs = append(a.runs, arcRun{n: int64(len(out)), data: out})
		return
	}
	if a.err != nil {
		return
	}
	if a.f == nil {
		if a.f, a.err = os.CreateTemp(a.dir, "kesu-warnings-*"); a.err != nil {
			return
		}
		// The file is ours alone: gone from the directory at once (on
		// Unix), closed and removed by close.
		_ = os.Remove(a.f.Name())
	}
	if _, err := a.f.WriteAt(out, a.size); err != nil {
		a.err = fmt.Errorf("archiving warnings: %w", err)
		return
	}
	a.runs = append(a.runs, arcRun{off: a.size, n: int64(len(out))})
	a.size += int64(len(out))
}

// close releases the file.
func (a *archive) close() error {
	if a.f == nil {
		return nil
	}
	err := a.f.Close()
	_ = os.Remove(a.f.Name())
	a.f = nil
	return err
}

// each calls fn with every archived record in (raise time, ordinal) order,
// until fn returns false. The Listed passed is reused between calls.
func (a *archive) each(fn func(l *Listed, ord int) bool) error {
	a.flush()
	if a.err != nil {
		return a.err
	}
	h := make(arcHeap, 0, len(a.runs))
	for _, r := range a.runs {
		var src io.Reader
		if r.data != nil {
			src = bytes.NewReader(r.data)
		} else {
			src = io.NewSectionReader(a.f, r.off, r.n)
		}
		c := &arcCursor{r: bufio.NewReaderSize(src, 64<<10)}
		ok, err := c.next()
		if err != nil {
			return err
		}
		if ok {
			h = append(h, c)
		}
	}
	heap.Init(&h)
	var l Listed
	for len(h) > 0 {
		c := h[0]
		ord, err := decodeRecord(c.rec, &l)
		if err != nil {
			return err
		}
		if !fn(&l, ord) {
			return nil
		}
		ok, err := c.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return nil
}

// arcCursor reads a run's records one at a time.
type arcCursor struct {
	r      *bufio.Reader
	rec    []byte // the current record's body
	raised []byte // its raise time (in rec)
	ord    uint64 // its ordinal
}

// next reads the next record; false at the run's end.
func (c *arcCursor) next() (bool, error) {
	n, err := binary.ReadUvarint(c.r)
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading archived warnings: %w", err)
	}
	if n > math.MaxInt32 {
		return false, errors.New("reading archived warnings: record too long")
	}
	c.rec = slices.Grow(c.rec[:0], int(n))[:n]
	if _, err := io.ReadFull(c.r, c.rec); err != nil {
		return false, fmt.Errorf("reading archived warnings: %w", err)
	}
	d := recDecoder{b: c.rec}
	if k := d.uvarint(); d.err == nil && k <= uint64(len(d.b)) {
		c.raised = d.b[:k]
		d.b = d.b[k:]
		if c.ord = d.uvarint(); d.err == nil {
			return true, nil
		}
	}
	return false, errBadRecord
}

// arcHeap is a min-heap of run cursors by their current record's key.
type arcHeap []*arcCursor

func (h arcHeap) Len() int { return len(h) }
func (h arcHeap) Less(i, j int) bool {
	return compareKey(h[i].raised, h[i].ord, h[j].raised, h[j].ord) < 0
}
func (h arcHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *arcHeap) Push(x any)   { *h = append(*h, x.(*arcCursor)) }
func (h *arcHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// A record is its body's length (uvarint) and its body: the raise time
// (length-prefixed), the ordinal, then the other fields of Listed but the
// state; strings length-prefixed, the count a varint, the baseline the
// float's 8 bytes.

func appendRecord(dst []byte, l *Listed, ord int) []byte {
	var body [binary.MaxVarintLen64]byte
	start := len(dst)
	dst = append(dst, body[:]...) // room for the length, moved below
	b := len(dst)
	dst = appendStr(dst, l.RaisedAt)
	dst = binary.AppendUvarint(dst, uint64(ord))
	for _, s := range [...]string{l.ID, l.Kind, l.Grade, l.Key, l.Rule} {
		dst = appendStr(dst, s)
	}
	dst = binary.AppendVarint(dst, int64(l.Count))
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(l.Baseline))
	dst = binary.AppendUvarint(dst, uint64(len(l.Tickets)))
	for _, t := range l.Tickets {
		dst = appendStr(dst, t)
	}
	n := binary.PutUvarint(body[:], uint64(len(dst)-b))
	copy(dst[start:], body[:n])
	return append(dst[:start+n], dst[b:]...)
}

func appendStr(dst []byte, s string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

// compareKeys compares two whole records (length prefix and body, as
// appendRecord wrote them) by key.
func compareKeys(x, y []byte) int {
	xr, xo := keyOf(x)
	yr, yo := keyOf(y)
	return compareKey(xr, xo, yr, yo)
}

// compareKey orders records by raise time, then ordinal.
func compareKey(xr []byte, xo uint64, yr []byte, yo uint64) int {
	if c := bytes.Compare(xr, yr); c != 0 {
		return c
	}
	switch {
	case xo < yo:
		return -1
	case xo > yo:
		return 1
	}
	return 0
}

// keyOf returns the raise time and ordinal of a record appendRecord wrote.
func keyOf(rec []byte) ([]byte, uint64) {
	_, k := binary.Uvarint(rec) // the body's length
	n, j := binary.Uvarint(rec[k:])
	k += j
	raised := rec[k : k+int(n)]
	ord, _ := binary.Uvarint(rec[k+int(n):])
	return raised, ord
}

// decodeRecord decodes a record body into l (State "archived") and returns
// its ordinal.
func decodeRecord(body []byte, l *Listed) (int, error) {
	d := recDecoder{b: body}
	l.RaisedAt = d.str()
	ord := int(d.uvarint())
	l.ID, l.Kind, l.Grade, l.Key, l.Rule = d.str(), d.str(), d.str(), d.str(), d.str()
	l.Count = int(d.varint())
	l.Baseline = math.Float64frombits(d.uint64())
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) {
		d.err = errBadRecord
	}
	l.Tickets = make([]string, 0, min(n, uint64(len(d.b))))
	for range n {
		if d.err != nil {
			break
		}
		l.Tickets = append(l.Tickets, d.str())
	}
	l.State = stateArchived
	if d.err == nil && len(d.b) != 0 {
		d.err = errBadRecord
	}
	return ord, d.err
}

var errBadRecord = errors.New("reading archived warnings: malformed record")

// recDecoder reads a record body's fields, remembering the first error.
type recDecoder struct {
	b   []byte
	err error
}

func (d *recDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errBadRecord
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *recDecoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errBadRecord
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *recDecoder) uint64() uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.err = errBadRecord
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *recDecoder) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.err = errBadRecord
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
