package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/complaint/storetest"
	"github.com/kesu-go/kesu/sqlite"
)

func openBench(b *testing.B) *sqlite.Store {
	b.Helper()
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkIntake: see storetest.BenchIntake; batchN stores N tickets per
// CreateBatch.
func BenchmarkIntake(b *testing.B) {
	b.Run("mem-baseline", func(b *testing.B) { storetest.BenchIntake(b, complaint.NewMemStore(), 1) })
	b.Run("sqlite-create", func(b *testing.B) { storetest.BenchIntake(b, openBench(b), 1) })
	b.Run("sqlite-batch100", func(b *testing.B) { storetest.BenchIntake(b, openBench(b), 100) })
	b.Run("sqlite-batch1000", func(b *testing.B) { storetest.BenchIntake(b, openBench(b), 1000) })
}

// BenchmarkRebuild replays storetest.BenchEvents() events (1,000,000 by
// default) with kesu.Rebuild: see storetest.BenchRebuild.
func BenchmarkRebuild(b *testing.B) {
	b.Run("mem-baseline", func(b *testing.B) { storetest.BenchRebuild(b, complaint.NewMemStore()) })
	b.Run("sqlite", func(b *testing.B) { storetest.BenchRebuild(b, openBench(b)) })
}
