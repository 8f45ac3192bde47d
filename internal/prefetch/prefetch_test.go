package prefetch

import (
	"runtime"
	"testing"
	"unsafe"
)

// TestFour prefetches live bytes and checks the result: 0 where the CPU
// prefetches, the bytes' sum where plain loads stand in.
func TestFour(t *testing.T) {
	b := []byte{1, 2, 3, 4}
	got := Four(unsafe.Pointer(&b[0]), unsafe.Pointer(&b[1]), unsafe.Pointer(&b[2]), unsafe.Pointer(&b[3]))
	want := uint64(10)
	if runtime.GOARCH == "amd64" {
		want = 0
	}
	if got != want {
		t.Fatalf("Four = %d, want %d on %s", got, want, runtime.GOARCH)
	}
}

// BenchmarkFour is the cost of four prefetches of cached lines.
func BenchmarkFour(b *testing.B) {
	var x [256]byte
	p := unsafe.Pointer(&x[0])
	var sink uint64
	b.ReportAllocs()
	for b.Loop() {
		sink += Four(p, unsafe.Add(p, 64), unsafe.Add(p, 128), unsafe.Add(p, 192))
	}
	_ = sink
}
