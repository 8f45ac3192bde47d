package scenario_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/scenario"
)

func TestGenerateDeterministic(t *testing.T) {
	cfg := scenario.GenConfig{Seed: 42, Days: 40, Incidents: 3, PerDay: 200}
	var a, b bytes.Buffer
	s1, err := scenario.Generate(cfg)
	require.NoError(t, err)
	s2, err := scenario.Generate(cfg)
	require.NoError(t, err)
	require.NoError(t, s1.WriteJSONL(&a))
	require.NoError(t, s2.WriteJSONL(&b))
	require.Equal(t, a.String(), b.String(), "same config, same stream")
	var c bytes.Buffer
	require.NoError(t, s1.WriteJSONL(&c))
	require.Equal(t, a.String(), c.String(), "iterating again gives the same stream")
	s3, err := scenario.Generate(scenario.GenConfig{Seed: 43, Days: 40, Incidents: 3, PerDay: 200})
	require.NoError(t, err)
	var d bytes.Buffer
	require.NoError(t, s3.WriteJSONL(&d))
	require.NotEqual(t, a.String(), d.String())
}

func TestGenerateShape(t *testing.T) {
	for _, prof := range []string{"carrier", "utility"} {
		t.Run(prof, func(t *testing.T) {
			s, err := scenario.Generate(scenario.GenConfig{Profile: prof, Seed: 1, Days: 56, Incidents: 4})
			require.NoError(t, err)
			incs := s.Incidents()
			require.Len(t, incs, 4)
			var hours [24]int
			var weekday, weekend int
			fromInc := map[string]int{}
			tickets := map[string]bool{}
			var last time.Time
			for it := range s.Items() {
				require.False(t, it.At.Before(last), "items in time order")
				last = it.At
				if it.Intake == nil {
					require.NotNil(t, it.Event)
					require.True(t, tickets[it.Ticket], "action on a known ticket")
					continue
				}
				in := it.Intake
				tickets[in.ExternalID] = true
				require.NoError(t, complaint.ValidateIntake(in, s.Categories(), s.Regions()))
				if it.Incident != "" {
					fromInc[it.Incident]++
					continue
				}
				hours[it.At.Hour()]++
				if wd := it.At.Weekday(); wd == time.Saturday || wd == time.Sunday {
					weekend++
				} else {
					weekday++
				}
			}
			for _, in := range incs {
				assert.Equal(t, in.Size, fromInc[in.ID], "incident %s injects its size", in.ID)
				assert.True(t, in.Start.After(s.Config().Start.AddDate(0, 0, s.Config().Warmup-1)))
			}
			assert.Greater(t, hours[10], 5*hours[3], "hour-of-day seasonality")
			assert.Greater(t, float64(weekday)/5, float64(weekend)/2, "weekdays busier than weekends")
			perDay := float64(weekday+weekend) / 56
			assert.InDelta(t, 550, perDay, 60)
		})
	}
}

func TestGenerateErrorsAndIncidentsJSONL(t *testing.T) {
	_, err := scenario.Generate(scenario.GenConfig{Profile: "bakery"})
	require.ErrorIs(t, err, complaint.ErrInvalid)
	_, err = scenario.Generate(scenario.GenConfig{Days: -1})
	require.ErrorIs(t, err, complaint.ErrInvalid)
	s, err := scenario.Generate(scenario.GenConfig{Seed: 5, Days: 50, Incidents: 2})
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, scenario.WriteIncidentsJSONL(&b, s.Incidents()))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 2)
	var in scenario.Incident
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &in))
	assert.Equal(t, s.Incidents()[0].ID, in.ID)
	c, err := s.Customer(t.Context(), "C0000997")
	require.NoError(t, err)
	assert.True(t, c.Has(complaint.FlagProfessional))
	_, err = s.Customer(t.Context(), "nobody")
	require.ErrorIs(t, err, complaint.ErrNotFound)
}

// TestGenerateHandlingTimely checks that the generated handling is mostly on
// time: first contact within 48 minutes (the countdown of a 1 h deadline)
// for 90–97 % of tickets, a reply within 12 h for most, every ticket closed.
func TestGenerateHandlingTimely(t *testing.T) {
	s, err := scenario.Generate(scenario.GenConfig{Profile: "carrier", Seed: 7, Days: 20, PerDay: 300})
	require.NoError(t, err)
	received := map[string]time.Time{}
	contacted := map[string]time.Duration{}
	replied := map[string]time.Duration{}
	closed := map[string]bool{}
	for it := range s.Items() {
		if it.Intake != nil {
			received[it.Intake.ExternalID] = it.At
			continue
		}
		at, ok := received[it.Ticket]
		require.True(t, ok)
		switch it.Event.Type {
		case complaint.EventContacted:
			contacted[it.Ticket] = it.At.Sub(at)
		case complaint.EventReplied:
			replied[it.Ticket] = it.At.Sub(at)
		case complaint.EventClosed:
			closed[it.Ticket] = true
		}
	}
	require.Greater(t, len(received), 5000)
	var fast, onTime int
	for id := range received {
		if d, ok := contacted[id]; ok && d <= 48*time.Minute {
			fast++
		}
		if d, ok := replied[id]; ok && d <= 12*time.Hour {
			onTime++
		}
	}
	n := float64(len(received))
	assert.InDelta(t, 0.935, float64(fast)/n, 0.035, "share contacted within 48 min")
	assert.Greater(t, float64(onTime)/n, 0.85, "share replied within 12 h")
	assert.Less(t, float64(onTime)/n, 0.99, "some replies run late")
	assert.Len(t, closed, len(received), "every ticket is closed")
}
