package ingest

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math"
	"math/bits"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/kesu-go/kesu/complaint"
)

// decoder is the JSON Lines fast path: a small strict scanner for the row
// shapes JSONL reads, filling a jsonLine exactly as encoding/json would.
// It accepts only what it can decode exactly as encoding/json does: objects
// with the known keys spelled exactly (each at most once), strings without
// escapes or control characters in valid UTF-8, integers without fraction
// or exponent, true, false, null, and RFC 3339 times. On anything else
// decode reports false and the caller falls back to encoding/json, which
// gives the value or the error it always gave.
//
// Codes that repeat (kind, channel, category, region, unit, type…) are
// interned in bounded tables; the other strings of a row (ids, free text)
// share one allocation. A decoder is not safe for concurrent use.
type decoder struct {
	codes, names, texts interner

	// buf holds the bytes of the row's copied strings; fix says where each
	// goes once buf is turned into one string.
	buf []byte
	fix []strFix
	esc []byte // the scanner's scratch for strings with escapes

	// in and ev are scratch for the top-level intake and the item's event:
	// JSONL copies them out of the jsonLine.
	in complaint.Intake
	ev complaint.Event
	// pay is where the item's event's payloads go (the JSONL's room, or
	// the Prefetch slot's), nil for new ones.
	pay *eventPayloads

	zones    map[int]*time.Location
	local    localZone
	lastZone *time.Location // zones[lastOff]
	lastOff  int
	// The last time parsed: rows repeat their time ("at" of the item and
	// of its event, of an intake and its received_at).
	lastTime    [40]byte
	lastTimeLen int
	last        time.Time
}

type strFix struct {
	p        *string
	off, end int
}

// interner returns one string for equal byte slices, up to max entries of
// at most maxInternLen bytes; past that it declines (the caller copies).
// It is an open-addressing table over maphash, at most half full, that
// grows from a few slots as entries come.
type interner struct {
	seed  maphash.Seed
	slots []string
	n     int
	max   int
}

const maxInternLen = 128

func newInterner(max int) interner {
	return interner{seed: maphash.MakeSeed(), max: max}
}

func (t *interner) get(b []byte) (string, bool) {
	if len(b) == 0 {
		return "", true
	}
	if len(t.slots) == 0 {
		t.slots = make([]string, 64)
	}
	mask := uint64(len(t.slots) - 1)
	for i := maphash.Bytes(t.seed, b) & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == "" {
			if t.n >= t.max || len(b) > maxInternLen {
				return "", false
			}
			s = string(b)
			t.slots[i] = s
			t.n++
			if 2*t.n > len(t.slots) {
				t.grow()
			}
			return s, true
		}
		if s == string(b) {
			return s, true
		}
	}
}

