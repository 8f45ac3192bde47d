package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	s := out.String()
	assert.Contains(t, s, "refused: complaint: ticket T00000002 is dispatched: closed not allowed")
	assert.Contains(t, s, "customer-facing timeline of T00000001 (138****5678)")
	assert.NotContains(t, s, "SP0731 本月已有多起同类投诉", "internal notes never reach the timeline")
	assert.Contains(t, s, "T00000002 closed")
	assert.Contains(t, s, "reopens=1")
	assert.Contains(t, s, "paused while waiting on the customer: 45m0s")
}
