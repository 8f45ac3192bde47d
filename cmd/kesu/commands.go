package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kesu-go/kesu/adapters/adaptertest"
	"github.com/kesu-go/kesu/scenario"
)

func scenarioRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kesu scenario run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, "usage: kesu scenario run PATH...\n")
		return 2
	}
	var files []string
	for _, p := range fs.Args() {
		st, err := os.Stat(p)
		if err != nil {
			fmt.Fprintf(stderr, "kesu: %v\n", err)
			return 1
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		for _, pat := range []string{"*.yaml", "*.yml"} {
			m, _ := filepath.Glob(filepath.Join(p, pat))
			files = append(files, m...)
		}
	}
	slices.Sort(files)
	files = slices.Compact(files)
	failed := 0
	for _, f := range files {
		s, err := scenario.Load(f)
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "FAIL %s\n%s\n", f, indent(err.Error()))
			continue
		}
		r := s.Check(ctx)
		if r.Passed() {
			fmt.Fprintf(stdout, "ok   %s (%d steps)\n", f, r.Steps)
			continue
		}
		failed++
		fmt.Fprintf(stdout, "FAIL %s\n", f)
		for _, fl := range r.Failures {
			fmt.Fprintf(stdout, "    %s\n", fl.Error())
		}
	}
	fmt.Fprintf(stdout, "%d scenarios, %d failed\n", len(files), failed)
	if failed > 0 || len(files) == 0 {
		return 1
	}
	return 0
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

func gen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kesu gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	profile := fs.String("profile", "carrier", "profile: carrier or utility")
	days := fs.Int("days", 365, "days of stream")
	seed := fs.Uint64("seed", 1, "seed: the same seed gives the same stream")
	perDay := fs.Float64("per-day", 0, "mean background tickets a day (default: the generator's, about 550)")
	incidents := fs.Int("incidents", 0, "incidents to inject (default: the generator's; negative: none)")
	truth := fs.String("truth", "", "write the injected incidents (ground truth) as JSON Lines to this file")
	out := fs.String("o", "", "write the stream to this file instead of standard output")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kesu gen: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *days <= 0 {
		fmt.Fprint(stderr, "kesu gen: --days must be positive\nusage: kesu gen --profile carrier|utility --days N --seed S [--truth FILE] [-o FILE]\n")
		return 2
	}
	st, err := scenario.Generate(scenario.GenConfig{Profile: *profile, Days: *days, Seed: *seed, PerDay: *perDay, Incidents: *incidents})
	if err != nil {
		fmt.Fprintf(stderr, "kesu gen: %v\n", err)
		return 2
	}
	if err := writeTo(*out, stdout, st.WriteJSONL); err != nil {
		fmt.Fprintf(stderr, "kesu gen: %v\n", err)
		return 1
	}
	if *truth != "" {
		err := writeTo(*truth, nil, func(w io.Writer) error { return scenario.WriteIncidentsJSONL(w, st.Incidents()) })
		if err != nil {
			fmt.Fprintf(stderr, "kesu gen: %v\n", err)
			return 1
		}
	}
	return 0
}

// writeTo calls write with the file at path (created), or with def when
// path is empty, and reports a failed close.
func writeTo(path string, def io.Writer, write func(io.Writer) error) error {
	if path == "" {
		return write(def)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = write(f)
	return errors.Join(err, f.Close())
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func pluginCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kesu plugin check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var customers stringList
	fs.Var(&customers, "customer", "a customer id the plugin knows (repeatable; enables CRM checks)")
	account := fs.String("account", "", "a billing account the plugin knows")
	period := fs.String("period", "", "a period (YYYY-MM) with a bill for --account")
	region := fs.String("region", "", "a region for subscriber-count and outage checks")
	writes := fs.Bool("writes", false, "also run checks that change data (test data only)")
	timeout := fs.Duration("timeout", 10*time.Second, "time limit of each check")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, "usage: kesu plugin check [flags] PATH\n")
		return 2
	}
	rep := adaptertest.CheckBinary(ctx, fs.Arg(0), adaptertest.Options{
		CustomerIDs: customers, Account: *account, Period: *period, Region: *region, Writes: *writes, Timeout: *timeout,
	})
	if err := rep.WriteText(stdout); err != nil {
		fmt.Fprintf(stderr, "kesu plugin check: %v\n", err)
		return 1
	}
	if !rep.OK() {
		return 1
	}
	return 0
}
