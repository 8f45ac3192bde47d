// Command crm-plugin is an example kesu plugin for a CRM and call centre
// with an outage monitor: a small fake backed by a JSON file. It serves the
// CRM and Outages contracts.
//
// The data defaults to the embedded data.json; set KESU_CRM_DATA or pass
// -data to use another file. Flags set through SetFlag live in memory.
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
	dataPath := flag.String("data", os.Getenv("KESU_CRM_DATA"), "JSON data file (default: embedded)")
	flag.Parse()
	src := defaultData
	if *dataPath != "" {
		b, err := os.ReadFile(*dataPath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "crm-plugin:", err)
			os.Exit(1)
		}
		src = b
	}
	d, err := adaptertest.LoadData(bytes.NewReader(src))
	if err != nil {
		fmt.Fprintln(os.Stderr, "crm-plugin:", err)
		os.Exit(1)
	}
	fake := adaptertest.NewFake(d, nil)
	adapters.Serve(adapters.Plugins{Name: "example-crm", Version: "0.1.0", CRM: fake, Outages: fake})
}
