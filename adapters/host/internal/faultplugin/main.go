// Command faultplugin is a kesu plugin for the host's fault tests. It serves
// all three contracts from an in-memory fake with KESU_FAULT_PROFILES
// generated customers (C-000000 ...), and misbehaves as KESU_FAULT says
// (comma-separated; "-once" faults fire once per KESU_FAULT_DIR):
//
//	crash-once          exit in the middle of a Profiles call
//	crash-adjust-once   exit after applying (journaling) an adjustment, before answering
//	hang-once           block an Outages call forever (the process stays healthy)
//	stop-once           freeze the whole process (SIGSTOP) during an Outages call
//	unavailable-once    answer Outages with Unavailable
//	garbage             answer Profiles with a profile nobody asked for
//	garbage-handshake   write junk to standard output before the handshake
//	slow-start          sleep KESU_FAULT_DELAY (e.g. 1s) before serving
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/adapters/adaptertest"
)

type faulty struct {
	*adaptertest.Fake
	faults map[string]bool
	dir    string
}

// once reports whether the named one-time fault should fire now.
func (f *faulty) once(name string) bool {
	if !f.faults[name] {
		return false
	}
	file, err := os.OpenFile(filepath.Join(f.dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return false
	}
	file.Close()
	return true
}

func (f *faulty) Profiles(ctx context.Context, ids []string) ([]adapters.Profile, error) {
	if f.once("crash-once") {
		os.Exit(3)
	}
	ps, err := f.Fake.Profiles(ctx, ids)
	if f.faults["garbage"] && err == nil {
		ps = append(ps, adapters.Profile{ID: "nobody-asked-for-this"})
	}
	return ps, err
}

func (f *faulty) Outages(ctx context.Context, q adapters.OutageQuery) ([]adapters.Outage, error) {
	if f.once("hang-once") {
		select {}
	}
	if f.once("stop-once") {
		// The stop may land a moment after kill returns: never answer.
		_ = syscall.Kill(os.Getpid(), syscall.SIGSTOP)
		select {}
	}
	if f.once("unavailable-once") {
		return nil, adapters.Errorf(adapters.Unavailable, "outage system is down for maintenance")
	}
	return f.Fake.Outages(ctx, q)
}

func main() {
	faults := map[string]bool{}
	for _, s := range strings.Split(os.Getenv("KESU_FAULT"), ",") {
		faults[strings.TrimSpace(s)] = true
	}
	if faults["garbage-handshake"] {
		fmt.Println("this is not a handshake")
	}
	if faults["slow-start"] {
		d, _ := time.ParseDuration(os.Getenv("KESU_FAULT_DELAY"))
		time.Sleep(d)
	}
	n, _ := strconv.Atoi(os.Getenv("KESU_FAULT_PROFILES"))
	data := adaptertest.Data{Accounts: []string{"ACC-1"}}
	for i := range n {
		data.Profiles = append(data.Profiles, adapters.Profile{ID: fmt.Sprintf("C-%06d", i), Name: "客户", Region: "GD-SZ-NS", Tier: "gold",
			Flags: []adapters.Flag{{Name: adapters.FlagVIP, Reason: "tier"}}})
	}
	data.Outages = []adapters.Outage{{ID: "O-1", Region: "GD-SZ", Start: time.Date(2026, 1, 20, 1, 0, 0, 0, time.UTC), CustomersAffected: 10}}
	fake := adaptertest.NewFake(data, nil)
	f := &faulty{Fake: fake, faults: faults, dir: os.Getenv("KESU_FAULT_DIR")}
	if j := os.Getenv("KESU_FAULT_JOURNAL"); j != "" {
		if err := fake.UseJournal(j); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if faults["crash-adjust-once"] {
			journal := fake.OnAdjust
			fake.OnAdjust = func(r adaptertest.AdjustmentRecord) error {
				if err := journal(r); err != nil {
					return err
				}
				if f.once("crash-adjust-once") {
					os.Exit(3)
				}
				return nil
			}
		}
	}
	logger := adapters.NewLogger(nil)
	logger.Info("fault plugin starting", "faults", os.Getenv("KESU_FAULT"), "profiles", n)
	adapters.Serve(adapters.Plugins{Name: "faultplugin", Version: "test", Billing: f, CRM: f, Outages: f, WatchdogInterval: 100 * time.Millisecond})
}
