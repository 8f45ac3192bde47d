package adapters

import "github.com/kesu-go/kesu/complaint"

// Customer converts the CRM profile into the engine's [complaint.Customer].
// Flag names pass through unchanged ([FlagProfessionalComplainant] is
// [complaint.FlagProfessional], and so on); Pending is false.
func (p Profile) Customer() complaint.Customer {
	c := complaint.Customer{
		ID: p.ID, Name: p.Name, Tier: p.Tier, PriorEscalations: p.PriorEscalations,
		Owner: p.Owner, Region: p.Region,
	}
	if len(p.Flags) > 0 {
		c.Flags = make([]complaint.Flag, len(p.Flags))
		for i, f := range p.Flags {
			c.Flags[i] = complaint.Flag(f.Name)
		}
	}
	return c
}
