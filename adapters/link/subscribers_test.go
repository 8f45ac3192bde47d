package link_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/adapters/link"
	"github.com/kesu-go/kesu/scoring"
)

func period(t *testing.T, s string) scoring.Period {
	t.Helper()
	p, err := scoring.ParsePeriod(s, cst)
	require.NoError(t, err)
	return p
}

func TestSubscribers(t *testing.T) {
	tests := []struct {
		name, dim, unit, period string
		want                    int64
	}{
		{"all units at January's end", "all", "", "2026-01", 1531000 + 1869000},
		{"city at January's end", "city", "gd.sz", "2026-01", 1531000},
		{"city in December: the 1 January snapshot", "city", "gd.gz", "2025-12", 1873000},
		{"quarter: latest before its end", "city", "gd.sz", "2026-Q1", 1531000},
		{"no count that early", "city", "gd.sz", "2025-06", 0},
		{"unknown unit", "city", "gd.xx", "2026-01", 0},
		{"not a customer base", "team", "T1", "2026-01", 0},
		{"category", "category", "vas", "2026-01", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newFlaky(newFake(t))
			s := link.Subscribers(b, link.SubscribersConfig{})
			for range 3 {
				n, err := s.Subscribers(context.Background(), tc.dim, tc.unit, period(t, tc.period))
				require.NoError(t, err)
				assert.Equal(t, tc.want, n)
			}
			assert.LessOrEqual(t, b.count("SubscriberCounts"), 1, "cached per dimension, unit and period")
		})
	}
}

func TestSubscribersErrorNotCached(t *testing.T) {
	b := newFlaky(newFake(t))
	b.setFail(func(string, string) error { return adapters.Errorf(adapters.Unavailable, "boss down") })
	s := link.Subscribers(b, link.SubscribersConfig{})
	ctx := context.Background()
	_, err := s.Subscribers(ctx, "city", "gd.sz", period(t, "2026-01"))
	require.Error(t, err)
	assert.True(t, adapters.IsRetryable(err))
	b.setFail(nil)
	n, err := s.Subscribers(ctx, "city", "gd.sz", period(t, "2026-01"))
	require.NoError(t, err)
	assert.Equal(t, int64(1531000), n)
	assert.Equal(t, 2, s.Calls())
}

func TestSubscribersCustomUnits(t *testing.T) {
	// A province is the sum of the cities the billing system counts.
	b := newFlaky(newFake(t))
	s := link.Subscribers(b, link.SubscribersConfig{Units: func(dim, unit string) ([]string, bool) {
		if dim == "province" && unit == "gd" {
			return []string{"gd.sz", "gd.gz"}, true
		}
		return nil, false
	}})
	n, err := s.Subscribers(context.Background(), "province", "gd", period(t, "2026-01"))
	require.NoError(t, err)
	assert.Equal(t, int64(1531000+1869000), n)
	n, err = s.Subscribers(context.Background(), "all", "", period(t, "2026-01"))
	require.NoError(t, err)
	assert.Zero(t, n)
}

// TestBookUsesSubscribers reads a scorecard whose customer base comes from
// the billing system.
func TestBookUsesSubscribers(t *testing.T) {
	b := newFlaky(newFake(t))
	book, err := scoring.NewBook(nil, scoring.BookConfig{Dimensions: []string{"all", "city"}, Subscribers: link.Subscribers(b, link.SubscribersConfig{})})
	require.NoError(t, err)
	n, from, err := book.Customers(context.Background(), "city", "gd.sz", period(t, "2026-01"))
	require.NoError(t, err)
	assert.Equal(t, int64(1531000), n)
	assert.NotEmpty(t, from)
}
