package retention_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/retention"
)

// fakeStore answers Run from fixed outcomes per ticket id.
type fakeStore struct {
	ids     []string
	events  map[string]int // -1: not due
	kept    map[string]bool
	fail    string // RetainTicket fails on this id
	records int
	types   []string
}

func (f *fakeStore) DueTickets(context.Context, time.Time) ([]string, error) { return f.ids, nil }

func (f *fakeStore) RetainTicket(_ context.Context, _ *retention.Policy, id string, _ time.Time) (int, bool, error) {
	if id == f.fail {
		return 0, false, errors.New("disk full")
	}
	return f.events[id], f.kept[id], nil
}

func (f *fakeStore) RetainRecords(_ context.Context, _ *retention.Policy, types []string, _ time.Time) (int, error) {
	f.types = types
	return f.records, nil
}

func TestRun(t *testing.T) {
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	s := &fakeStore{
		ids:     []string{"T1", "T2", "T3"},
		events:  map[string]int{"T1": 4, "T2": -1, "T3": -1},
		kept:    map[string]bool{"T3": true},
		records: 2,
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	rep, err := retention.Run(t.Context(), s, retention.Policy{Years: 3, RecordTypes: []string{"b", "a"}, ConsentRecordTypes: []string{"a"}}, now, log, "test")
	require.NoError(t, err)
	assert.Equal(t, []string{"T1"}, rep.Masked)
	assert.Equal(t, 4, rep.Events)
	assert.Equal(t, []string{"T3"}, rep.Kept)
	assert.Equal(t, 2, rep.Records)
	assert.Equal(t, []string{"a", "b"}, s.types)
	assert.Equal(t, now.AddDate(-3, 0, 0), rep.Cutoff)
	assert.Contains(t, buf.String(), "test: retention: masked personal data")
	assert.Contains(t, buf.String(), "test: retention: removed record data")
	assert.Contains(t, buf.String(), "test: retention done")

	s.fail = "T3"
	buf.Reset()
	rep, err = retention.Run(t.Context(), s, retention.Policy{Years: 3}, now, log, "test")
	require.EqualError(t, err, "disk full")
	assert.Equal(t, []string{"T1"}, rep.Masked, "the report says what was done before the error")
	assert.Contains(t, buf.String(), "test: retention done")

	_, err = retention.Run(t.Context(), s, retention.Policy{}, now, nil, "test")
	require.ErrorIs(t, err, complaint.ErrInvalid)
}
