package adapters_test

import (
	"fmt"

	"github.com/kesu-go/kesu/adapters"
	"github.com/kesu-go/kesu/complaint"
)

func ExampleProfile_Customer() {
	p := adapters.Profile{ID: "C-1002", Name: "李娜", Owner: "agent-07", PriorEscalations: 2,
		Flags: []adapters.Flag{{Name: adapters.FlagProfessionalComplainant, Reason: "12300 appeals"}}}
	c := p.Customer()
	fmt.Println(c.ID, c.Owner, c.PriorEscalations, c.Has(complaint.FlagProfessional))
	// Output: C-1002 agent-07 2 true
}
