// Command billing-plugin is an example kesu billing plugin: a small fake
// BOSS backed by a JSON file. It serves the Billing contract only.
//
// The data defaults to the embedded data.json; set KESU_BILLING_DATA or pass
// -data to use another file. Set KESU_BILLING_JOURNAL (or -journal) to a file
// to keep adjustments, and so their idempotency keys, across restarts.
//
// kesu starts it; run by hand it only says that it is a plugin.
package main

import (
	"bytes"
	_ "embed"
	"flag"
	"fmt"
	"os"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/adapters/adaptertest"
)

//go:embed data.json
var defaultData []byte

func main() {
	dataPath := flag.String("data", os.Getenv("KESU_BILLING_DATA"), "JSON data file (default: embedded)")
	journal := flag.String("journal", os.Getenv("KESU_BILLING_JOURNAL"), "adjustment journal file (default: none)")
	flag.Parse()
	fake, err := load(*dataPath, defaultData)
	if err == nil && *journal != "" {
		err = fake.UseJournal(*journal)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "billing-plugin:", err)
		os.Exit(1)
	}
	adapters.Serve(adapters.Plugins{Name: "example-billing", Version: "0.1.0", Billing: fake})
}

func load(path string, embedded []byte) (*adaptertest.Fake, error) {
	src := embedded
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		src = b
	}
	d, err := adaptertest.LoadData(bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	return adaptertest.NewFake(d, nil), nil
}
