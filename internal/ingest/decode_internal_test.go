package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"
	"time"
	"unsafe"
)

// NewJSONLSlow returns a JSONL that decodes with encoding/json only: the
// reference the fast decoder must match.
func NewJSONLSlow(r io.Reader) *JSONL {
	j := NewJSONL(r)
	j.slow = true
	return j
}

// DecodesFast reports whether the fast decoder takes line (rather than
// leaving it to encoding/json).
func DecodesFast(line []byte) bool {
	var l jsonLine
	return newDecoder().decode(line, &l)
}

// checkLine requires the fast decoder, when it takes line, to give what
// encoding/json gives.
func checkLine(t *testing.T, d *decoder, line []byte) bool {
	t.Helper()
	var fast, slow jsonLine
	if !d.decode(line, &fast) {
		return false
	}
	if err := json.Unmarshal(line, &slow); err != nil {
		t.Fatalf("fast decoder took %q, encoding/json refuses it: %v", line, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q:\nfast %#v\njson %#v", line, fast, slow)
	}
	return true
}

// sameRows requires the fast and encoding/json readers to give the same
// rows and errors on data.
func sameRows(t *testing.T, data []byte) {
	t.Helper()
	fast, slow := NewJSONL(bytes.NewReader(data)), NewJSONLSlow(bytes.NewReader(data))
	for range 100000 {
		var a, b Row
		ea, eb := fast.Read(&a), slow.Read(&b)
		if (ea == nil) != (eb == nil) || (ea != nil && ea.Error() != eb.Error()) || reflect.TypeOf(ea) != reflect.TypeOf(eb) {
			t.Fatalf("errors differ: fast %v, json %v", ea, eb)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("rows differ:\nfast %#v\njson %#v", a, b)
		}
		var re *RowError
		if ea != nil && !errors.As(ea, &re) {
			return
		}
	}
	t.Fatal("reader does not end")
}

func FuzzDecodeRow(f *testing.F) {
	data, _ := os.ReadFile("testdata/history.jsonl")
	for _, l := range bytes.Split(data, []byte("\n")) {
		f.Add(l)
	}
	for _, l := range decodeSamples {
		f.Add([]byte(l))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		d := newDecoder()
		if i := bytes.IndexByte(line, '\n'); i < 0 {
			checkLine(t, d, line)
		}
		sameRows(t, line)
	})
}