// grow doubles the table.
func (t *interner) grow() {
	old := t.slots
	t.slots = make([]string, 2*len(old))
	mask := uint64(len(t.slots) - 1)
	for _, s := range old {
		if s == "" {
			continue
		}
		i := maphash.String(t.seed, s) & mask
		for t.slots[i] != "" {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

func newDecoder() *decoder {
	return &decoder{
		codes: newInterner(8192),
		names: newInterner(8192),
		texts: newInterner(2048),
	}
}

// decode fills l from line and reports whether it could; on false, l and
// the decoder's scratch hold garbage and the caller must decode line with
// encoding/json into a zero jsonLine.
func (d *decoder) decode(line []byte, l *jsonLine) bool {
	*l = jsonLine{}
	d.buf = d.buf[:0]
	clear(d.fix)
	d.fix = d.fix[:0]
	s := scanner{b: line, esc: d.esc}
	d.line(&s, l)
	d.esc = s.esc
	s.ws()
	if s.bad || s.i != len(s.b) {
		return false
	}
	if len(d.fix) > 0 {
		all := string(d.buf)
		for _, f := range d.fix {
			*f.p = all[f.off:f.end]
		}
	}
	return true
}

// eventPayloads is room for what an item's event points to, reused from
// row to row: a row's pointers are valid until the next Read.
type eventPayloads struct {
	dispatch   complaint.Dispatch
	assign     complaint.Assign
	deadlines  complaint.Deadlines
	approval   complaint.Approval
	escalation complaint.Escalation
	resolution complaint.Resolution
	visit      complaint.Visit
	closing    complaint.Closing
	merge      complaint.Merge
}

// room returns where the payloads of the event being read go: d.pay for
// the item's event (top false), nil (new ones) for the jsonLine's own.
func (d *decoder) room(top bool) *eventPayloads {
	if top {
		return nil
	}
	return d.pay
}

// payload returns where a payload of the event being read goes: its place
// in r (from in), emptied, or a new one when r is nil.
func payload[T any](r *eventPayloads, in func(*eventPayloads) *T) *T {
	if r == nil {
		return new(T)
	}
	p := in(r)
	var zero T
	*p = zero
	return p
}

// scanner reads JSON from b at i. Any problem sets bad; the methods then
// return zero values and the callers unwind.
type scanner struct {
	b       []byte
	i       int
	bad     bool
	needKey bool // a ',' was read: another key must follow
	escaped bool // the last string read had escapes
	esc     []byte
}

func (s *scanner) ws() {
	if s.i < len(s.b) && s.b[s.i] > ' ' {
		return
	}
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// open reads the '{' of an object.
func (s *scanner) open() bool {
	s.ws()
	if s.peek() != '{' {
		s.bad = true
		return false
	}
	s.i++
	s.needKey = false
	return true
}

// end reports whether the object is over (reading its '}'), or bad.
func (s *scanner) end() bool {
	if s.bad {
		return true
	}
	s.ws()
	if s.peek() == '}' {
		if s.needKey {
			s.bad = true
		}
		s.i++
		return true
	}
	return false
}

// sep reads what follows a member's value: ',' or the object's '}' (left
// for end).
func (s *scanner) sep() {
	if s.bad {
		return
	}
	s.ws()
	switch s.peek() {
	case ',':
		s.i++
		s.needKey = true
	case '}':
	default:
		s.bad = true
	}
}

// key reads a member's key and its ':'.
func (s *scanner) key() []byte {
	s.ws()
	if s.peek() != '"' {
		s.bad = true
		return nil
	}
	k := s.str()
	s.needKey = false
	s.ws()
	if s.peek() != ':' {
		s.bad = true
		return nil
	}
	s.i++
	s.ws()
	return k
}

// str reads a string at s.i (its opening quote) and returns its bytes: no
// escapes, no control characters, valid UTF-8; anything else is bad.
func (s *scanner) str() []byte {
	b := s.b
	start := s.i + 1
	i := start
	hi := uint64(0)
	// Eight bytes at a time: the lowest byte flagged as '"', '\\' or a
	// control character is exact (the tricks' false positives only
	// follow a true one); bytes from 0x80 only call for the UTF-8 check.
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for i+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[i:])
		q, e := x^('"'*ones), x^('\\'*ones)
		m := ((q-ones)&^q | (e-ones)&^e | (x-0x20*ones)&^x) & highs
		if m == 0 {
			hi |= x
			i += 8
			continue
		}
		k := bits.TrailingZeros64(m) >> 3
		hi |= x & (1<<(8*k) - 1)
		i += k
		switch b[i] {
		case '"':
			return s.strEnd(start, i, hi&highs != 0)
		case '\\':
			return s.strEsc(start, i)
		}
		s.bad = true // a control character
		return nil
	}
	for ; i < len(b); i++ {
		c := b[i]
		if c == '"' {
			return s.strEnd(start, i, hi&highs != 0)
		}
		if c == '\\' {
			return s.strEsc(start, i)
		}
		if c < 0x20 {
			break
		}
		hi |= uint64(c)
	}
	s.bad = true
	return nil
}

// strEsc reads the rest of a string with escapes from its first
// backslash at i, as encoding/json unquotes it, into the scanner's
// scratch (valid until the next string read): a lone or unpaired UTF-16
// surrogate becomes U+FFFD. Raw bytes must be valid UTF-8 (encoding/json
// would replace bad ones: the fallback does).
func (s *scanner) strEsc(start, i int) []byte {
	b := s.b
	out := append(s.esc[:0], b[start:i]...)
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			s.esc = out
			if !utf8.Valid(out) {
				s.bad = true
				return nil
			}
			s.i = i + 1
			s.escaped = true
			return out
		case c < 0x20:
			s.bad = true
			return nil
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(b) {
			s.bad = true
			return nil
		}
		switch b[i+1] {
		case '"', '\\', '/':
			out = append(out, b[i+1])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hex4(b[i+2:])
			if r < 0 {
				s.bad = true
				return nil
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
					if r2 := hex4(b[i+2:]); r2 >= 0 {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							out = utf8.AppendRune(out, dec)
							i += 6
							continue
						}
					}
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			s.bad = true
			return nil
		}
		i += 2
	}
	s.bad = true
	return nil
}

// hex4 returns the rune of four hex digits at the start of b, or -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

func (s *scanner) strEnd(start, i int, hi bool) []byte {
	v := s.b[start:i]
	s.escaped = false
	if hi && !utf8.Valid(v) {
		s.bad = true
		return nil
	}
	s.i = i + 1
	return v
}

// null reads a null, if there is one.
func (s *scanner) null() bool {
	if s.i+4 <= len(s.b) && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

// strVal reads a string value; null gives nil with ok (the field stays
// zero, as encoding/json leaves it).
func (s *scanner) strVal() (v []byte, ok bool) {
	if s.null() {
		return nil, false
	}
	if s.peek() != '"' {
		s.bad = true
		return nil, false
	}
	v = s.str()
	return v, !s.bad
}

// int reads an integer that fits an int64 with room (at most 18 digits);
// a number with a fraction or an exponent is bad (encoding/json refuses it
// for an integer field: the fallback reports it).
func (s *scanner) int(p *int64) {
	if s.null() {
		return
	}
	b, i := s.b, s.i
	neg := false
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	start := i
	var n int64
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		n = n*10 + int64(b[i]-'0')
		i++
	}
	digits := i - start
	if digits == 0 || digits > 18 || (digits > 1 && b[start] == '0') {
		s.bad = true
		return
	}
	if i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E') {
		s.bad = true
		return
	}
	if neg {
		n = -n
	}
	s.i = i
	*p = n
}

