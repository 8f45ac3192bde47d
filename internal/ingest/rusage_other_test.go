//go:build !unix

package ingest

import "time"

func procCPU() time.Duration { return 0 }
