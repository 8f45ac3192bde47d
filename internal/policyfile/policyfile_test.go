package policyfile_test

import (
	"testing"

	"github.com/kesu-go/kesu/internal/policyfile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type rule struct {
	ID    string `yaml:"id"`
	Match struct {
		Kind []string `yaml:"kind"`
	} `yaml:"match"`
	When string `yaml:"when"`
}

func TestParseAndDecode(t *testing.T) {
	src := "version: 1\ntags:\n  - id: a\n    match: {kind: [complaint]}\n  - id: b\n    mtach: {}\n    when: x\n"
	f, err := policyfile.Parse("p.yaml", []byte(src))
	require.NoError(t, err)
	var rules []rule
	err = f.Decode("tags", &rules)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "p.yaml:6: tags[1].mtach: unknown key")

	src = "version: 1\ntags:\n  - id: a\n    match: {kind: [complaint]}\n"
	f, err = policyfile.Parse("p.yaml", []byte(src))
	require.NoError(t, err)
	require.NoError(t, f.Decode("tags", &rules))
	assert.Equal(t, []string{"complaint"}, rules[0].Match.Kind)
}

func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		"version: 1\nroutez: {}\n": "p.yaml:2: routez: unknown section",
		"tags: []\n":               "p.yaml:1: version: required",
		"version: 2\n":             "p.yaml:1: version: unsupported version 2",
		"version: 1\n  bad: [\n":   "p.yaml:",
		"- a\n":                    "a policy is a mapping",
		"version: 1\nversion: 1\n": "p.yaml:",
		"version: 1\ntags: [\n":    "p.yaml:",
		"":                         "empty policy",
	}
	for src, want := range cases {
		_, err := policyfile.Parse("p.yaml", []byte(src))
		require.Error(t, err, src)
		assert.Contains(t, err.Error(), want, src)
	}
}

func TestDecodeTypeError(t *testing.T) {
	f, err := policyfile.Parse("p.yaml", []byte("version: 1\ntags:\n  - id: [x]\n"))
	require.NoError(t, err)
	var rules []rule
	err = f.Decode("tags", &rules)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "p.yaml:3")
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("version: 1\ntags:\n  - id: a\n"))
	f.Add([]byte("version: 1\nroutes: {id: root}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := policyfile.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		var rules []rule
		_ = pf.Decode("tags", &rules)
	})
}