func (s *scanner) intInt(p *int) {
	var n int64
	s.int(&n)
	if n < math.MinInt || n > math.MaxInt {
		s.bad = true
		return
	}
	*p = int(n)
}

func (s *scanner) bool(p *bool) {
	switch {
	case s.null():
	case s.i+4 <= len(s.b) && string(s.b[s.i:s.i+4]) == "true":
		s.i += 4
		*p = true
	case s.i+5 <= len(s.b) && string(s.b[s.i:s.i+5]) == "false":
		s.i += 5
		*p = false
	default:
		s.bad = true
	}
}

// seen marks member bit in *set; a key given twice is bad (encoding/json
// merges or overwrites: the fallback does what it does).
func (s *scanner) seen(set *uint64, bit uint) {
	if *set&(1<<bit) != 0 {
		s.bad = true
	}
	*set |= 1 << bit
}

// code reads a string that repeats (a code, a unit, a type) into p.
func (d *decoder) code(s *scanner, p *string) { d.interned(s, &d.codes, p) }

// name reads a string that repeats less (an agent, an assignee, an actor).
func (d *decoder) name(s *scanner, p *string) { d.interned(s, &d.names, p) }

// text reads free text: interned when short and the table has room.
func (d *decoder) text(s *scanner, p *string) { d.interned(s, &d.texts, p) }

func (d *decoder) interned(s *scanner, t *interner, p *string) {
	v, ok := s.strVal()
	if !ok {
		return
	}
	if str, ok := t.get(v); ok {
		*p = str
		return
	}
	d.copied(v, p)
}

// id reads a string that does not repeat much (an id): copied.
func (d *decoder) id(s *scanner, p *string) {
	v, ok := s.strVal()
	if !ok {
		return
	}
	d.copied(v, p)
}

func (d *decoder) copied(v []byte, p *string) {
	if len(v) == 0 {
		*p = ""
		return
	}
	off := len(d.buf)
	d.buf = append(d.buf, v...)
	d.fix = append(d.fix, strFix{p: p, off: off, end: len(d.buf)})
}

// Typed string fields: their pointers convert to *string.

