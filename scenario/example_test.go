package scenario_test

import (
	"fmt"

	"github.com/kesu-go/kesu/scenario"
)

// printTB is a scenario.TB that prints what the runner reports.
type printTB struct{ failed bool }

func (p *printTB) Helper() {}
func (p *printTB) Errorf(format string, args ...any) {
	p.failed = true
	fmt.Printf(format+"\n", args...)
}

// A scenario written inline: a complaint is taken in, dispatched by hand,
// urged twice and answered. The last expectation is wrong on purpose, to
// show a failure message: the file, the step's line, want against got.
func Example() {
	src := `
name: urged twice
start: 2025-03-03 09:00
steps:
  - intake: {ref: t1, category: billing.dispute, region: gd.gz.th, customer: C1, text: 话费多扣}
  - dispatch: {ticket: t1, unit: gz-centre, queue: billing}
  - assign: {ticket: t1, assignee: A007}
  - advance: 4h
  - urge: t1
  - urge: t1
  - expect: {ticket: t1, status: handling, assignee: A007, urges: 2}
  - reply: {ticket: t1, text: 已核实}
  - expect: {ticket: t1, status: resolved}
`
	s, err := scenario.Parse("urged.yaml", []byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	tb := new(printTB)
	s.Run(tb)
	fmt.Println("failed:", tb.failed)
	// Output:
	// urged.yaml:13: expect t1: status: want "resolved", got "replied"
	// failed: true
}

// Parse refuses a malformed scenario with every problem at once, each at
// its file:line.
func ExampleParse() {
	src := `
start: 2025-03-03 09:00
steps:
  - intake: {ref: t1, category: billing.dispute, region: gd.gz, customer: C1, colour: red}
  - advance: soon
  - urge: t2
`
	_, err := scenario.Parse("bad.yaml", []byte(src))
	fmt.Println(err)
	// Output:
	// bad.yaml:4: steps[0].intake.colour: unknown key (known: billing_code, category, channel, count, customer, external_id, kind, partner, product, ref, region, repeat_of, spread, subscriber, text)
	// bad.yaml:5: steps[1].advance: want a duration like 90m, 2h or 3d, got "soon"
	// bad.yaml:6: steps[2].urge: unknown ticket "t2" (not taken in by an earlier step)
}
