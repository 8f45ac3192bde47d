package routing_test

import (
	"time"

	"github.com/kesu-go/kesu/complaint"
)

func fuzzTickets() []*complaint.Ticket {
	at := time.Date(2025, 5, 6, 9, 30, 0, 0, time.UTC)
	return []*complaint.Ticket{
		{ID: "F1", Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline, Category: "billing.dispute", Region: "gd.gz.th", ReceivedAt: at, Text: "工信部"},
		{ID: "F2", Kind: complaint.KindEscalated, Channel: complaint.ChannelMIIT, Category: "vas.unaware", Region: "gd.sz", ReceivedAt: at},
		{ID: "F3", Kind: complaint.KindFaultReport, Channel: complaint.ChannelApp, Category: "outage.long", Region: "x", ReceivedAt: at},
		{ID: "F4", Kind: "", Channel: "", Category: "", Region: "", ReceivedAt: at},
	}
}
