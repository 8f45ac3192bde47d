package main

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/adapters/adaptertest"
	"github.com/kesu-go/kesu/adapters/host"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kesu-crm-plugin")
	if err != nil {
		panic(err)
	}
	if binary, err = adaptertest.Build(context.Background(), ".", dir); err != nil {
		os.RemoveAll(dir)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func options() adaptertest.Options {
	return adaptertest.Options{
		CustomerIDs: []string{"C-1001", "C-1002", "C-1003"}, Writes: true,
		From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
		Region: "GD",
	}
}

func TestConformanceInProcess(t *testing.T) {
	d, err := adaptertest.LoadData(bytes.NewReader(defaultData))
	require.NoError(t, err)
	fake := adaptertest.NewFake(d, nil)
	c := adaptertest.InProcess(t, adapters.Plugins{Name: "example-crm", CRM: fake, Outages: fake})
	adaptertest.Run(t, c, options())
}

func TestConformanceBinary(t *testing.T) {
	adaptertest.TestBinary(t, binary, options())
}

func TestProfessionalComplainant(t *testing.T) {
	h := host.New(nil)
	defer h.Close()
	p, err := h.Launch(context.Background(), host.Config{Path: binary})
	require.NoError(t, err)
	ps, err := p.Profiles(context.Background(), []string{"C-1002", "nobody", "C-1004"})
	require.NoError(t, err)
	require.Len(t, ps, 2)
	require.True(t, ps[0].HasFlag(adapters.FlagProfessionalComplainant))
	require.Equal(t, "agent-07", ps[0].Owner)
	require.True(t, ps[1].HasFlag(adapters.FlagSensitive))
	os, err := p.Outages(context.Background(), adapters.OutageQuery{Region: "GD-SZ", From: time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 21, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	require.Len(t, os, 1)
	require.Equal(t, []string{"C-1003"}, os[0].ImportantUsers)
}