// decodeSamples are lines of every shape and payload, with edge cases the
// fast decoder takes and some it leaves to encoding/json.
var decodeSamples = []string{
	`{"at":"2025-01-06T00:01:43+08:00","intake":{"external_id":"X1","kind":"complaint","channel":"hotline","category":"vas.unaware","region":"gd.c03","customer":"C1","subscriber":"1","partner":"SP1010","billing_code":"SP1010-01","text":"未订购却被扣费","received_at":"2025-01-06T00:01:43+08:00"},"incident":"I1"}`,
	`{"at":"2025-01-06T00:06:43+08:00","ticket":"X1","event":{"ticket":"","seq":0,"type":"dispatched","at":"2025-01-06T00:06:43+08:00","dispatch":{"tier":"city","unit":"unit-3","queue":"q","priority":-2,"handling":"immediate","green":true,"centralised":false,"route":"r/1","reason":"why"}}}`,
	`{"ticket":"W2","seq":3,"pos":17,"type":"urged","at":"2025-03-03T10:00:00.123456789Z","actor":{"kind":"customer","id":"C1","tier":"city"},"visibility":"public","text":"a\u00e9"}`,
	`{"ticket":"W2","seq":3,"type":"tagged","at":"2025-03-03T10:00:00.5+05:30","tags":[{"name":"x","rule":"r","at":"2025-03-03T10:00:00-03:00"},null,{}]}`,
	`{"ticket":"W2","seq":3,"type":"tagged","at":"2025-03-03T10:00:00.1234567891234Z","tags":[]}`,
	`{"ticket":"W2","type":"deadlines-set","at":"2025-03-03T10:00:00+00:00","deadlines":{"first_contact":"2025-03-03T11:00:00+08:00","reply":"2025-03-04T10:00:00Z","resolve":"2025-03-05T10:00:00Z","regulator":"2025-03-06T10:00:00Z","profile":"std"}}`,
	`{"ticket":"W2","type":"approved","at":"2024-02-29T23:59:59Z","approval":{"amount":12345,"reason":"ok"}}`,
	`{"ticket":"W2","type":"escalated","at":"2025-03-03T10:00:00Z","escalation":{"target":"12300","tier":"province"}}`,
	`{"ticket":"W2","type":"resolved","at":"2025-03-03T10:00:00Z","resolution":{"outcome":"done","compensation":100,"refund":-0,"satisfied":true,"score":9}}`,
	`{"ticket":"W2","type":"resolved","at":"2025-03-03T10:00:00Z","resolution":{"satisfied":null}}`,
	`{"ticket":"W2","type":"visited","at":"2025-03-03T10:00:00Z","visit":{"satisfied":false,"score":4}}`,
	`{"ticket":"W2","type":"closed","at":"2025-03-03T10:00:00Z","closing":{"responsibility":{"unit":"u","department":"d","person":"p","cause":"c","locally_controllable":true,"side":"front-line"},"handling":"project"}}`,
	`{"ticket":"W2","type":"merged","at":"2025-03-03T10:00:00Z","merge":{"problem":"P1"}}`,
	`{"ticket":"W2","type":"urged","at":"2025-03-03T10:00:00Z","intake":{"kind":"complaint"},"actor":null,"tags":null,"dispatch":null}`,
	`{"ticket":"W2","type":"received","at":"2025-03-03T10:00:00Z","intake":{"kind":"complaint","channel":"hotline","category":"billing.dispute","region":"gd","repeat_of":"W1"}}`,
	`{"id":"W1","external_id":"E1","at":"2025-03-03T09:00:00+08:00","kind":"complaint","channel":"hotline","category":"vas.unaware","region":"gd.gz.th","customer":"C1","subscriber":"S","product":"p","partner":"SP01","billing_code":"b","text":"t","repeat_of":"W0","received_at":"2025-03-03T08:00:00+08:00"}`,
	` { "id" : "W1" , "at" : "2025-03-03T09:00:00+08:00" , "kind":"complaint","channel":"hotline","category":"x","region":"gd"	} `,
	`{"at":"2025-01-06T00:06:43+08:00","ticket":"X1","event":{"type":"assigned","at":"0001-01-01T00:00:00Z","assign":{"assignee":"a","strategy":"s"},"intake":{"kind":"opinion"}}}`,
	`{"at":"2025-01-06T00:06:43+08:00","ticket":"X1","event":null,"intake":null}`,
	`{"Ticket":"W2","type":"urged","at":"2025-03-03T10:00:00Z"}`,
	`{"ticket":"W2","ticket":"W3","type":"urged","at":"2025-03-03T10:00:00Z"}`,
	`{"ticket":"W\"2","type":"urged","at":"2025-03-03T10:00:00Z"}`,
	`{"\u0074icket":"W\"2\\\/\b\f\n\r\t\u00e9\u00E9\ud83d\ude00\ud800x\udc00\ud800\u0041\ud83d\ud83d\ude00","type":"note","at":"2025-03-03T10:00:00Z","text":"话\u8d39\"多扣"}`,
	`{"T\u0069cket":"W2","type":"urged","at":"2025-03-03T10:00:00Z"}`,
	`{"ticket":"W2","type":"urged","at":"2025-03-03T10:00:00\u005a"}`,
	`{"ticket":"W2\u12","type":"urged","at":"2025-03-03T10:00:00Z"}`,
	`{"ticket":"W2\","type":"urged","at":"2025-03-03T10:00:00Z"}`,
	`{"ticket":"W2\u12G4","type":"urged","at":"2025-03-03T10:00:00Z"}`,
	`{"ticket":"\u0000\u001f\u007f` + "\x7f" + `","type":"urged","at":"2025-03-03T10:00:00Z"}`,
	`{"ticket":"W2","seq":1.0,"type":"urged","at":"2025-03-03T10:00:00Z"}`,
	`{"ticket":"W2","seq":01,"type":"urged","at":"2025-03-03T10:00:00Z"}`,
	`{"ticket":"W2","seq":99999999999999999999,"type":"urged","at":"2025-03-03T10:00:00Z"}`,
	`{"ticket":"W2","type":"urged","at":"2025-02-29T10:00:00Z"}`,
	`{"ticket":"W2","type":"urged","at":"2025-03-03T10:00:00+24:00"}`,
	`{"ticket":"W2","type":"urged","at":"2025-03-03 10:00:00Z"}`,
	`{"ticket":"W2","type":"urged","at":"2025-03-03T10:00:00z"}`,
	`{"ticket":"W2","type":"urged","at":"2025-03-03T10:00:00,5Z"}`,
	`{"ticket":"W2","type":"urged","at":"2025-03-03T10:00:00Z",}`,
	`{"ticket":"W2","type":"urged","at":"2025-03-03T10:00:00Z"} x`,
	`{"ticket":"W2","type":"urged","at":"2025-03-03T10:00:00Z","text":"` + "\xff" + `"}`,
	`{"ticket":"W2","type":"urged","at":null,"seq":null,"text":null}`,
	`[1]`, `null`, `"x"`, `{}`, `{"event":{}}`, `{"intake":{}}`,
}

