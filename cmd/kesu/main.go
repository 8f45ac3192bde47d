// Command kesu runs kesu from a shell: scenario files, synthetic streams,
// replays of a complaint history through a policy, and plugin checks.
//
// Usage:
//
//	kesu scenario run PATH...
//	kesu gen --profile carrier|utility --days N --seed S [--truth FILE] [--per-day N] [-o FILE]
//	kesu replay --policy FILE [--map FILE] [--format text|json] [--strict] [--period P] INPUT
//	kesu plugin check [--customer ID] [--account A --period YYYY-MM] PATH
//
// scenario run runs scenario files (a directory runs every *.yaml in it) and
// prints each failure as file:line; the exit status is 0 only when all pass.
//
// gen writes a seeded synthetic complaint stream as JSON Lines (one ticket
// or action a line) on standard output or to -o, and with --truth the
// injected incidents (the ground truth) to FILE. The same flags give the
// same bytes.
//
// replay streams a history — JSON Lines (events, `kesu gen` items or flat
// tickets) or CSV read through a mapping file (--map) — through tagging,
// routing, warnings and scoring without a store: only open tickets are
// held, and forgotten when they close or stay idle past --horizon. A
// ticket forgotten idle takes its deadline clocks, its deadline warnings
// (which end then: listed as over), its place in its handler's workload
// and among its customer's open tickets with it, so that a history whose
// tickets never close (a ticket list, as a CSV export) is held to the
// window as well. It prints the warnings raised and the scorecard of --period (default: the
// year of the first row); --format json prints an object with a warnings
// array (kind, grade, key, raised_at, count, baseline, tickets) and a kpis
// object. Warnings that are over wait for the listing in a temporary file
// (in $TMPDIR, removed at the end; about 100 bytes a warning), so memory
// does not grow with the warnings raised; the list is written a warning at
// a time. Malformed rows are reported on standard error with their line
// number and skipped, or stop the run with --strict; the summary counts
// every row. A progress line is written on standard error when it is a
// terminal. INPUT "-" is standard input. --gc-percent and --mem-limit-mib
// set the garbage collector's policy (by default 800 and 896 MiB unless
// GOGC or GOMEMLIMIT is set: a province-year stays under 1 GB resident; a
// replay whose live heap nears the default limit says so on standard
// error, and the limit follows it from there, at 1.5× what is live, rather
// than have the collector run all the time);
// --cpuprofile, --memprofile and --trace write a CPU profile, a heap
// profile and an execution trace for `go tool pprof` and `go tool trace`.
//
// plugin check launches a plugin binary as kesu does, runs the adapter
// conformance suite against it and prints the report; the exit status is 0
// only when every check passed.
//
// Exit status: 0 success, 1 failure, 2 bad usage.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	_ "time/tzdata" // the zone database for Asia/Shanghai on any machine
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, isTerminal(os.Stderr))
	stop()
	os.Exit(code)
}

const usage = `usage:
  kesu scenario run PATH...
  kesu gen --profile carrier|utility --days N --seed S [--truth FILE] [-o FILE]
  kesu replay --policy FILE [--map FILE] [--format text|json] [--strict] INPUT
  kesu plugin check PATH
run "kesu COMMAND -h" for a command's flags
`

// run is the whole command, for tests: it returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, tty bool) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "scenario":
		if len(args) < 2 || args[1] != "run" {
			fmt.Fprint(stderr, "usage: kesu scenario run PATH...\n")
			return 2
		}
		return scenarioRun(ctx, args[2:], stdout, stderr)
	case "gen":
		return gen(args[1:], stdout, stderr)
	case "replay":
		return replay(ctx, args[1:], stdin, stdout, stderr, tty)
	case "plugin":
		if len(args) < 2 || args[1] != "check" {
			fmt.Fprint(stderr, "usage: kesu plugin check PATH\n")
			return 2
		}
		return pluginCheck(ctx, args[2:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "kesu: unknown command %q\n%s", args[0], usage)
	return 2
}

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
