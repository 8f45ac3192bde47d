package complaint

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrNotFound: no ticket (or customer) with that id.
	ErrNotFound = errors.New("complaint: not found")
	// ErrConflict: the ticket changed since it was read (optimistic concurrency).
	ErrConflict = errors.New("complaint: version conflict")
	// ErrDuplicate: a ticket with that external id (or id) already exists.
	ErrDuplicate = errors.New("complaint: duplicate")
	// ErrInvalidTransition: the lifecycle does not allow that event in that status.
	ErrInvalidTransition = errors.New("complaint: invalid transition")
	// ErrInvalid: the input failed validation; the error is a *ValidationError.
	ErrInvalid = errors.New("complaint: invalid input")
)

// TransitionError says that an event is not allowed in a status, and what
// would have been. errors.Is(err, ErrInvalidTransition) holds for it.
type TransitionError struct {
	Ticket  string
	Status  Status
	Event   EventType
	Allowed []EventType
}

func (e *TransitionError) Error() string {
	allowed := make([]string, len(e.Allowed))
	for i, a := range e.Allowed {
		allowed[i] = string(a)
	}
	id := ""
	if e.Ticket != "" {
		id = " " + e.Ticket
	}
	return fmt.Sprintf("complaint: ticket%s is %s: %s not allowed (allowed: %s)", id, e.Status, e.Event, strings.Join(allowed, ", "))
}

// Is makes errors.Is(err, ErrInvalidTransition) true.
func (e *TransitionError) Is(target error) bool { return target == ErrInvalidTransition }

// FieldError is one problem with one field. Path names the field as in the
// JSON encoding, e.g. "intake.category" or "closing.responsibility.unit".
type FieldError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (f FieldError) Error() string { return f.Path + ": " + f.Message }

// ValidationError lists every problem found in one input, each naming its
// field. errors.Is(err, ErrInvalid) holds for it.
type ValidationError struct {
	Fields []FieldError `json:"fields"`
}

func (v *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("complaint: invalid input: ")
	for i, f := range v.Fields {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Error())
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalid) true.
func (v *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Add records a problem with the field at path.
func (v *ValidationError) Add(path, format string, args ...any) {
	v.Fields = append(v.Fields, FieldError{Path: path, Message: fmt.Sprintf(format, args...)})
}

// Err returns v if it holds a problem and nil otherwise.
func (v *ValidationError) Err() error {
	if v == nil || len(v.Fields) == 0 {
		return nil
	}
	return v
}