func (d *decoder) time(s *scanner, p *time.Time) {
	v, ok := s.strVal()
	if !ok {
		return
	}
	if s.escaped {
		// time.Time.UnmarshalJSON reads the raw bytes: leave it to it.
		s.bad = true
		return
	}
	if len(v) == d.lastTimeLen && len(v) > 0 && bytes.Equal(v, d.lastTime[:len(v)]) {
		*p = d.last
		return
	}
	t, ok := d.parseTime(v)
	if !ok {
		s.bad = true
		return
	}
	*p = t
	if len(v) <= len(d.lastTime) {
		d.lastTimeLen = copy(d.lastTime[:], v)
		d.last = t
	}
}

// The top-level members of a jsonLine: the embedded Event's, then its own.
const (
	fTicket = iota
	fSeq
	fPos
	fType
	fAt
	fActor
	fVisibility
	fText
	fIntake
	fTags
	fDispatch
	fAssign
	fDeadlines
	fApproval
	fEscalation
	fResolution
	fVisit
	fClosing
	fMerge
	fEventFields // the number of Event members; the jsonLine's own follow
)

// line reads the top-level object.
func (d *decoder) line(s *scanner, l *jsonLine) {
	if !s.open() {
		return
	}
	var set uint64
	for !s.end() {
		k := s.key()
		if s.bad {
			return
		}
		if !d.eventField(s, k, &l.Event, &set, true) {
			switch string(k) {
			case "id":
				s.seen(&set, fEventFields+0)
				d.id(s, &l.ID)
			case "external_id":
				s.seen(&set, fEventFields+1)
				d.id(s, &l.ExternalID)
			case "kind":
				s.seen(&set, fEventFields+2)
				d.code(s, (*string)(&l.Kind))
			case "channel":
				s.seen(&set, fEventFields+3)
				d.code(s, (*string)(&l.Channel))
			case "category":
				s.seen(&set, fEventFields+4)
				d.code(s, &l.Category)
			case "region":
				s.seen(&set, fEventFields+5)
				d.code(s, &l.Region)
			case "customer":
				s.seen(&set, fEventFields+6)
				d.id(s, &l.Customer)
			case "subscriber":
				s.seen(&set, fEventFields+7)
				d.id(s, &l.Subscriber)
			case "product":
				s.seen(&set, fEventFields+8)
				d.code(s, &l.Product)
			case "partner":
				s.seen(&set, fEventFields+9)
				d.code(s, &l.Partner)
			case "billing_code":
				s.seen(&set, fEventFields+10)
				d.code(s, &l.BillingCode)
			case "repeat_of":
				s.seen(&set, fEventFields+11)
				d.id(s, &l.RepeatOf)
			case "received_at":
				s.seen(&set, fEventFields+12)
				d.time(s, &l.ReceivedAt)
			case "event":
				s.seen(&set, fEventFields+13)
				if !s.null() {
					d.ev = complaint.Event{}
					l.ItemEvent = &d.ev
					d.event(s, &d.ev)
				}
			case "incident":
				s.seen(&set, fEventFields+14)
				d.name(s, &l.Incident)
			default:
				s.bad = true // unknown, or another spelling encoding/json may match
			}
		}
		s.sep()
	}
}

// event reads a complaint.Event object (the item's "event").
func (d *decoder) event(s *scanner, e *complaint.Event) {
	if !s.open() {
		return
	}
	var set uint64
	for !s.end() {
		k := s.key()
		if s.bad {
			return
		}
		if !d.eventField(s, k, e, &set, false) {
			s.bad = true
		}
		s.sep()
	}
}

