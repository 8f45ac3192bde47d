package warning

import (
	"unsafe"

	"github.com/kesu-go/kesu/internal/prefetch"
)

// prefetched starts loading the cache lines at a, b, c and d
// (prefetch.Four); add its result into a sink field.
func prefetched(a, b, c, d unsafe.Pointer) uint64 { return prefetch.Four(a, b, c, d) }
