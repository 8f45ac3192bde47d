package adapters

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestCodesCrossTheBoundary(t *testing.T) {
	for c := Unknown; c <= Internal; c++ {
		t.Run(c.String(), func(t *testing.T) {
			sent := Errorf(c, "customer %s", "C-1")
			st := toStatus(sent)
			s, ok := status.FromError(st)
			require.True(t, ok)
			assert.Equal(t, c.GRPCCode(), s.Code())
			assert.Equal(t, "customer C-1", s.Message())

			got := fromStatus("crm.Profiles", st)
			assert.Equal(t, c, CodeOf(got))
			assert.Equal(t, c.Retryable(), IsRetryable(got))
			assert.ErrorIs(t, got, &Error{Code: c})
			assert.Contains(t, got.Error(), "crm.Profiles: customer C-1")
		})
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{ErrUnavailable, true},
		{ErrDeadlineExceeded, true},
		{ErrResourceExhausted, true},
		{context.DeadlineExceeded, true},
		{fmt.Errorf("wrapped: %w", ErrUnavailable), true},
		{status.Error(codes.Aborted, "try again"), true},
		{ErrNotFound, false},
		{ErrInvalidArgument, false},
		{ErrNotImplemented, false},
		{ErrInternal, false},
		{context.Canceled, false},
		{errors.New("plain"), false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, IsRetryable(tt.err), "%v", tt.err)
	}
}

func TestContextErrorsMap(t *testing.T) {
	assert.Equal(t, Canceled, CodeOf(fromStatus("op", context.Canceled)))
	assert.Equal(t, DeadlineExceeded, CodeOf(toStatus(context.DeadlineExceeded)))
	assert.Equal(t, Unavailable, CodeOf(fromStatus("op", errors.New("connection reset"))))
}

func TestErrorfWraps(t *testing.T) {
	base := errors.New("disk full")
	err := Errorf(Unavailable, "journal: %w", base)
	assert.ErrorIs(t, err, base)
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.NotErrorIs(t, err, ErrNotFound)
}

func TestUnimplemented(t *testing.T) {
	ctx := context.Background()
	_, err := UnimplementedCRM{}.Profiles(ctx, nil)
	assert.ErrorIs(t, err, ErrNotImplemented)
	assert.ErrorIs(t, UnimplementedBilling{}.SuspendPartner(ctx, PartnerSuspension{}), ErrNotImplemented)
	_, err = UnimplementedOutages{}.Outages(ctx, OutageQuery{})
	assert.ErrorIs(t, err, ErrNotImplemented)
}

func TestValidate(t *testing.T) {
	for _, err := range []error{
		BillQuery{Period: "2026-01"}.Validate(),
		BillQuery{Account: "a", Period: "2026-1"}.Validate(),
		Adjustment{Account: "a", Kind: Credit, Amount: 1}.Validate(),
		Adjustment{IdempotencyKey: "k", Account: "a", Kind: Credit}.Validate(),
		Adjustment{IdempotencyKey: "k", Account: "a", Amount: 1}.Validate(),
		FlagChange{CustomerID: "c", Flag: "vip"}.Validate(),
		ContactQuery{}.Validate(),
	} {
		assert.ErrorIs(t, err, ErrInvalidArgument)
	}
	assert.NoError(t, BillQuery{Account: "a", Period: "2026-01"}.Validate())
}

func ExampleIsRetryable() {
	err := Errorf(Unavailable, "boss is down for maintenance")
	fmt.Println(err)
	fmt.Println(IsRetryable(err), errors.Is(err, ErrUnavailable))
	// Output:
	// adapters: boss is down for maintenance (unavailable)
	// true true
}
