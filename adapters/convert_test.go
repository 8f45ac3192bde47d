package adapters

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/kesu-go/kesu/adapters/internal/pb"
)

var t0 = time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC)

func TestProfileRoundTrip(t *testing.T) {
	in := []Profile{{ID: "C-1", Name: "李娜", Region: "GD-SZ", Tier: "gold", PriorEscalations: 2, Owner: "agent-07", UpdatedAt: t0,
		Flags: []Flag{{Name: FlagProfessionalComplainant, Reason: "12300", SetBy: "a", SetAt: t0}}}, {ID: "C-2"}}
	msgs := make([]*pb.Profile, len(in))
	for i := range in {
		msgs[i] = profileToPB(&in[i])
	}
	out, err := decodeProfiles(msgs)
	require.NoError(t, err)
	assert.Equal(t, in, out)
}

func TestOutageRoundTripAndChecks(t *testing.T) {
	in := Outage{ID: "O-1", Region: "GD", Start: t0, End: t0.Add(time.Hour), Planned: true, CustomersAffected: 10, CustomersNotified: 9, ImportantUsers: []string{"H-1"}}
	out, err := decodeOutages([]*pb.Outage{outageToPB(&in)})
	require.NoError(t, err)
	assert.Equal(t, in, out[0])

	bad := outageToPB(&in)
	bad.CustomersNotified = 11
	_, err = decodeOutages([]*pb.Outage{bad})
	assert.ErrorContains(t, err, "customers_notified")

	bad = outageToPB(&in)
	bad.Start = &timestamppb.Timestamp{Seconds: 1, Nanos: -5}
	_, err = decodeOutages([]*pb.Outage{bad})
	assert.Error(t, err)
}

func TestCheckProfileOrder(t *testing.T) {
	ids := []string{"a", "b", "c"}
	assert.NoError(t, checkProfileOrder(ids, []Profile{{ID: "a"}, {ID: "c"}}))
	assert.Error(t, checkProfileOrder(ids, []Profile{{ID: "c"}, {ID: "a"}}))
	assert.Error(t, checkProfileOrder(ids, []Profile{{ID: "z"}}))
}

// FuzzDecode feeds arbitrary bytes to the protobuf decoder and then to the
// conversions a host applies to a plugin's answers: they must never panic,
// and what they accept must survive a re-encoding unchanged.
func FuzzDecode(f *testing.F) {
	p := Profile{ID: "C-1", Flags: []Flag{{Name: "vip", SetAt: t0}}, UpdatedAt: t0}
	b, _ := proto.Marshal(&pb.GetProfilesResponse{Profiles: []*pb.Profile{profileToPB(&p)}})
	f.Add(b)
	o := Outage{ID: "O", Start: t0, CustomersAffected: 3, CustomersNotified: 1}
	b, _ = proto.Marshal(&pb.ListOutagesResponse{Outages: []*pb.Outage{outageToPB(&o)}})
	f.Add(b)
	f.Add([]byte{0x0a, 0x02, 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		var pr pb.GetProfilesResponse
		if proto.Unmarshal(data, &pr) == nil {
			if ps, err := decodeProfiles(pr.GetProfiles()); err == nil {
				msgs := make([]*pb.Profile, len(ps))
				for i := range ps {
					msgs[i] = profileToPB(&ps[i])
				}
				again, err := decodeProfiles(msgs)
				require.NoError(t, err)
				require.Equal(t, ps, again)
			}
		}
		var or pb.ListOutagesResponse
		if proto.Unmarshal(data, &or) == nil {
			_, _ = decodeOutages(or.GetOutages())
		}
		var br pb.GetBillsResponse
		if proto.Unmarshal(data, &br) == nil {
			_, _ = decodeBills(br.GetBills())
		}
		var sr pb.ListSubscriptionsResponse
		if proto.Unmarshal(data, &sr) == nil {
			_, _ = decodeSubscriptions(sr.GetSubscriptions())
		}
		var cr pb.ListContactsResponse
		if proto.Unmarshal(data, &cr) == nil {
			_, _ = decodeContacts(cr.GetContacts())
		}
		var vr pb.ListSurveysResponse
		if proto.Unmarshal(data, &vr) == nil {
			_, _ = decodeSurveys(vr.GetResults())
		}
		var ar pb.AdjustRequest
		if proto.Unmarshal(data, &ar) == nil {
			_ = decodeAdjustment(&ar).Validate()
		}
	})
}
