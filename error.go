package plumb

import (
	"errors"
	"fmt"
)

// Error codes. Each decides how an error surfaces: HTTP status, exit code,
// what the queue does with the job, and whether a pull request shows it.
const (
	EINVALID      = "invalid"
	EUNAUTHORIZED = "unauthorized"
	ECONFLICT     = "conflict"
	ENOTFOUND     = "not_found"
	EINTERNAL     = "internal"
)

// Error is plumb's application error: a Code, a Message safe to show users,
// and the underlying cause, if any.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error returns the message; Errorf already folds a %w cause into it.
func (e *Error) Error() string {
	if e.Message == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted message. A %w verb in format
// becomes the cause.
func Errorf(code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: err.Error(), Err: errors.Unwrap(err)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err: the message of an
// *Error, or "internal error" for anything else.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return "internal error"
}

// ExitCode maps an error to the CLI's exit code: 0 for nil, 1 otherwise.
// Verbs with richer codes (2 for drift or changes) decide those themselves.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	return 1
}
