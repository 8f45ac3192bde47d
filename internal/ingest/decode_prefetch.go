package ingest

import (
	"errors"

	"github.com/kesu-go/kesu/complaint"
)

// PrefetchBatch is how many rows a Prefetch reads ahead in one batch;
// PrefetchDepth how many batches it holds at most (read ahead, being read,
// or free): 8,192 rows, ≈ 9 MB. In a replay the engine's time-driven work
// (every replayed hour: deadline alarms, sweeps, look-backs) runs on the
// replay's goroutine alone, some milliseconds each time, while the other
// core has nothing to do but read ahead; 4 batches (1,024 rows, ≈ 0.6 ms of
// decoding) left it idle, and the replay then waited for rows 20 % of its
// time (the execution trace's blocking profile of the dense stream's first
// 5 M rows: 2.9 s in Read; with 32 batches none).
const (
	PrefetchBatch = 256
	PrefetchDepth = 32
)

// ErrClosed is returned by Prefetch.Read after Close.
var ErrClosed = errors.New("ingest: reader closed")

// Prefetch reads rows from another Reader on a goroutine of its own, in
// batches of PrefetchBatch rows, so that reading and decoding the input
// overlaps with what the caller does with the rows (a replay uses one
// goroutine; decoding takes the other core). It gives exactly the rows and
// errors the source gives, in order, with their lines: a *RowError is
// returned for its row and reading goes on; io.EOF or an input error ends
// the stream and is returned again by every later Read.
//
// The goroutine starts at the first Read and ends at the end of the input
// or at Close; a caller that stops before io.EOF must call Close (which
// waits for a Read in progress on the source to return). Rows wait for a
// batch to fill unless the source would block on its input (a JSONL whose
// buffer is empty): then the rows read so far are handed over at once.
// After Close the source is no longer read.
//
// Read and Close are not safe for concurrent use; the row's pointers
// (Intake, Event, and the event's payloads) are valid until the next Read,
// as for any Reader. The batches are recycled, and a JSONL source decodes
// its events' payloads straight into them: a steady stream allocates
// nothing here.
type Prefetch struct {
	src     Reader
	full    chan *batch
	free    chan *batch
	stop    chan struct{}
	done    chan struct{}
	started bool
	closed  bool
	cur     *batch
	next    int
	end     error // io.EOF or the input's error, once returned
}

type batch struct {
	rows [PrefetchBatch]prefetched
	n    int
}

// prefetched is a row as read, with its own copy of the intake and event
// the source keeps only until its next Read.
type prefetched struct {
	row     Row
	touched bool // the source filled row
	in      complaint.Intake
	ev      complaint.Event
	pay     eventPayloads // the event's payloads, read straight into it from a JSONL
	err     error
}

// NewPrefetch returns a Prefetch reading src. src must not be read by
// anything else until Close.
func NewPrefetch(src Reader) *Prefetch {
	p := &Prefetch{src: src, full: make(chan *batch, PrefetchDepth), free: make(chan *batch, PrefetchDepth),
		stop: make(chan struct{}), done: make(chan struct{})}
	for range PrefetchDepth {
		p.free <- new(batch)
	}
	return p
}

// Read implements Reader.
func (p *Prefetch) Read(row *Row) error {
	if p.closed {
		return ErrClosed
	}
	if !p.started {
		p.started = true
		go p.run()
	}
	for p.cur == nil || p.next >= p.cur.n {
		if p.end != nil {
			return p.end
		}
		if p.cur != nil {
			p.free <- p.cur // never blocks: there are PrefetchDepth batches
			p.cur = nil
		}
		p.cur, p.next = <-p.full, 0 // the stream ends with an error: never waits in vain
	}
	s := &p.cur.rows[p.next]
	p.next++
	if s.touched {
		*row = s.row
	}
	if s.err != nil && !isRowError(s.err) {
		p.end = s.err
	}
	return s.err
}

// ahead returns the row k places after the one Read returned last (k ≥
// 1), or nil when it is not in the batch at hand or is not a row (an
// error). The replay reads it to prefetch what that row will look up; it
// is valid until the Read that returns it.
func (p *Prefetch) ahead(k int) *Row {
	if p.cur == nil {
		return nil
	}
	j := p.next - 1 + k
	if j >= p.cur.n {
		return nil
	}
	s := &p.cur.rows[j]
	if !s.touched || s.err != nil {
		return nil
	}
	return &s.row
}

// Close stops reading the source and waits for the goroutine to end. It
// returns nil; later Reads return ErrClosed.
func (p *Prefetch) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	if p.started {
		close(p.stop)
		<-p.done
	}
	p.cur = nil
	return nil
}

// untouched is what a slot's row holds before the source reads into it: a
// source that leaves the row alone (at io.EOF, say) leaves the caller's
// row alone too.
var untouched = Row{Line: -1}

// run fills batches until the input ends or Close.
func (p *Prefetch) run() {
	defer close(p.done)
	buffered, _ := p.src.(interface{ buffered() int })
	jsonl, _ := p.src.(*JSONL)
	if jsonl != nil {
		// The JSONL decodes straight into the batch slots.
		in, ev, pay := jsonl.in, jsonl.ev, jsonl.pay
		defer func() { jsonl.in, jsonl.ev, jsonl.pay = in, ev, pay }()
	}
	for {
		var b *batch
		select {
		case b = <-p.free:
		case <-p.stop:
			return
		}
		b.n = 0
		last := false
		for b.n < len(b.rows) {
			if b.n > 0 && buffered != nil && buffered.buffered() == 0 {
				break // the next Read may wait for input: hand over what is read
			}
			s := &b.rows[b.n]
			if jsonl != nil {
				jsonl.in, jsonl.ev, jsonl.pay = &s.in, &s.ev, &s.pay
			}
			s.row = untouched
			s.err = p.src.Read(&s.row)
			s.touched = s.row != untouched
			if s.row.Intake != nil && s.row.Intake != &s.in {
				s.in = *s.row.Intake
				s.row.Intake = &s.in
			}
			if s.row.Event != nil && s.row.Event != &s.ev {
				s.ev = *s.row.Event
				s.row.Event = &s.ev
			}
			b.n++
			if s.err != nil && !isRowError(s.err) {
				last = true
				break
			}
		}
		select {
		case p.full <- b:
		case <-p.stop:
			return
		}
		if last {
			return
		}
	}
}

func isRowError(err error) bool {
	var re *RowError
	return errors.As(err, &re)
}

// buffered returns how many bytes the JSONL has read and not parsed:
// none means the next Read may wait on the input.
func (j *JSONL) buffered() int { return j.r.Buffered() }

var _ Reader = (*Prefetch)(nil)
