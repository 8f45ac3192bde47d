package ingest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/internal/ingest"
	"github.com/kesu-go/kesu/internal/policyfile"
	"github.com/kesu-go/kesu/warning"
)

// TestReplayForgetsIdleTickets replays a ticket list (intakes only, no
// lifecycle: every ticket stays open and goes overdue) of 40 days through
// the carrier policy with a 10-day window. The tickets the window forgets
// take their deadline warnings with them (Engine.Forget): the warnings
// still firing, and the ledger's entries still open, name only tickets the
// window holds, so memory follows the window, not the history; the
// warnings of the tickets forgotten are listed as over (archived, or
// closed by the ledger itself).
func TestReplayForgetsIdleTickets(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2025, 3, 3, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	var b strings.Builder
	for i := range 40 * 24 {
		at := start.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)
		fmt.Fprintf(&b, `{"at":%q,"intake":{"external_id":"X%04d","kind":"complaint","channel":"hotline","category":"network.quality","region":"gd.c02.d04.s03","customer":"C%04d","text":"信号差","received_at":%q}}`+"\n",
			at, i, i, at)
	}
	pf, err := policyfile.Load("../../examples/policy/carrier.yaml")
	require.NoError(t, err)
	stack, err := ingest.NewStack(ctx, ingest.StackConfig{Policy: pf, Background: true})
	require.NoError(t, err)
	defer stack.Close()
	r := stackReplay(stack, 10*24*time.Hour)
	win := r.Window
	sum, err := r.Run(ctx, ingest.NewJSONL(strings.NewReader(b.String())))
	require.NoError(t, err)
	require.NoError(t, r.Engine.Tick(ctx, sum.Last))
	require.Equal(t, int64(40*24), sum.Tickets)
	require.Greater(t, sum.Expired, int64(600), "the window forgot the tickets idle past 10 days")

	held := func(id string) bool { _, err := win.Get(ctx, id); return err == nil }
	firing := 0
	for _, w := range stack.Monitor.Active() {
		if w.Kind == warning.KindDeadline {
			firing++
			require.True(t, held(w.Key.Get("ticket")), "warning %s fires for %s, which the window forgot", w.ID, w.Key.Get("ticket"))
		}
	}
	require.NotZero(t, firing, "the tickets held are overdue")
	for _, e := range stack.Monitor.Ledger().Entries(warning.KindDeadline) {
		if e.State != warning.StateClosed {
			require.True(t, held(e.Warning.Key.Get("ticket")), "ledger entry %s (%s) open for a forgotten ticket", e.Warning.ID, e.State)
		}
	}
	archived := 0
	for _, l := range listWarnings(t, stack) {
		if l.Kind == string(warning.KindDeadline) && !held(strings.TrimPrefix(l.Key[strings.Index(l.Key, "ticket="):], "ticket=")) {
			assert.Contains(t, []string{"archived", "closed"}, l.State, "%s", l.Key) // closed: the ledger's recent entries
			archived++
		}
	}
	assert.Greater(t, archived, 600, "the forgotten tickets' warnings are listed")
}