// eventField reads the member k of an Event into e and reports whether k
// is one. top says e is the jsonLine's embedded Event, whose intake goes
// to the decoder's scratch (JSONL copies it out).
func (d *decoder) eventField(s *scanner, k []byte, e *complaint.Event, set *uint64, top bool) bool {
	switch string(k) {
	case "ticket":
		s.seen(set, fTicket)
		d.id(s, &e.Ticket)
	case "seq":
		s.seen(set, fSeq)
		s.intInt(&e.Seq)
	case "pos":
		s.seen(set, fPos)
		s.int(&e.Pos)
	case "type":
		s.seen(set, fType)
		d.code(s, (*string)(&e.Type))
	case "at":
		s.seen(set, fAt)
		d.time(s, &e.At)
	case "actor":
		s.seen(set, fActor)
		if !s.null() {
			d.actor(s, &e.Actor)
		}
	case "visibility":
		s.seen(set, fVisibility)
		d.code(s, (*string)(&e.Visibility))
	case "text":
		s.seen(set, fText)
		d.text(s, &e.Text)
	case "intake":
		s.seen(set, fIntake)
		if s.null() {
			break
		}
		var in *complaint.Intake
		if top {
			d.in = complaint.Intake{}
			in = &d.in
		} else {
			in = new(complaint.Intake)
		}
		e.Intake = in
		d.intake(s, in)
	case "tags":
		s.seen(set, fTags)
		if !s.null() {
			e.Tags = d.tags(s)
		}
	case "dispatch":
		s.seen(set, fDispatch)
		if !s.null() {
			e.Dispatch = payload(d.room(top), func(r *eventPayloads) *complaint.Dispatch { return &r.dispatch })
			d.dispatch(s, e.Dispatch)
		}
	case "assign":
		s.seen(set, fAssign)
		if !s.null() {
			e.Assign = payload(d.room(top), func(r *eventPayloads) *complaint.Assign { return &r.assign })
			d.assign(s, e.Assign)
		}
	case "deadlines":
		s.seen(set, fDeadlines)
		if !s.null() {
			e.Deadlines = payload(d.room(top), func(r *eventPayloads) *complaint.Deadlines { return &r.deadlines })
			d.deadlines(s, e.Deadlines)
		}
	case "approval":
		s.seen(set, fApproval)
		if !s.null() {
			e.Approval = payload(d.room(top), func(r *eventPayloads) *complaint.Approval { return &r.approval })
			d.approval(s, e.Approval)
		}
	case "escalation":
		s.seen(set, fEscalation)
		if !s.null() {
			e.Escalation = payload(d.room(top), func(r *eventPayloads) *complaint.Escalation { return &r.escalation })
			d.escalation(s, e.Escalation)
		}
	case "resolution":
		s.seen(set, fResolution)
		if !s.null() {
			e.Resolution = payload(d.room(top), func(r *eventPayloads) *complaint.Resolution { return &r.resolution })
			d.resolution(s, e.Resolution)
		}
	case "visit":
		s.seen(set, fVisit)
		if !s.null() {
			e.Visit = payload(d.room(top), func(r *eventPayloads) *complaint.Visit { return &r.visit })
			d.visit(s, e.Visit)
		}
	case "closing":
		s.seen(set, fClosing)
		if !s.null() {
			e.Closing = payload(d.room(top), func(r *eventPayloads) *complaint.Closing { return &r.closing })
			d.closing(s, e.Closing)
		}
	case "merge":
		s.seen(set, fMerge)
		if !s.null() {
			e.Merge = payload(d.room(top), func(r *eventPayloads) *complaint.Merge { return &r.merge })
			d.merge(s, e.Merge)
		}
	default:
		return false
	}
	return true
}

func (d *decoder) intake(s *scanner, in *complaint.Intake) {
	if !s.open() {
		return
	}
	var set uint64
	for !s.end() {
		k := s.key()
		if s.bad {
			return
		}
		switch string(k) {
		case "external_id":
			s.seen(&set, 0)
			d.id(s, &in.ExternalID)
		case "kind":
			s.seen(&set, 1)
			d.code(s, (*string)(&in.Kind))
		case "channel":
			s.seen(&set, 2)
			d.code(s, (*string)(&in.Channel))
		case "category":
			s.seen(&set, 3)
			d.code(s, &in.Category)
		case "region":
			s.seen(&set, 4)
			d.code(s, &in.Region)
		case "customer":
			s.seen(&set, 5)
			d.id(s, &in.Customer)
		case "subscriber":
			s.seen(&set, 6)
			d.id(s, &in.Subscriber)
		case "product":
			s.seen(&set, 7)
			d.code(s, &in.Product)
		case "partner":
			s.seen(&set, 8)
			d.code(s, &in.Partner)
		case "billing_code":
			s.seen(&set, 9)
			d.code(s, &in.BillingCode)
		case "text":
			s.seen(&set, 10)
			d.text(s, &in.Text)
		case "repeat_of":
			s.seen(&set, 11)
			d.id(s, &in.RepeatOf)
		case "received_at":
			s.seen(&set, 12)
			d.time(s, &in.ReceivedAt)
		default:
			s.bad = true
		}
		s.sep()
	}
}

