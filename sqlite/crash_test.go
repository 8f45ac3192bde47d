package sqlite_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kesu-go/kesu"
	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/sqlite"
)

const crashEnv = "KESU_SQLITE_CRASH_WRITER"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		if err := crashWriter(path); err != nil {
			fmt.Fprintln(os.Stderr, "writer:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// counter is a projection: events by type and urges by ticket. Its state
// is JSON, saved as a checkpoint.
type counter struct {
	mu     sync.Mutex
	ByType map[complaint.EventType]int `json:"by_type"`
	Urges  map[string]int              `json:"urges"`
	Last   int64                       `json:"last"`
}

func newCounter() *counter {
	return &counter{ByType: map[complaint.EventType]int{}, Urges: map[string]int{}}
}

func (c *counter) Observe(e *complaint.Event, t *complaint.Ticket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ByType[e.Type]++
	if e.Type == complaint.EventUrged {
		c.Urges[t.ID] = t.UrgeCount
	}
	c.Last = e.Pos
}

func (c *counter) state() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, _ := json.Marshal(c)
	return b
}

// crashWriter takes tickets into the store at path until it is killed,
// printing each acknowledged external id; every third intake also urges an
// earlier ticket, and every 50 intakes the counter is checkpointed.
func crashWriter(path string) error {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	cnt := newCounter()
	if _, err := kesu.Rebuild(ctx, s, cnt); err != nil {
		return err
	}
	clock := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	eng := kesu.New(kesu.Config{Store: s, Observers: []kesu.Observer{cnt},
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			clock = clock.Add(time.Second)
			return clock
		},
		NewID: complaint.Sequence(os.Getenv(crashEnv + "_PREFIX"))})
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		ext := fmt.Sprintf("X%06d", i)
		t, err := eng.Intake(ctx, complaint.Intake{ExternalID: ext, Kind: complaint.KindComplaint, Channel: complaint.ChannelHotline,
			Category: "vas.unaware", Region: "gd.gz.th", Customer: fmt.Sprintf("C%d", i%50), Text: "未经同意开通业务"})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "ack %s %s\n", ext, t.ID)
		if err := out.Flush(); err != nil {
			return err
		}
		if i%3 == 2 {
			prev, err := s.GetExternal(ctx, fmt.Sprintf("X%06d", i/2))
			if err != nil {
				return err
			}
			if _, err := eng.Apply(ctx, prev.ID, complaint.Event{Type: complaint.EventUrged}); err != nil {
				return err
			}
		}
		if i%50 == 49 {
			st := cnt.state()
			var c counter
			_ = json.Unmarshal(st, &c)
			if err := s.SaveCheckpoint(ctx, "counter", c.Last, st); err != nil {
				return err
			}
		}
	}
}

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a writer process")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	acked := map[string]bool{}
	// Two runs of the writer, both killed mid-stream: the second resumes
	// after the first crash.
	for run, killAfter := range []int{300, 450} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+path, fmt.Sprintf("%s_PREFIX=R%d-", crashEnv, run))
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		sc := bufio.NewScanner(stdout)
		n := 0
		killed := false
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			require.Len(t, f, 3, "writer output %q", sc.Text())
			acked[f[1]] = true
			n++
			if n == killAfter && !killed {
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
				killed = true
			}
		}
		err = cmd.Wait()
		require.Error(t, err, "the writer was killed")
		require.True(t, killed, "run %d: writer stopped after %d acks", run, n)
		// The second run starts from the external ids the first took:
		// they are taken again (idempotent) and acknowledged again.
	}
	require.GreaterOrEqual(t, len(acked), 450)

	ctx := t.Context()
	s, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	all, err := s.Find(ctx, complaint.Query{})
	require.NoError(t, err)
	byExt := map[string]int{}
	for _, tk := range all {
		byExt[tk.ExternalID]++
		evs, err := s.Events(ctx, tk.ID)
		require.NoError(t, err)
		folded, err := complaint.Fold(evs)
		require.NoError(t, err)
		assert.Equal(t, tk.Version, folded.Version, "snapshot of %s matches its log", tk.ID)
		assert.Equal(t, tk.UrgeCount, folded.UrgeCount)
	}
	for ext := range acked {
		assert.Equal(t, 1, byExt[ext], "acknowledged intake %s is there exactly once", ext)
	}
	assert.LessOrEqual(t, len(all), len(acked)+1, "at most the one intake in flight at the kill is there unacknowledged")

	// The projection rebuilt from the whole log matches the snapshots...
	full := newCounter()
	last, err := kesu.Rebuild(ctx, s, full)
	require.NoError(t, err)
	assert.Equal(t, len(all), full.ByType[complaint.EventReceived])
	for _, tk := range all {
		assert.Equal(t, tk.UrgeCount, full.Urges[tk.ID], "urges of %s", tk.ID)
	}
	// ...and so does the one resumed from the last checkpoint plus the tail.
	pos, state, err := s.LoadCheckpoint(ctx, "counter")
	require.NoError(t, err)
	require.Positive(t, pos)
	resumed := newCounter()
	require.NoError(t, json.Unmarshal(state, resumed))
	tail, err := kesu.RebuildAfter(ctx, s, pos, resumed)
	require.NoError(t, err)
	assert.Equal(t, last, tail)
	assert.Equal(t, full.ByType, resumed.ByType)
	assert.Equal(t, full.Urges, resumed.Urges)
}
