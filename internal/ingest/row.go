package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/kesu-go/kesu/complaint"
)

// Row is one record of a history: a new ticket (Intake set) or an action on
// a ticket taken in earlier (Event set). Source is the ticket's id in the
// source system; replay gives it to the engine as the external id.
type Row struct {
	// Line is the line of the row in its input (1-based).
	Line   int
	At     time.Time
	Source string
	Intake *complaint.Intake
	Event  *complaint.Event
}

// Reader reads the rows of a history one at a time. Read fills row and
// returns nil, io.EOF at the end, a *RowError for a malformed row (the
// reader can go on with the next row), or another error when the input
// itself fails (it cannot). The row's pointers, and what its intake and
// event point to (a JSONL reuses the payloads' room), are valid until the
// next Read: copy what you keep.
type Reader interface {
	Read(row *Row) error
}

// RowError is a malformed row: its line, the field at fault (empty for the
// row as a whole) and why.
type RowError struct {
	Line  int
	Field string
	Msg   string
}

// Error formats the problem as "line N: field: message".
func (e *RowError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Msg)
}

// MaxLine is the longest JSON Lines row accepted, in bytes; a longer one is
// a malformed row.
const MaxLine = 1 << 20

// JSONL reads a history in JSON Lines: one JSON object a line, in one of
// three shapes: an event as the store keeps it (complaint.Event: "ticket",
// "type", "at", and the payload, e.g. "intake" for a received event); an
// item as `kesu gen` writes it ({"at", "intake"} for a new ticket,
// {"at", "ticket", "event"} for an action); or a flat ticket ("id", "at",
// "kind", "channel", "category", "region", "customer", "subscriber",
// "product", "partner", "billing_code", "text", "repeat_of"). Blank lines
// are skipped. A hand-written decoder reads the rows (interning the codes
// that repeat; about one allocation a row) and leaves any line it cannot
// read exactly as encoding/json would to encoding/json, so rows and
// errors are encoding/json's. Wrap it in a Prefetch to decode on another
// goroutine. Build one with NewJSONL; it is not safe for concurrent use.
type JSONL struct {
	r    *bufio.Reader
	line int
	buf  []byte
	l    jsonLine
	in   *complaint.Intake // where rows' intakes, events and the events'
	ev   *complaint.Event  // payloads go (Prefetch points them at its
	pay  *eventPayloads    // batch slots)
	dec  *decoder
	slow bool // tests: encoding/json only
}

// NewJSONL returns a JSONL reading r.
func NewJSONL(r io.Reader) *JSONL {
	return &JSONL{r: bufio.NewReaderSize(r, 64<<10), dec: newDecoder(), in: new(complaint.Intake), ev: new(complaint.Event),
		pay: new(eventPayloads)}
}

// jsonLine is the union of the two row shapes.
type jsonLine struct {
	complaint.Event
	ID          string            `json:"id"`
	ExternalID  string            `json:"external_id"`
	Kind        complaint.Kind    `json:"kind"`
	Channel     complaint.Channel `json:"channel"`
	Category    string            `json:"category"`
	Region      string            `json:"region"`
	Customer    string            `json:"customer"`
	Subscriber  string            `json:"subscriber"`
	Product     string            `json:"product"`
	Partner     string            `json:"partner"`
	BillingCode string            `json:"billing_code"`
	RepeatOf    string            `json:"repeat_of"`
	ReceivedAt  time.Time         `json:"received_at"`
	// The generator's shape (scenario.Item): at, intake or ticket + event.
	ItemEvent *complaint.Event `json:"event"`
	Incident  string           `json:"incident"`
}

// Read implements Reader.
func (j *JSONL) Read(row *Row) error {
	for {
		line, err := j.readLine()
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		return j.parse(line, row)
	}
}