func (d *decoder) actor(s *scanner, a *complaint.Actor) {
	if !s.open() {
		return
	}
	var set uint64
	for !s.end() {
		k := s.key()
		if s.bad {
			return
		}
		switch string(k) {
		case "kind":
			s.seen(&set, 0)
			d.code(s, (*string)(&a.Kind))
		case "id":
			s.seen(&set, 1)
			d.name(s, &a.ID)
		case "tier":
			s.seen(&set, 2)
			d.code(s, (*string)(&a.Tier))
		default:
			s.bad = true
		}
		s.sep()
	}
}

// tags reads an array of tags; [] gives an empty, non-nil slice, as
// encoding/json does.
func (d *decoder) tags(s *scanner) []complaint.Tag {
	if s.peek() != '[' {
		s.bad = true
		return nil
	}
	s.i++
	tags := []complaint.Tag{}
	s.ws()
	if s.peek() == ']' {
		s.i++
		return tags
	}
	for !s.bad {
		tags = append(tags, complaint.Tag{})
		d.tag(s, &tags[len(tags)-1])
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return tags
		default:
			s.bad = true
		}
	}
	return nil
}

func (d *decoder) tag(s *scanner, t *complaint.Tag) {
	if s.ws(); s.null() {
		return
	}
	if !s.open() {
		return
	}
	var set uint64
	for !s.end() {
		k := s.key()
		if s.bad {
			return
		}
		switch string(k) {
		case "name":
			s.seen(&set, 0)
			d.code(s, &t.Name)
		case "rule":
			s.seen(&set, 1)
			d.code(s, &t.Rule)
		case "at":
			s.seen(&set, 2)
			d.time(s, &t.At)
		default:
			s.bad = true
		}
		s.sep()
	}
}

func (d *decoder) dispatch(s *scanner, p *complaint.Dispatch) {
	if !s.open() {
		return
	}
	var set uint64
	for !s.end() {
		k := s.key()
		if s.bad {
			return
		}
		switch string(k) {
		case "tier":
			s.seen(&set, 0)
			d.code(s, (*string)(&p.Tier))
		case "unit":
			s.seen(&set, 1)
			d.code(s, &p.Unit)
		case "queue":
			s.seen(&set, 2)
			d.code(s, &p.Queue)
		case "priority":
			s.seen(&set, 3)
			s.intInt(&p.Priority)
		case "handling":
			s.seen(&set, 4)
			d.code(s, (*string)(&p.Handling))
		case "green":
			s.seen(&set, 5)
			s.bool(&p.Green)
		case "centralised":
			s.seen(&set, 6)
			s.bool(&p.Centralised)
		case "route":
			s.seen(&set, 7)
			d.code(s, &p.Route)
		case "reason":
			s.seen(&set, 8)
			d.text(s, &p.Reason)
		default:
			s.bad = true
		}
		s.sep()
	}
}

func (d *decoder) assign(s *scanner, p *complaint.Assign) {
	if !s.open() {
		return
	}
	var set uint64
	for !s.end() {
		k := s.key()
		if s.bad {
			return
		}
		switch string(k) {
		case "assignee":
			s.seen(&set, 0)
			d.name(s, &p.Assignee)
		case "strategy":
			s.seen(&set, 1)
			d.code(s, &p.Strategy)
		default:
			s.bad = true
		}
		s.sep()
	}
}

func (d *decoder) deadlines(s *scanner, p *complaint.Deadlines) {
	if !s.open() {
		return
	}
	var set uint64
	for !s.end() {
		k := s.key()
		if s.bad {
			return
		}
		switch string(k) {
		case "first_contact":
			s.seen(&set, 0)
			d.time(s, &p.FirstContact)
		case "reply":
			s.seen(&set, 1)
			d.time(s, &p.Reply)
		case "resolve":
			s.seen(&set, 2)
			d.time(s, &p.Resolve)
		case "regulator":
			s.seen(&set, 3)
			d.time(s, &p.Regulator)
		case "profile":
			s.seen(&set, 4)
			d.code(s, &p.Profile)
		default:
			s.bad = true
		}
		s.sep()
	}
}

