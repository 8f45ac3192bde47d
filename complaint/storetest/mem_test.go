package storetest_test

import (
	"testing"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/complaint/storetest"
)

func TestMemStore(t *testing.T) {
	storetest.Run(t, func(*testing.T) complaint.Store { return complaint.NewMemStore() })
}
