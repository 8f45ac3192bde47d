// Package policy embeds kesu's preset policy files — carrier.yaml (a telecom
// carrier) and utility.yaml (a power utility) — so that examples and tests
// can use them wherever they run. Each is one policy file read by routing,
// warning and scoring alike; copy one as the start of your own.
package policy

import _ "embed"

// Carrier is examples/policy/carrier.yaml.
//
//go:embed carrier.yaml
var Carrier []byte

// Utility is examples/policy/utility.yaml.
//
//go:embed utility.yaml
var Utility []byte
