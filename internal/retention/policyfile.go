package retention

import (
	"errors"

	"github.com/kesu-go/kesu/complaint"
	"github.com/kesu-go/kesu/internal/policyfile"
)

// FromFile decodes and validates the retention section of a policy file:
//
//	retention:
//	  years: 3
//	  consent_tags: [consent-recorded]
//	  consent_years: 2
//	  record_types: [contact]
//	  consent_record_types: [consent]
//
// ok is false when the file has no retention section. Errors name
// file:line and the field.
func FromFile(f *policyfile.File) (p Policy, ok bool, err error) {
	if !f.Has("retention") {
		return p, false, nil
	}
	if err := f.Decode("retention", &p); err != nil {
		return p, true, err
	}
	if err := p.Validate(); err != nil {
		var v *complaint.ValidationError
		if errors.As(err, &v) {
			var es policyfile.Errors
			for _, fe := range v.Fields {
				es = append(es, policyfile.Errorf(f.Name, f.Sections["retention"], fe.Path, "%s", fe.Message))
			}
			return p, true, es.Err()
		}
		return p, true, err
	}
	return p, true, nil
}
