package postgres_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/complaint/storetest"
	"github.com/kesu-go/kesu/postgres"
)

// url returns the test database's address from KESU_POSTGRES_URL and skips
// the test when it is unset (.ci/services sets it).
func url(t testing.TB) string {
	t.Helper()
	u := os.Getenv("KESU_POSTGRES_URL")
	if u == "" {
		t.Skip("KESU_POSTGRES_URL is not set")
	}
	return u
}

var schemas atomic.Int64

// newSchema returns a fresh schema name for one test and drops it when the
// test ends, so tests and parallel packages never share tables.
func newSchema(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("kesu_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, schemas.Add(1))
	u := url(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, u)
		require.NoError(t, err)
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE")
		require.NoError(t, err)
	})
	return name
}

func openSchema(t testing.TB, schema string, opts ...postgres.Option) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url(t), append([]postgres.Option{postgres.WithSchema(schema)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func open(t testing.TB) *postgres.Store { return openSchema(t, newSchema(t)) }

func TestConformance(t *testing.T) {
	url(t)
	storetest.Run(t, func(t *testing.T) complaint.Store { return open(t) })
}
