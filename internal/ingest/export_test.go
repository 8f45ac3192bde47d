package ingest

// SetArchiveRunBytes makes s's archive of warnings write a run every n
// encoded bytes, so that a short stream makes many runs.
func SetArchiveRunBytes(s *Stack, n int) { s.arc.runBytes = n }

// SetSweepMin makes s sweep its resolved warnings once n or more wait.
func SetSweepMin(s *Stack, n int) { s.overMark, s.sweepMin = n, n }

// ArchivedWarnings returns how many warnings s archived and in how many
// runs.
func ArchivedWarnings(s *Stack) (n, runs int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.arc.each(func(*Listed, int) bool { n++; return true }); err != nil {
		panic(err)
	}
	return n, len(s.arc.runs)
}

// ProcCPU is procCPU, for the package's external benchmarks.
var ProcCPU = procCPU

// Ahead is p.ahead, for the package's external tests.
func (p *Prefetch) Ahead(k int) *Row { return p.ahead(k) }