// readLine returns the next line without its end, or a *RowError for a line
// longer than MaxLine (which it skips).
func (j *JSONL) readLine() ([]byte, error) {
	j.buf = j.buf[:0]
	tooLong := false
	for first := true; ; first = false {
		chunk, err := j.r.ReadSlice('\n')
		if first && err == nil {
			// The whole line is in the buffer: use it there (valid
			// until the next read, after the row is parsed).
			j.line++
			return trimEOL(chunk), nil
		}
		if !tooLong {
			if len(j.buf)+len(chunk) > MaxLine+1 {
				tooLong = true
			} else {
				j.buf = append(j.buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("ingest: line %d: %w", j.line+1, err)
		}
		if err != nil && len(j.buf) == 0 && !tooLong {
			return nil, io.EOF
		}
		j.line++
		if tooLong {
			return nil, &RowError{Line: j.line, Msg: fmt.Sprintf("longer than %d bytes", MaxLine)}
		}
		return trimEOL(j.buf), nil
	}
}

// trimEOL drops the line's end: every trailing '\r' and '\n'.
func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// parse reads line into row: with the fast decoder when it can, else
// (and for every malformed line) with encoding/json, which gives the
// same row or the error it always gave.
func (j *JSONL) parse(line []byte, row *Row) error {
	j.dec.pay = j.pay
	if j.slow || !j.dec.decode(line, &j.l) {
		j.l = jsonLine{}
		if err := json.Unmarshal(line, &j.l); err != nil {
			return &RowError{Line: j.line, Msg: jsonMsg(err)}
		}
	}
	l := &j.l
	*row = Row{Line: j.line}
	if l.Type != "" {
		return j.event(row)
	}
	if l.ItemEvent != nil || l.Event.Intake != nil {
		return j.item(row)
	}
	// A flat ticket.
	if l.At.IsZero() {
		return &RowError{Line: j.line, Field: "at", Msg: "required (RFC 3339 time of the contact)"}
	}
	ext := l.ExternalID
	if ext == "" {
		ext = l.ID
	}
	*j.in = complaint.Intake{ExternalID: ext, Kind: l.Kind, Channel: l.Channel, Category: l.Category, Region: l.Region,
		Customer: l.Customer, Subscriber: l.Subscriber, Product: l.Product, Partner: l.Partner,
		BillingCode: l.BillingCode, Text: l.Text, RepeatOf: l.RepeatOf, ReceivedAt: l.ReceivedAt}
	row.At, row.Source, row.Intake = l.At, ext, j.in
	return checkIntake(row)
}

// item reads the generator's shape: {"at", "intake"} for a new ticket or
// {"at", "ticket", "event"} for an action on one.
func (j *JSONL) item(row *Row) error {
	l := &j.l
	if l.At.IsZero() {
		return &RowError{Line: j.line, Field: "at", Msg: "required"}
	}
	row.At = l.At
	if l.ItemEvent == nil {
		*j.in = *l.Event.Intake
		if j.in.ExternalID == "" {
			return &RowError{Line: j.line, Field: "intake.external_id", Msg: "required: later rows name the ticket by it"}
		}
		row.Source, row.Intake = j.in.ExternalID, j.in
		return checkIntake(row)
	}
	*j.ev = *l.ItemEvent
	if l.Event.Ticket == "" {
		return &RowError{Line: j.line, Field: "ticket", Msg: "required"}
	}
	if !j.ev.Type.Valid() {
		return &RowError{Line: j.line, Field: "event.type", Msg: fmt.Sprintf("unknown event type %q", j.ev.Type)}
	}
	j.ev.Ticket, j.ev.Pos = l.Event.Ticket, 0
	if j.ev.At.IsZero() {
		j.ev.At = l.At
	}
	row.Source, row.Event = l.Event.Ticket, j.ev
	if err := complaint.ValidateEvent(row.Event); err != nil {
		return fieldError(j.line, "", err)
	}
	return nil
}

func (j *JSONL) event(row *Row) error {
	l := &j.l
	if !l.Type.Valid() {
		return &RowError{Line: j.line, Field: "type", Msg: fmt.Sprintf("unknown event type %q", l.Type)}
	}
	if l.Event.Ticket == "" {
		return &RowError{Line: j.line, Field: "ticket", Msg: "required"}
	}
	if l.At.IsZero() {
		return &RowError{Line: j.line, Field: "at", Msg: "required"}
	}
	row.At, row.Source = l.At, l.Event.Ticket
	if l.Type == complaint.EventReceived {
		if l.Event.Intake == nil {
			return &RowError{Line: j.line, Field: "intake", Msg: "required for a received event"}
		}
		*j.in = *l.Event.Intake
		if j.in.ExternalID == "" {
			j.in.ExternalID = l.Event.Ticket
		}
		row.Source = j.in.ExternalID
		row.Intake = j.in
		return checkIntake(row)
	}
	*j.ev = l.Event
	j.ev.Pos = 0
	if j.ev.Intake != nil {
		// The fast decoder's intake is its scratch: the row gets its own.
		in := *j.ev.Intake
		j.ev.Intake = &in
	}
	row.Event = j.ev
	if err := complaint.ValidateEvent(row.Event); err != nil {
		return fieldError(j.line, "", err)
	}
	return nil
}

// checkIntake validates an intake row as the engine would.
func checkIntake(row *Row) error {
	if err := complaint.ValidateIntake(row.Intake, nil, nil); err != nil {
		return fieldError(row.Line, "intake.", err)
	}
	return nil
}

// fieldError turns a *complaint.ValidationError into a *RowError naming its
// first field (and how many more there are).
func fieldError(line int, trim string, err error) error {
	var ve *complaint.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) == 0 {
		return &RowError{Line: line, Msg: err.Error()}
	}
	f := ve.Fields[0]
	msg := f.Message
	if n := len(ve.Fields) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more)", n)
	}
	field := f.Path
	if len(field) > len(trim) && field[:len(trim)] == trim {
		field = field[len(trim):]
	}
	return &RowError{Line: line, Field: field, Msg: msg}
}

func jsonMsg(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("not JSON: %v (at byte %d)", se, se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %s: want %s, got %s", te.Field, te.Type, te.Value)
	}
	return err.Error()
}
