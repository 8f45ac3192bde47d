package warning_test

import (
	"testing"

	"github.com/kesu-go/kesu/examples/policy"
	"github.com/kesu-go/kesu/warning"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParsePresetsAndErrors(t *testing.T) {
	_, err := warning.Parse("carrier.yaml", policy.Carrier)
	require.NoError(t, err)
	_, err = warning.Parse("utility.yaml", policy.Utility)
	require.NoError(t, err)
	_, err = warning.Parse("bad.yaml", []byte("version: 1\nwarnings:\n  batch: {min_tikets: 5}\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad.yaml:3")
	_, err = warning.Load("testdata/does-not-exist.yaml")
	assert.Error(t, err)
}