func (d *decoder) approval(s *scanner, p *complaint.Approval) {
	if !s.open() {
		return
	}
	var set uint64
	for !s.end() {
		k := s.key()
		if s.bad {
			return
		}
		switch string(k) {
		case "amount":
			s.seen(&set, 0)
			s.int((*int64)(&p.Amount))
		case "reason":
			s.seen(&set, 1)
			d.text(s, &p.Reason)
		default:
			s.bad = true
		}
		s.sep()
	}
}

func (d *decoder) escalation(s *scanner, p *complaint.Escalation) {
	if !s.open() {
		return
	}
	var set uint64
	for !s.end() {
		k := s.key()
		if s.bad {
			return
		}
		switch string(k) {
		case "target":
			s.seen(&set, 0)
			d.code(s, &p.Target)
		case "tier":
			s.seen(&set, 1)
			d.code(s, (*string)(&p.Tier))
		default:
			s.bad = true
		}
		s.sep()
	}
}

func (d *decoder) resolution(s *scanner, p *complaint.Resolution) {
	if !s.open() {
		return
	}
	var set uint64
	for !s.end() {
		k := s.key()
		if s.bad {
			return
		}
		switch string(k) {
		case "outcome":
			s.seen(&set, 0)
			d.text(s, &p.Outcome)
		case "compensation":
			s.seen(&set, 1)
			s.int((*int64)(&p.Compensation))
		case "refund":
			s.seen(&set, 2)
			s.int((*int64)(&p.Refund))
		case "satisfied":
			s.seen(&set, 3)
			if !s.null() {
				p.Satisfied = new(bool)
				s.bool(p.Satisfied)
			}
		case "score":
			s.seen(&set, 4)
			s.intInt(&p.Score)
		default:
			s.bad = true
		}
		s.sep()
	}
}

func (d *decoder) visit(s *scanner, p *complaint.Visit) {
	if !s.open() {
		return
	}
	var set uint64
	for !s.end() {
		k := s.key()
		if s.bad {
			return
		}
		switch string(k) {
		case "satisfied":
			s.seen(&set, 0)
			s.bool(&p.Satisfied)
		case "score":
			s.seen(&set, 1)
			s.intInt(&p.Score)
		default:
			s.bad = true
		}
		s.sep()
	}
}

func (d *decoder) closing(s *scanner, p *complaint.Closing) {
	if !s.open() {
		return
	}
	var set uint64
	for !s.end() {
		k := s.key()
		if s.bad {
			return
		}
		switch string(k) {
		case "responsibility":
			s.seen(&set, 0)
			if !s.null() {
				d.responsibility(s, &p.Responsibility)
			}
		case "handling":
			s.seen(&set, 1)
			d.code(s, (*string)(&p.Handling))
		default:
			s.bad = true
		}
		s.sep()
	}
}

func (d *decoder) responsibility(s *scanner, p *complaint.Responsibility) {
	if !s.open() {
		return
	}
	var set uint64
	for !s.end() {
		k := s.key()
		if s.bad {
			return
		}
		switch string(k) {
		case "unit":
			s.seen(&set, 0)
			d.code(s, &p.Unit)
		case "department":
			s.seen(&set, 1)
			d.code(s, &p.Department)
		case "person":
			s.seen(&set, 2)
			d.name(s, &p.Person)
		case "cause":
			s.seen(&set, 3)
			d.text(s, &p.Cause)
		case "locally_controllable":
			s.seen(&set, 4)
			s.bool(&p.LocallyControllable)
		case "side":
			s.seen(&set, 5)
			d.code(s, &p.Side)
		default:
			s.bad = true
		}
		s.sep()
	}
}

