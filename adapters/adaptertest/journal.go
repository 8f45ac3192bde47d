package adaptertest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
)

// UseJournal makes the Fake's adjustments survive a restart: it reads the
// adjustments recorded in the JSON-lines file at path (a missing file is
// empty), restores them, and appends each new adjustment to the file, synced
// to disk, before the Fake answers. It replaces OnAdjust. Call it before
// use. The error says why the file could not be read.
func (f *Fake) UseJournal(path string) error {
	recs, err := readJournal(path)
	if err != nil {
		return err
	}
	f.Restore(recs)
	var mu sync.Mutex
	f.OnAdjust = func(r AdjustmentRecord) error {
		mu.Lock()
		defer mu.Unlock()
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		file, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		if _, err := file.Write(append(b, '\n')); err != nil {
			file.Close()
			return err
		}
		if err := file.Sync(); err != nil {
			file.Close()
			return err
		}
		return file.Close()
	}
	return nil
}

// ReadJournal returns the adjustments recorded in a journal written by
// [Fake.UseJournal]; a missing file has none.
func ReadJournal(path string) ([]AdjustmentRecord, error) { return readJournal(path) }

func readJournal(path string) ([]AdjustmentRecord, error) {
	file, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("adaptertest: journal: %w", err)
	}
	defer file.Close()
	var out []AdjustmentRecord
	sc := bufio.NewScanner(file)
	for line := 1; sc.Scan(); line++ {
		var r AdjustmentRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("adaptertest: journal %s:%d: %w", path, line, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}
