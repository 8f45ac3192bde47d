package warning

import "github.com/kesu-go/kesu/internal/policyfile"

// Load reads the warnings, grades and ledger sections of the policy file at
// path (see LoadConfig); the other sections belong to other packages and
// are left alone. Errors name file:line.
func Load(path string) (Config, error) {
	f, err := policyfile.Load(path)
	if err != nil {
		return Config{}, err
	}
	return LoadConfig(f)
}

// Parse is Load for a policy document in memory; name is used in errors.
func Parse(name string, data []byte) (Config, error) {
	f, err := policyfile.Parse(name, data)
	if err != nil {
		return Config{}, err
	}
	return LoadConfig(f)
}
