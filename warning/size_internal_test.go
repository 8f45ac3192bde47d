package warning

import (
	"testing"
	"unsafe"
)

func TestSeriesSize(t *testing.T) {
	t.Logf("series %d B, repEntry %d B, escState %d B", unsafe.Sizeof(series{}), unsafe.Sizeof(repEntry{}), unsafe.Sizeof(escState{}))
	if unsafe.Sizeof(series{}) > 1024 {
		t.Errorf("series is %d B, over 1 KB", unsafe.Sizeof(series{}))
	}
}
