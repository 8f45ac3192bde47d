package scoring_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/scoring"
)

func TestCollector(t *testing.T) {
	w := newWorld(t, mustPolicy(t, testPolicy), scoring.BookConfig{Dimensions: []string{"all", "city"}})
	march(w)
	reg := prometheus.NewPedanticRegistry()
	_, err := scoring.NewCollector(w.book, reg)
	require.NoError(t, err)
	// received: T0 T7 T8 T1 T2 T3 T4 T5 T6 = 9; cities: gd.gz and gd.sz
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP kesu_scoring_units Units kept by the scoring book, by dimension.
# TYPE kesu_scoring_units gauge
kesu_scoring_units{dimension="all"} 1
kesu_scoring_units{dimension="city"} 2
`), "kesu_scoring_units"))
	require.Equal(t, 1, testutil.CollectAndCount(reg, "kesu_scoring_events_total"))
	n, err := testutil.GatherAndCount(reg, "kesu_scoring_facts_total")
	require.NoError(t, err)
	require.Equal(t, 13, n)
	_, err = scoring.NewCollector(w.book, reg)
	require.Error(t, err, "registered twice")
}