func TestDecodeSamples(t *testing.T) {
	d := newDecoder()
	fast := 0
	for _, l := range decodeSamples {
		if checkLine(t, d, []byte(l)) {
			fast++
		}
		sameRows(t, []byte(l))
	}
	if fast < 20 {
		t.Errorf("the fast decoder took only %d of %d samples", fast, len(decodeSamples))
	}
}

// TestDecodeNotFast lists lines the fast decoder must leave to
// encoding/json: escapes, other spellings, duplicates, non-integers, times
// time.Parse must judge, trailing data.
func TestDecodeNotFast(t *testing.T) {
	for _, l := range []string{
		`{"Ticket":"W2","type":"urged","at":"2025-03-03T10:00:00Z"}`,
		`{"ticket":"W2","ticket":"W3","type":"urged","at":"2025-03-03T10:00:00Z"}`,
		`{"ticket":"W2","type":"urged","at":"2025-03-03T10:00:00\u005a"}`,
		`{"ticket":"W\x2","type":"urged","at":"2025-03-03T10:00:00Z"}`,
		`{"ticket":"W2","seq":1.0,"type":"urged","at":"2025-03-03T10:00:00Z"}`,
		`{"ticket":"W2","type":"urged","at":"2025-02-29T10:00:00Z"}`,
		`{"ticket":"W2","type":"urged","at":"2025-03-03T10:00:00,5Z"}`,
		`{"ticket":"W2","type":"urged","at":"2025-03-03T10:00:00Z",}`,
		`{"ticket":"W2","type":"urged","at":"2025-03-03T10:00:00Z"} x`,
		`{"ticket":"W2","type":"urged","text":"` + "\xff" + `"}`,
		`{"ticket":"W2","unknown":1}`,
		`null`,
	} {
		if DecodesFast([]byte(l)) {
			t.Errorf("the fast decoder took %s", l)
		}
	}
}

// TestParseTime compares parseTime with time.Time.UnmarshalJSON on random
// and edge-case times, in UTC, Local's offset and fixed offsets.
func TestParseTime(t *testing.T) {
	d := newDecoder()
	r := rand.New(rand.NewPCG(1, 2))
	offs := []int{0, 8 * 3600, -3 * 3600, 5*3600 + 1800, -(9*3600 + 45*60), 14 * 3600, -(23*3600 + 59*60)}
	taken := 0
	check := func(s string) {
		t.Helper()
		var want time.Time
		werr := json.Unmarshal([]byte(`"`+s+`"`), &want)
		got, ok := d.parseTime([]byte(s))
		if !ok {
			return // left to encoding/json
		}
		taken++
		if werr != nil {
			t.Fatalf("%s: parseTime took it, UnmarshalJSON: %v", s, werr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: got %#v (%v), want %#v (%v)", s, got, got.Location(), want, want.Location())
		}
	}
	for range 20000 {
		sec := r.Int64N(253402300800+62135596800) - 62135596800 // years 0001–9999
		tm := time.Unix(sec, r.Int64N(1e9)).UTC()
		off := offs[r.IntN(len(offs))]
		check(tm.In(time.FixedZone("", off)).Format(time.RFC3339Nano))
		check(tm.Format(time.RFC3339))
		check(tm.In(time.Local).Format(time.RFC3339))
	}
	for _, s := range []string{"0000-01-01T00:00:00Z", "0000-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2000-02-29T12:00:00+01:00",
		"9999-12-31T23:59:59.999999999-23:59", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.1Z", "2025-01-06T00:00:00.Z",
		"2025-01-06T00:00:00.0000000001Z", "2025-01-06T24:00:00Z", "2025-13-06T00:00:00Z", "2025-01-06T00:00:00+0800"} {
		check(s)
	}
	if taken < 60000+6 {
		t.Errorf("parseTime took %d times of %d", taken, 60000+12)
	}
}

// TestInterner checks the table returns one string for equal bytes, grows,
// and stops taking entries at its bound.
func TestInterner(t *testing.T) {
	in := newInterner(1000)
	first := map[string]string{}
	for i := range 3000 {
		b := []byte(fmt.Sprintf("code-%d", i%1500))
		s, ok := in.get(b)
		switch {
		case i%1500 < 1000:
			if !ok || s != string(b) {
				t.Fatalf("%s: got %q, %v", b, s, ok)
			}
			if f, seen := first[s]; seen && unsafe.StringData(f) != unsafe.StringData(s) {
				t.Fatalf("%s interned twice", b)
			}
			first[s] = s
		case ok:
			t.Fatalf("%s taken past the bound", b)
		}
	}
	if in.n != 1000 || len(in.slots) < 2000 {
		t.Fatalf("n %d, slots %d", in.n, len(in.slots))
	}
	if s, ok := in.get(nil); !ok || s != "" {
		t.Fatal("empty")
	}
	small := newInterner(10)
	if _, ok := small.get(bytes.Repeat([]byte("x"), maxInternLen+1)); ok {
		t.Fatal("a long string taken")
	}
}