func (d *decoder) merge(s *scanner, p *complaint.Merge) {
	if !s.open() {
		return
	}
	var set uint64
	for !s.end() {
		k := s.key()
		if s.bad {
			return
		}
		switch string(k) {
		case "problem":
			s.seen(&set, 0)
			d.id(s, &p.Problem)
		default:
			s.bad = true
		}
		s.sep()
	}
}

// parseTime parses an RFC 3339 time as time.Time.UnmarshalJSON does when
// its fast path succeeds (the fixed layout, an optional fraction, Z or an
// offset); it reports false for anything else, which the caller leaves to
// encoding/json. The location is the one time would give: UTC for Z,
// time.Local when the offset is Local's at that instant, else a fixed zone
// without a name (shared between equal offsets).
func (d *decoder) parseTime(b []byte) (time.Time, bool) {
	if len(b) < len("2006-01-02T15:04:05Z") || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	digit := func(c byte) bool { return c-'0' <= 9 }
	_ = b[18]
	if !(digit(b[0]) && digit(b[1]) && digit(b[2]) && digit(b[3]) && digit(b[5]) && digit(b[6]) && digit(b[8]) &&
		digit(b[9]) && digit(b[11]) && digit(b[12]) && digit(b[14]) && digit(b[15]) && digit(b[17]) && digit(b[18])) {
		return time.Time{}, false
	}
	d2 := func(i int) int { return int(b[i]-'0')*10 + int(b[i+1]-'0') }
	year, month, day := d2(0)*100+d2(2), d2(5), d2(8)
	hour, minute, sec := d2(11), d2(14), d2(17)
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	rest := b[19:]
	nsec := 0
	if len(rest) >= 2 && rest[0] == '.' && rest[1] >= '0' && rest[1] <= '9' {
		n := 2
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		m := min(n, 10)
		for _, c := range rest[1:m] {
			nsec = nsec*10 + int(c-'0')
		}
		for range 10 - m {
			nsec *= 10
		}
		rest = rest[n:]
	}
	unix := (daysFromCivil(year, month, day)*24+int64(hour))*3600 + int64(minute)*60 + int64(sec)
	if len(rest) == 1 && rest[0] == 'Z' {
		return time.Unix(unix, int64(nsec)).UTC(), true
	}
	if len(rest) != len("-07:00") || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':' {
		return time.Time{}, false
	}
	if !(digit(rest[1]) && digit(rest[2]) && digit(rest[4]) && digit(rest[5])) {
		return time.Time{}, false
	}
	hr, mm := int(rest[1]-'0')*10+int(rest[2]-'0'), int(rest[4]-'0')*10+int(rest[5]-'0')
	if hr > 23 || mm > 59 {
		return time.Time{}, false
	}
	off := (hr*60 + mm) * 60
	if rest[0] == '-' {
		off = -off
	}
	unix -= int64(off)
	return time.Unix(unix, int64(nsec)).In(d.zone(unix, off)), true
}

// zone returns time.Local when its offset at unix is off, else a fixed
// zone for off.
func (d *decoder) zone(unix int64, off int) *time.Location {
	if d.local.offset(unix) == off {
		return time.Local
	}
	if d.lastZone != nil && d.lastOff == off {
		return d.lastZone
	}
	loc, ok := d.zones[off]
	if !ok {
		loc = time.FixedZone("", off)
		if len(d.zones) < 64 {
			if d.zones == nil {
				d.zones = make(map[int]*time.Location)
			}
			d.zones[off] = loc
		}
	}
	d.lastZone, d.lastOff = loc, off
	return loc
}

// localZone caches time.Local's offset over the span of one of its zones.
type localZone struct {
	loc        *time.Location
	start, end int64 // [start, end) in Unix seconds
	off        int
}

func (z *localZone) offset(unix int64) int {
	if z.loc == time.Local && z.start <= unix && unix < z.end {
		return z.off
	}
	t := time.Unix(unix, 0).In(time.Local)
	_, z.off = t.Zone()
	start, end := t.ZoneBounds()
	z.loc, z.start, z.end = time.Local, math.MinInt64, math.MaxInt64
	if !start.IsZero() {
		z.start = start.Unix()
	}
	if !end.IsZero() {
		z.end = end.Unix()
	}
	return z.off
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days from 1970-01-01 to the proleptic
// Gregorian date y-m-d (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
