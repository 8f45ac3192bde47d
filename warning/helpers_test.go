package warning_test

import (
	"runtime"

	"github.com/kesu-go/kesu/complaint"
)

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func complaintIntake(customer, text, channel string) complaint.Intake {
	return complaint.Intake{Category: "billing.dispute", Region: "gd.gz.th.s01", Customer: customer, Text: text, Channel: complaint.Channel(channel)}
}
