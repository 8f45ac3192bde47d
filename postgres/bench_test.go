package postgres_test

import (
	"testing"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/complaint/storetest"
)

// BenchmarkIntake: see storetest.BenchIntake; copyN stores N tickets per
// CreateBatch (COPY).
func BenchmarkIntake(b *testing.B) {
	url(b)
	b.Run("mem-baseline", func(b *testing.B) { storetest.BenchIntake(b, complaint.NewMemStore(), 1) })
	b.Run("postgres-create", func(b *testing.B) { storetest.BenchIntake(b, open(b), 1) })
	b.Run("postgres-copy100", func(b *testing.B) { storetest.BenchIntake(b, open(b), 100) })
	b.Run("postgres-copy1000", func(b *testing.B) { storetest.BenchIntake(b, open(b), 1000) })
}

// BenchmarkRebuild replays storetest.BenchEvents() events (1,000,000 by
// default) with kesu.Rebuild: see storetest.BenchRebuild.
func BenchmarkRebuild(b *testing.B) {
	url(b)
	b.Run("mem-baseline", func(b *testing.B) { storetest.BenchRebuild(b, complaint.NewMemStore()) })
	b.Run("postgres", func(b *testing.B) { storetest.BenchRebuild(b, open(b)) })
}
