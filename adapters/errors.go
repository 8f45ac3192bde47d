package adapters

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Code classifies an adapter error. Codes cross the plugin boundary as gRPC
// status codes and come back unchanged. The zero value is [Unknown].
type Code uint8

// The error codes. Each maps to the gRPC status code of the same meaning.
const (
	// Unknown is an error with no better classification; it is not retried.
	Unknown Code = iota
	// InvalidArgument means the request was malformed; retrying cannot help.
	InvalidArgument
	// NotFound means the customer, account or record does not exist.
	NotFound
	// AlreadyExists means the record exists and may not be created again.
	AlreadyExists
	// FailedPrecondition means the system is not in a state that allows the
	// operation (for example a partner already offline); retrying as is cannot help.
	FailedPrecondition
	// PermissionDenied means the plugin refuses the operation.
	PermissionDenied
	// NotImplemented means the plugin does not implement the contract or method.
	NotImplemented
	// Unavailable means the plugin or the system behind it cannot be reached
	// now; a retry may help.
	Unavailable
	// DeadlineExceeded means the call did not finish in time; a retry may help.
	DeadlineExceeded
	// ResourceExhausted means a rate or size limit was hit; a later retry may help.
	ResourceExhausted
	// Canceled means the caller cancelled the call.
	Canceled
	// Internal means the plugin failed or answered something that breaks the
	// contract (a garbage answer); retrying is not expected to help.
	Internal
)

var codeNames = [...]string{
	Unknown:            "unknown",
	InvalidArgument:    "invalid argument",
	NotFound:           "not found",
	AlreadyExists:      "already exists",
	FailedPrecondition: "failed precondition",
	PermissionDenied:   "permission denied",
	NotImplemented:     "not implemented",
	Unavailable:        "unavailable",
	DeadlineExceeded:   "deadline exceeded",
	ResourceExhausted:  "resource exhausted",
	Canceled:           "canceled",
	Internal:           "internal",
}

// String returns the code's lowercase name, such as "not found".
func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("code(%d)", uint8(c))
}

// Retryable reports whether a retry of a call that failed with this code can
// help: true for [Unavailable], [DeadlineExceeded] and [ResourceExhausted].
func (c Code) Retryable() bool {
	return c == Unavailable || c == DeadlineExceeded || c == ResourceExhausted
}

// Error is an adapter error: a [Code], the operation that failed and a
// message. It is what plugins return to say what went wrong, and what the
// host gives back after the error crossed the process boundary.
// Use [errors.Is] with the sentinels ([ErrNotFound], ...) to branch on the code.
type Error struct {
	// Code classifies the error.
	Code Code
	// Op names the operation, such as "crm.Profiles"; it may be empty.
	Op string
	// Message says what went wrong, in lowercase without a final period.
	Message string
	// Err is the underlying error, if any; it does not cross the boundary.
	Err error
}

// Error formats the error as "op: message (code)".
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if msg == "" {
		msg = e.Code.String()
	} else {
		msg = msg + " (" + e.Code.String() + ")"
	}
	if e.Op != "" {
		return "adapters: " + e.Op + ": " + msg
	}
	return "adapters: " + msg
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error sentinel with the same code and no
// message, so errors.Is(err, adapters.ErrNotFound) matches every NotFound error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Op == "" && t.Err == nil && t.Code == e.Code
}

// Sentinels to branch on with [errors.Is]. Each matches every [*Error] of its code.
var (
	ErrInvalidArgument    = &Error{Code: InvalidArgument}
	ErrNotFound           = &Error{Code: NotFound}
	ErrAlreadyExists      = &Error{Code: AlreadyExists}
	ErrFailedPrecondition = &Error{Code: FailedPrecondition}
	ErrPermissionDenied   = &Error{Code: PermissionDenied}
	ErrNotImplemented     = &Error{Code: NotImplemented}
	ErrUnavailable        = &Error{Code: Unavailable}
	ErrDeadlineExceeded   = &Error{Code: DeadlineExceeded}
	ErrResourceExhausted  = &Error{Code: ResourceExhausted}
	ErrCanceled           = &Error{Code: Canceled}
	ErrInternal           = &Error{Code: Internal}
)

// Errorf returns an *Error with the code and a formatted message. The %w verb
// wraps as in fmt.Errorf.
func Errorf(code Code, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: err.Error(), Err: errors.Unwrap(err)}
}

// CodeOf returns the code of err: the code of the first *Error in its chain,
// [Canceled] or [DeadlineExceeded] for the context errors, the mapped code of
// a gRPC status error, [Unknown] for any other non-nil error, and [Unknown]
// for nil.
func CodeOf(err error) Code {
	if err == nil {
		return Unknown
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	switch {
	case errors.Is(err, context.Canceled):
		return Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return DeadlineExceeded
	}
	if s, ok := status.FromError(err); ok {
		return fromGRPCCode(s.Code())
	}
	return Unknown
}

// IsRetryable reports whether a retry of the call that returned err can help.
// It is false for nil.
func IsRetryable(err error) bool {
	return err != nil && CodeOf(err).Retryable()
}

var toGRPC = [...]codes.Code{
	Unknown:            codes.Unknown,
	InvalidArgument:    codes.InvalidArgument,
	NotFound:           codes.NotFound,
	AlreadyExists:      codes.AlreadyExists,
	FailedPrecondition: codes.FailedPrecondition,
	PermissionDenied:   codes.PermissionDenied,
	NotImplemented:     codes.Unimplemented,
	Unavailable:        codes.Unavailable,
	DeadlineExceeded:   codes.DeadlineExceeded,
	ResourceExhausted:  codes.ResourceExhausted,
	Canceled:           codes.Canceled,
	Internal:           codes.Internal,
}

// GRPCCode returns the gRPC status code for c.
func (c Code) GRPCCode() codes.Code {
	if int(c) < len(toGRPC) {
		return toGRPC[c]
	}
	return codes.Unknown
}

func fromGRPCCode(c codes.Code) Code {
	switch c {
	case codes.OK:
		return Unknown
	case codes.Aborted:
		return Unavailable
	case codes.OutOfRange:
		return InvalidArgument
	case codes.DataLoss:
		return Internal
	case codes.Unauthenticated:
		return PermissionDenied
	}
	for i, g := range toGRPC {
		if g == c {
			return Code(i)
		}
	}
	return Unknown
}

// toStatus converts a plugin-side error into a gRPC status error.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		var e *Error
		if !errors.As(err, &e) {
			return err
		}
	}
	code := CodeOf(err)
	msg := err.Error()
	var e *Error
	if errors.As(err, &e) {
		msg = e.Message
		if msg == "" && e.Err != nil {
			msg = e.Err.Error()
		}
	}
	return status.Error(code.GRPCCode(), msg)
}

// fromStatus converts an error returned by a gRPC call into an *Error.
func fromStatus(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: CodeOf(err), Op: op, Message: err.Error(), Err: err}
	}
	s, ok := status.FromError(err)
	if !ok {
		return &Error{Code: Unavailable, Op: op, Message: err.Error(), Err: err}
	}
	return &Error{Code: fromGRPCCode(s.Code()), Op: op, Message: s.Message()}
}
