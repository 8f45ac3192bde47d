// Package adaptertest is the conformance kit for kesu adapter plugins, in
// the spirit of testing/fstest.TestFS.
//
// A carrier writing a plugin runs the suite against its implementation in
// process, over the real gRPC shims ([InProcess], then [Run]), and against
// the built binary ([TestBinary]); the kesu CLI runs it on a binary and
// prints a readable report ([CheckBinary], [Report.WriteText]).
//
// The suite checks what holds for any data: required fields are refused
// with [adapters.InvalidArgument], unknown customers and accounts give
// [adapters.NotFound] (or are left out of batch lookups), answers keep the
// contract's order and invariants (a bill's total is the sum of its lines,
// consent records are kept two years, outages overlap the asked range),
// contracts the plugin does not serve answer [adapters.NotImplemented], and
// with [Options.Writes], adjustments are idempotent and flags round-trip.
//
// [Fake] is an in-memory billing system, CRM and outage monitor over
// [Data]; it passes the suite and backs the example plugins.
package adaptertest
