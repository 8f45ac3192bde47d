// Package scenarios_test runs every story of the source articles, written as
// a scenario file in this directory, under go test (so CI runs them):
//
//	go test ./examples/scenarios/
//	kesu scenario run examples/scenarios
package scenarios_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/scenario"
)

func TestStories(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 7, "a story is missing")
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			scenario.Run(t, f)
		})
	}
}
