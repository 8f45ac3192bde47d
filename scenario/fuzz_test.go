package scenario_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kesu-go/kesu/scenario"
)

// FuzzParse feeds arbitrary documents to the loader: it must return a
// scenario or an error, never panic; and a scenario it accepts must run
// without panicking.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	more, _ := filepath.Glob("testdata/*/*.yaml")
	for _, file := range append(files, more...) {
		data, err := os.ReadFile(file)
		if err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("start: 2025-03-03\nsteps:\n  - tick: {}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := scenario.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		// Run only small stories: a fuzzed count or advance can ask for
		// hours of legitimate work.
		tickets, span := 0, time.Duration(0)
		for _, st := range s.Steps {
			if st.Intake != nil {
				tickets += max(1, st.Intake.Count)
				span += st.Intake.Spread
			}
			span += st.Advance
			if !st.At.IsZero() {
				span += st.At.Sub(s.Start)
			}
		}
		if s.Policy == nil && tickets <= 200 && span <= 400*24*time.Hour && s.Tick >= time.Minute {
			s.Check(t.Context())
		}
	})
}
